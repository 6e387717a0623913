package dev.sandcrate.runtime.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fast engine backed by a pure-Java one: a call the fast engine cannot finish
 * ({@link SandboxException.Kind#ENGINE_FAILED}: its stack limit, a trap it cannot diagnose, a crashed engine
 * process) is rerun on the fallback engine. Expansion is deterministic, so the result is the one the fast engine
 * would have given. The fallback instance is first fed the requests the failed instance had already answered, so
 * it has the same statics; from then on that session stays on the fallback engine. The fallback compiles a module
 * only when it is first needed.
 */
public final class FallbackEngine implements MacroEngine {

    /** Requests kept per instance for the replay; beyond this a fallback starts with fresh statics. */
    static final long MAX_REPLAY_BYTES = 16L << 20;

    private final MacroEngine primary;
    private final MacroEngine fallback;
    private final AtomicLong fallbacks = new AtomicLong();

    public FallbackEngine(MacroEngine primary, MacroEngine fallback) {
        this.primary = primary;
        this.fallback = fallback;
    }

    @Override
    public String name() {
        return primary.name();
    }

    @Override
    public SandboxLimits limits() {
        return primary.limits();
    }

    /** Counted and logged: a primary engine that keeps failing makes every build slow, and that must not go unseen. */
    private void fellBack(String what, SandboxException cause) {
        fallbacks.incrementAndGet();
        System.err.println("sandcrate-runtime: " + what + " runs on " + fallback.name() + " from now on, " + primary.name()
                + " failed: " + cause.getMessage());
    }

    /** How many calls were rerun on the fallback engine so far. */
    public long fallbackCount() {
        return fallbacks.get();
    }

    public MacroEngine primary() {
        return primary;
    }

    @Override
    public void close() {
        try {
            primary.close();
        } finally {
            fallback.close();
        }
    }

    @Override
    public MacroModule load(byte[] wasm, String sha256) throws SandboxException {
        MacroModule fast;
        try {
            fast = primary.load(wasm, sha256);
        } catch (SandboxException e) {
            if (e.kind() != SandboxException.Kind.ENGINE_FAILED) {
                throw e;
            }
            fellBack("module " + sha256, e);
            return fallback.load(wasm);
        }
        return new Module(fast, wasm);
    }

    private final class Module implements MacroModule {
        private final MacroModule fast;
        private final byte[] wasm;
        private MacroModule slow;

        Module(MacroModule fast, byte[] wasm) {
            this.fast = fast;
            this.wasm = wasm;
        }

        @Override
        public String sha256() {
            return fast.sha256();
        }

        @Override
        public Optional<String> manifestJson() {
            return fast.manifestJson();
        }

        synchronized MacroModule slow() throws SandboxException {
            if (slow == null) {
                slow = fallback.load(wasm);
            }
            return slow;
        }

        @Override
        public MacroInstance instantiate() throws SandboxException {
            try {
                return new Instance(this, fast.instantiate());
            } catch (SandboxException e) {
                if (e.kind() != SandboxException.Kind.ENGINE_FAILED) {
                    throw e;
                }
                fellBack("an instance of module " + sha256(), e);
                return slow().instantiate();
            }
        }
    }

    private final class Instance implements MacroInstance {
        private final Module module;
        private final MacroInstance fast;
        private MacroInstance slow;
        private List<byte[]> answered = new ArrayList<>();
        private long answeredBytes;

        Instance(Module module, MacroInstance fast) {
            this.module = module;
            this.fast = fast;
        }

        @Override
        public byte[] expand(byte[] wireRequest) throws SandboxException {
            if (slow != null) {
                return slow.expand(wireRequest);
            }
            byte[] response;
            try {
                response = fast.expand(wireRequest);
            } catch (SandboxException e) {
                if (e.kind() != SandboxException.Kind.ENGINE_FAILED) {
                    throw e;
                }
                fellBack("a session of module " + module.sha256(), e);
                fast.close();
                slow = module.slow().instantiate();
                List<byte[]> replay = answered == null ? List.of() : answered;
                answered = null;
                for (byte[] earlier : replay) {
                    slow.expand(earlier);
                }
                return slow.expand(wireRequest);
            }
            remember(wireRequest);
            return response;
        }

        private void remember(byte[] wireRequest) {
            if (answered == null) {
                return;
            }
            answeredBytes += wireRequest.length;
            if (answeredBytes > MAX_REPLAY_BYTES) {
                answered = null;
            } else {
                answered.add(wireRequest);
            }
        }

        @Override
        public boolean usable() {
            return slow != null ? slow.usable() : fast.usable();
        }

        @Override
        public void close() {
            fast.close();
            if (slow != null) {
                slow.close();
            }
            answered = null;
        }
    }
}

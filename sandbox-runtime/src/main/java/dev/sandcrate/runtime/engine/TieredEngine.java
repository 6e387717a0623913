package dev.sandcrate.runtime.engine;

import dev.sandcrate.runtime.engine.wasm2c.Wasm2cEngine;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A module starts on an engine that is ready at once ({@code meanwhile}: Wasmtime) while the wasm2c engine compiles it
 * in the background, at the lowest CPU priority, one module at a time; sessions that start after that run on the
 * compiled module. A session stays on the engine it started on. A module compiled before (the executables are cached
 * on disk) is on wasm2c from its first session.
 */
public final class TieredEngine implements MacroEngine {

    private final Wasm2cEngine compiled;
    private final MacroEngine meanwhile;
    private final ConcurrentHashMap<String, Future<MacroModule>> compiles = new ConcurrentHashMap<>();
    private final ExecutorService compiler = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandcrate-wasm2c-compiler");
        thread.setDaemon(true);
        return thread;
    });

    public TieredEngine(Wasm2cEngine compiled, MacroEngine meanwhile) {
        this.compiled = compiled;
        this.meanwhile = meanwhile;
    }

    /** The engine's name: what runs most of the time is wasm2c. */
    @Override
    public String name() {
        return compiled.name();
    }

    @Override
    public SandboxLimits limits() {
        return meanwhile.limits();
    }

    @Override
    public MacroModule load(byte[] wasm, String sha256) throws SandboxException {
        Optional<MacroModule> ready = compiled.loadCompiled(wasm, sha256);
        if (ready.isPresent()) {
            System.err.println("sandcrate-runtime: module " + sha256 + " runs on wasm2c (compiled before)");
            return ready.get();
        }
        MacroModule now = meanwhile.load(wasm, sha256);
        Future<MacroModule> later = compiles.computeIfAbsent(sha256, key -> compiler.submit(() -> {
            try {
                MacroModule module = compiled.loadInBackground(wasm, sha256);
                System.err.println("sandcrate-runtime: module " + sha256 + " compiled by wasm2c in the background;"
                        + " new sessions run on it, running ones stay on " + meanwhile.name());
                return module;
            } catch (SandboxException | RuntimeException e) {
                System.err.println("sandcrate-runtime: module " + sha256 + " stays on " + meanwhile.name()
                        + ": compiling it with wasm2c failed: " + e.getMessage());
                throw e;
            }
        }));
        return new Module(now, later);
    }

    /** A module on {@code meanwhile} until its compile is done. */
    private record Module(MacroModule now, Future<MacroModule> later) implements MacroModule {

        @Override
        public String sha256() {
            return now.sha256();
        }

        @Override
        public Optional<String> manifestJson() {
            return now.manifestJson();
        }

        @Override
        public MacroInstance instantiate() throws SandboxException {
            if (later.isDone()) {
                try {
                    return later.get().instantiate();
                } catch (ExecutionException | InterruptedException | SandboxException e) {
                    // the compile failed (said in the log when it did), or its executable cannot start: stay where we are
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            return now.instantiate();
        }
    }

    @Override
    public void close() {
        compiler.shutdownNow();
        compiled.close();
        meanwhile.close();
    }
}

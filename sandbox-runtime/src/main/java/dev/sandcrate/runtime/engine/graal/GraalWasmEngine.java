package dev.sandcrate.runtime.engine.graal;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.MemoryCap;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.util.Optional;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * GraalWasm (Truffle). One shared polyglot {@link Engine} so parsed and JIT-compiled code is reused by every
 * instance; one polyglot context per instance. Its JIT needs JVMCI (docs/runtime.md); without it GraalWasm
 * interprets, which is far slower.
 */
public final class GraalWasmEngine implements MacroEngine {

    public static final String NAME = "graalwasm";

    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final Engine engine;

    public GraalWasmEngine(SandboxLimits limits) {
        this.limits = limits;
        this.runner = new InvocationRunner(limits.stackBytes());
        this.engine = Engine.newBuilder("wasm")
                .option("engine.WarnInterpreterOnly", "false")
                .build(); // JIT tuning comes from system properties, e.g. -Dpolyglot.engine.Mode=latency
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SandboxLimits limits() {
        return limits;
    }

    @Override
    public MacroModule load(byte[] wasm, String sha256) throws SandboxException {
        ArtifactAbi.CheckedModule checked = ArtifactAbi.check(wasm, sha256);
        byte[] capped = MemoryCap.cap(wasm, limits.maxMemoryPages());
        Source source;
        try {
            source = Source.newBuilder("wasm", ByteSequence.create(capped), checked.sha256()).cached(true).buildLiteral();
        } catch (RuntimeException e) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE, "module could not be read: " + e.getMessage(), e);
        }
        return new MacroModule() {
            @Override
            public String sha256() {
                return checked.sha256();
            }

            @Override
            public Optional<String> manifestJson() {
                return checked.manifestJson();
            }

            @Override
            public MacroInstance instantiate() throws SandboxException {
                return GraalWasmInstance.create(engine, source, checked.sha256(), limits, runner);
            }
        };
    }

    static boolean cancelled(PolyglotException e) {
        return e.isCancelled() || e.isInterrupted();
    }
}

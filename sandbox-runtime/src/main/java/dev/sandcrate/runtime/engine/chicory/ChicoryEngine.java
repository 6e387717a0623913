package dev.sandcrate.runtime.engine.chicory;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Chicory with every module compiled to JVM bytecode when it is loaded (no interpreter: Chicory's interpreter is far
 * too slow for real macros). Pure Java, no JVM flags; fast cold start.
 */
public final class ChicoryEngine implements MacroEngine {

    public static final String NAME = "chicory";

    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final CompiledClassCache cache;

    /** An engine that compiles every module it loads. */
    public ChicoryEngine(SandboxLimits limits) {
        this(limits, null);
    }

    /** An engine that keeps compiled modules under {@code cacheDir} (null: no disk cache). */
    public ChicoryEngine(SandboxLimits limits, Path cacheDir) {
        this.limits = limits;
        this.runner = new InvocationRunner(limits.stackBytes());
        this.cache = cacheDir == null ? null : new CompiledClassCache(cacheDir);
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
        Function<Instance, Machine> machines;
        try {
            // functions too large for one JVM method run in Chicory's interpreter, silently
            MachineFactoryCompiler.Builder compiler = MachineFactoryCompiler.builder(checked.module())
                    .withInterpreterFallback(InterpreterFallback.SILENT);
            if (cache != null) {
                compiler.withCache(cache);
            }
            machines = compiler.compile();
        } catch (ChicoryException | IllegalArgumentException e) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE,
                    "module " + checked.sha256() + " could not be compiled: " + e.getMessage(), e);
        }
        return new ChicoryModule(checked, machines, limits, runner);
    }
}

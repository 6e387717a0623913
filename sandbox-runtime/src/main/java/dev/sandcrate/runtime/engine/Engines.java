package dev.sandcrate.runtime.engine;

import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.engine.isolated.IsolatedEngine;
import dev.sandcrate.runtime.engine.wasm2c.Wasm2cEngine;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeEngine;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeLibrary;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engines this runtime knows, by name; the one place that decides which engine runs a module. The default is
 * Wasmtime in an engine worker process with Chicory as its fallback; where the binding has no native library
 * for the platform (or there is no cache directory to keep it in), Chicory alone.
 */
public final class Engines {

    public static final String DEFAULT = WasmtimeEngine.NAME;
    public static final String GRAALWASM = "graalwasm";
    public static final List<String> NAMES = List.of(WasmtimeEngine.NAME, ChicoryEngine.NAME, Wasm2cEngine.NAME, GRAALWASM);

    private Engines() {}

    /** Creates the named engine; compiled modules are kept under {@link #cacheDirectory}. */
    public static MacroEngine create(String name, SandboxLimits limits) {
        Path cache = cacheDirectory(System.getenv());
        return switch (name) {
            case WasmtimeEngine.NAME -> wasmtime(limits, cache);
            case ChicoryEngine.NAME -> new ChicoryEngine(limits, cache);
            case Wasm2cEngine.NAME -> tiered(limits, cache);
            case GRAALWASM -> graalWasm(limits);
            default -> throw new IllegalArgumentException("unknown engine '" + name + "'; choose one of " + NAMES);
        };
    }

    /** Wasmtime isolated in a worker, Chicory for what it cannot finish; Chicory alone where Wasmtime cannot run. */
    static MacroEngine wasmtime(SandboxLimits limits, Path cache) {
        ChicoryEngine chicory = new ChicoryEngine(limits, cache);
        return isolatedWasmtime(limits, cache).map(isolated -> (MacroEngine) new FallbackEngine(isolated, chicory)).orElse(chicory);
    }

    /** Wasmtime in its engine worker, started now; empty where it cannot run (no native library, no cache directory). */
    private static Optional<MacroEngine> isolatedWasmtime(SandboxLimits limits, Path cache) {
        if (cache == null || !WasmtimeLibrary.available()) {
            return Optional.empty();
        }
        IsolatedEngine isolated = new IsolatedEngine(limits, cache);
        isolated.warmUp();
        return Optional.of(isolated);
    }

    /** Modules compiled to native code through wasm2c and cc (a compile of tens of seconds on a module's first use). */
    public static Wasm2cEngine wasm2c(SandboxLimits limits, Path cache) {
        if (cache == null) {
            throw new IllegalArgumentException("the wasm2c engine needs a cache directory for its compiled modules; set HOME or SANDCRATE_CACHE");
        }
        try {
            return new Wasm2cEngine(limits, cache);
        } catch (IllegalStateException noToolchain) {
            throw new IllegalArgumentException(noToolchain.getMessage() + "; or use --engine " + DEFAULT, noToolchain);
        }
    }

    /**
     * What {@code --engine wasm2c} runs: Wasmtime (Chicory where it cannot run) while wasm2c compiles each module in the
     * background, then wasm2c; Chicory as the fallback.
     */
    static MacroEngine tiered(SandboxLimits limits, Path cache) {
        Wasm2cEngine compiled = wasm2c(limits, cache);
        ChicoryEngine chicory = new ChicoryEngine(limits, cache);
        MacroEngine meanwhile = isolatedWasmtime(limits, cache).orElse(chicory);
        return new FallbackEngine(new TieredEngine(compiled, meanwhile), chicory);
    }

    /** {@code $SANDCRATE_CACHE/runtime}, else {@code ~/.cache/sandcrate/runtime}; null without HOME. */
    public static Path cacheDirectory(Map<String, String> env) {
        String cache = env.get("SANDCRATE_CACHE");
        if (cache != null && !cache.isEmpty()) {
            return Path.of(cache, "runtime");
        }
        String home = env.get("HOME");
        return home == null || home.isEmpty() ? null : Path.of(home, ".cache", "sandcrate", "runtime");
    }

    /** GraalWasm is optional (large): loaded reflectively so the runtime works without its jars. */
    private static MacroEngine graalWasm(SandboxLimits limits) {
        try {
            Class<?> engine = Class.forName("dev.sandcrate.runtime.engine.graal.GraalWasmEngine");
            return (MacroEngine) engine.getConstructor(SandboxLimits.class).newInstance(limits);
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException wrapped ? wrapped.getCause() : e;
            throw new IllegalArgumentException("the GraalWasm engine is not available in this runtime (" + cause
                    + "); put the GraalWasm jars on the class path or use --engine " + DEFAULT, cause);
        }
    }
}

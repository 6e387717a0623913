package dev.sandcrate.runtime.engine;

import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The engines this runtime knows, by name. The default is the one the benchmark found best for consumers. */
public final class Engines {

    public static final String DEFAULT = ChicoryEngine.NAME;
    public static final String GRAALWASM = "graalwasm";
    public static final List<String> NAMES = List.of(ChicoryEngine.NAME, GRAALWASM);

    private Engines() {}

    /** Creates the named engine; a Chicory engine keeps compiled modules under {@link #cacheDirectory}. */
    public static MacroEngine create(String name, SandboxLimits limits) {
        return switch (name) {
            case ChicoryEngine.NAME -> new ChicoryEngine(limits, cacheDirectory(System.getenv()));
            case GRAALWASM -> graalWasm(limits);
            default -> throw new IllegalArgumentException("unknown engine '" + name + "'; choose one of " + NAMES);
        };
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

package dev.sandcrate.runtime.engine.wasmtime;

import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.MemoryCap;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import io.github.kawamuray.wasmtime.Config;
import io.github.kawamuray.wasmtime.Engine;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.OptLevel;
import io.github.kawamuray.wasmtime.Strategy;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Wasmtime (Cranelift, native code) through wasmtime-java's JNI binding, in this JVM. A native crash takes the JVM
 * with it, so the runtime runs this engine in an engine worker process ({@code engine.isolated}); this class is
 * what the worker runs. Time limit: epoch interruption (a ticker thread advances the epoch, each call gets a
 * deadline in ticks). Memory limit: the module's declared maximum is rewritten by {@link MemoryCap} (the binding
 * has no resource limiter). A trap with no recorded panic (e.g. the 2 MiB wasm stack is exhausted, or a refused
 * {@code memory.grow} ended in an abort) is reported as {@link SandboxException.Kind#ENGINE_FAILED}, so the
 * fallback engine reruns the call and gives its exact diagnosis.
 */
public final class WasmtimeEngine implements MacroEngine {

    public static final String NAME = "wasmtime";
    static final long TICK_MILLIS = 10;
    /** Wasmtime 7 refuses a larger wasm stack than its async stack (2 MiB), which the binding cannot raise. */
    static final long WASM_STACK_BYTES = 2L << 20;

    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final Engine engine;
    private final ModuleCache cache;

    /** An engine whose native library and compiled modules are kept under {@code cacheRoot}. */
    public WasmtimeEngine(SandboxLimits limits, Path cacheRoot) {
        this.limits = limits;
        this.runner = new InvocationRunner(limits.stackBytes());
        try {
            WasmtimeLibrary.load(cacheRoot);
            this.cache = new ModuleCache(cacheRoot.resolve("wasmtime-" + WasmtimeLibrary.WASMTIME_VERSION));
            Config config = new Config()
                    .strategy(Strategy.CRANELIFT)
                    .craneliftOptLevel(OptLevel.SPEED)
                    .epochInterruption(true)
                    .maxWasmStack(WASM_STACK_BYTES)
                    .cacheConfigLoad(cache.writeConfig());
            this.engine = new Engine(config);
        } catch (IOException e) {
            throw new UncheckedIOException("the Wasmtime engine could not be set up under " + cacheRoot + ": " + e.getMessage(), e);
        }
        Thread ticker = new Thread(this::tick, "sandcrate-wasmtime-epoch");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void tick() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            engine.incrementEpoch();
        }
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
        Optional<String> manifest = cache.checkedAbi(sha256, wasm);
        byte[] capped = MemoryCap.cap(wasm, limits.maxMemoryPages());
        Module module;
        try {
            module = cache.compile(sha256, () -> new Module(engine, capped));
        } catch (WasmtimeException e) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE,
                    "module " + sha256 + " could not be compiled: " + e.getMessage(), e);
        }
        return new WasmtimeModule(this, sha256, manifest, module);
    }

    Engine engine() {
        return engine;
    }

    InvocationRunner runner() {
        return runner;
    }

    /** Threads on which this engine's calls run without a hand-off (the engine worker's call threads). */
    public java.util.concurrent.ThreadFactory callThreads(String namePrefix) {
        return runner.wasmThreads(namePrefix);
    }

    /** Epoch ticks that make up {@code millis}, plus one for the tick in progress. */
    static long ticks(long millis) {
        return Math.max(1, millis / TICK_MILLIS) + 1;
    }

    /** For tests: where compiled modules and ABI checks are kept. */
    Path cacheDirectory() {
        return cache.directory();
    }
}

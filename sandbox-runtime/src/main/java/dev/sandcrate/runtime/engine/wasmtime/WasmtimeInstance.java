package dev.sandcrate.runtime.engine.wasmtime;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxException.Kind;
import dev.sandcrate.runtime.engine.SandboxLimits;
import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Memory;
import io.github.kawamuray.wasmtime.Module;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Trap;
import io.github.kawamuray.wasmtime.Val;
import io.github.kawamuray.wasmtime.WasmFunctionError;
import io.github.kawamuray.wasmtime.WasmtimeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;

/** One Wasmtime store and instance; the same ABI handling as the Chicory instance. */
final class WasmtimeInstance implements MacroInstance {

    /** Extra wall time the runner allows beyond the epoch deadline before it gives up on the call. */
    private static final Duration RUNNER_GRACE = Duration.ofSeconds(2);

    private final String sha256;
    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final Store<Void> store;
    private final Instance instance;
    private final Memory memory;
    private final Func alloc;
    private final Func expand;
    private final Func lastPanic;
    private boolean usable = true;
    private boolean disposed;

    private WasmtimeInstance(String sha256, SandboxLimits limits, InvocationRunner runner, Store<Void> store,
                             Instance instance) throws SandboxException {
        this.sha256 = sha256;
        this.limits = limits;
        this.runner = runner;
        this.store = store;
        this.instance = instance;
        this.memory = instance.getMemory(store, ArtifactAbi.MEMORY).orElseThrow(() -> invalid("has no linear memory"));
        this.alloc = function(ArtifactAbi.ALLOC);
        this.expand = function(ArtifactAbi.EXPAND);
        this.lastPanic = function(ArtifactAbi.LAST_PANIC);
    }

    private Func function(String name) throws SandboxException {
        return instance.getFunc(store, name).orElseThrow(() -> invalid("does not export " + name));
    }

    private SandboxException invalid(String what) {
        return new SandboxException(Kind.INVALID_MODULE, "module " + sha256 + " " + what);
    }

    static WasmtimeInstance create(WasmtimeEngine engine, String sha256, Module module) throws SandboxException {
        SandboxLimits limits = engine.limits();
        Duration timeout = limits.instantiationTimeout();
        Store<Void> store = new Store<>(null, engine.engine());
        try {
            WasmtimeInstance created = engine.runner().runSelfInterrupting(() -> {
                store.setEpochDeadline(WasmtimeEngine.ticks(timeout.toMillis()));
                Instance instance;
                try {
                    instance = new Instance(store, module, List.of());
                } catch (WasmtimeException | WasmFunctionError e) {
                    throw new SandboxException(Kind.INVALID_MODULE,
                            "module " + sha256 + " could not be instantiated: " + e.getMessage(), e);
                }
                return new WasmtimeInstance(sha256, limits, engine.runner(), store, instance);
            }, timeout.plus(RUNNER_GRACE), thread -> { });
            int version = engine.runner().runSelfInterrupting(() -> {
                store.setEpochDeadline(WasmtimeEngine.ticks(timeout.toMillis()));
                try {
                    return created.function(ArtifactAbi.ABI_VERSION).call(store)[0].i32();
                } catch (WasmtimeException | WasmFunctionError e) {
                    throw new SandboxException(Kind.INVALID_MODULE,
                            "module " + sha256 + " trapped in sandcrate_abi_version: " + e.getMessage(), e);
                }
            }, timeout.plus(RUNNER_GRACE), thread -> { });
            if (version != ArtifactAbi.VERSION) {
                created.close();
                throw ArtifactAbi.wrongVersion(sha256, version);
            }
            return created;
        } catch (SandboxException | RuntimeException e) {
            store.dispose();
            throw e;
        }
    }

    @Override
    public byte[] expand(byte[] wireRequest) throws SandboxException {
        if (!usable) {
            throw SandboxException.discarded(sha256);
        }
        try {
            return runner.runSelfInterrupting(() -> {
                store.setEpochDeadline(WasmtimeEngine.ticks(limits.timeout().toMillis()));
                try {
                    int ptr = alloc.call(store, Val.fromI32(wireRequest.length))[0].i32();
                    ByteBuffer mem = memory.buffer(store);
                    ArtifactAbi.checkRange(Integer.toUnsignedLong(ptr), wireRequest.length, mem.capacity(), "sandcrate_alloc returned");
                    mem.put(ptr, wireRequest, 0, wireRequest.length);
                    long packed = expand.call(store, Val.fromI32(ptr), Val.fromI32(wireRequest.length))[0].i64();
                    return readPacked(packed, "sandcrate_expand returned");
                } catch (WasmFunctionError.TrapError e) {
                    if (e.trap() == Trap.INTERRUPT) {
                        throw InvocationRunner.timedOut(limits.timeout());
                    }
                    return recordedPanic(e);
                } catch (WasmtimeException | WasmFunctionError e) {
                    return recordedPanic(e);
                }
            }, limits.timeout().plus(RUNNER_GRACE), thread -> { });
        } catch (SandboxException | RuntimeException | Error e) {
            usable = false;
            throw e;
        }
    }

    /** After a trap: the panic response the module recorded, else a failure the fallback engine diagnoses. */
    private byte[] recordedPanic(RuntimeException trap) throws SandboxException {
        usable = false;
        long packed;
        try {
            store.setEpochDeadline(WasmtimeEngine.ticks(limits.timeout().toMillis()));
            packed = lastPanic.call(store)[0].i64();
        } catch (RuntimeException e) {
            packed = 0;
        }
        if (packed != 0) {
            return readPacked(packed, "sandcrate_last_panic returned");
        }
        String what = trap instanceof WasmFunctionError.TrapError t && t.trap() == Trap.STACK_OVERFLOW
                ? "exhausted Wasmtime's 2 MiB wasm stack" : "trapped without a recorded panic (" + trap.getMessage() + ")";
        throw new SandboxException(Kind.ENGINE_FAILED, "macro " + what, trap);
    }

    private byte[] readPacked(long packed, String what) throws SandboxException {
        ByteBuffer mem = memory.buffer(store);
        ArtifactAbi.Region region = ArtifactAbi.region(packed, mem.capacity(), limits, what);
        byte[] out = new byte[region.length()];
        mem.get((int) region.offset(), out, 0, region.length());
        return out;
    }

    @Override
    public boolean usable() {
        return usable;
    }

    @Override
    public synchronized void close() {
        usable = false;
        if (!disposed) {
            disposed = true;
            alloc.dispose();
            expand.dispose();
            lastPanic.dispose();
            memory.dispose();
            instance.dispose();
            store.dispose();
        }
    }
}

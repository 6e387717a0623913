package dev.sandcrate.runtime.engine.chicory;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxException.Kind;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.util.function.Function;

final class ChicoryInstance implements MacroInstance {

    private final String sha256;
    private final Instance instance;
    private final LimitedMemory memory;
    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final ExportFunction alloc;
    private final ExportFunction expand;
    private final ExportFunction lastPanic;
    private boolean usable = true;

    private ChicoryInstance(String sha256, Instance instance, LimitedMemory memory, SandboxLimits limits,
                            InvocationRunner runner) {
        this.sha256 = sha256;
        this.instance = instance;
        this.memory = memory;
        this.limits = limits;
        this.runner = runner;
        this.alloc = instance.export(ArtifactAbi.ALLOC);
        this.expand = instance.export(ArtifactAbi.EXPAND);
        this.lastPanic = instance.export(ArtifactAbi.LAST_PANIC);
    }

    static ChicoryInstance create(ArtifactAbi.CheckedModule checked, Function<Instance, Machine> machines,
                                  SandboxLimits limits, InvocationRunner runner) throws SandboxException {
        LimitedMemory[] memory = new LimitedMemory[1];
        Instance instance = runner.run(() -> {
            try {
                return Instance.builder(checked.module())
                        .withMachineFactory(machines)
                        .withMemoryFactory(declared -> memory[0] = new LimitedMemory(declared, limits.maxMemoryPages()))
                        .build();
            } catch (ChicoryException e) {
                throw new SandboxException(Kind.INVALID_MODULE,
                        "module " + checked.sha256() + " could not be instantiated: " + e.getMessage(), e);
            }
        }, limits.instantiationTimeout(), Thread::interrupt);
        if (memory[0] == null) {
            throw new SandboxException(Kind.INVALID_MODULE, "module " + checked.sha256() + " has no linear memory");
        }
        ChicoryInstance created = new ChicoryInstance(checked.sha256(), instance, memory[0], limits, runner);
        long version = runner.run(() -> {
            try {
                return instance.export(ArtifactAbi.ABI_VERSION).apply()[0];
            } catch (ChicoryException e) {
                throw new SandboxException(Kind.INVALID_MODULE,
                        "module " + checked.sha256() + " trapped in sandcrate_abi_version: " + e.getMessage(), e);
            }
        }, limits.instantiationTimeout(), Thread::interrupt);
        if (version != ArtifactAbi.VERSION) {
            throw ArtifactAbi.wrongVersion(checked.sha256(), version);
        }
        return created;
    }

    @Override
    public byte[] expand(byte[] wireRequest) throws SandboxException {
        return call(() -> {
            int requestPtr = (int) alloc.apply(wireRequest.length)[0];
            ArtifactAbi.checkRange(Integer.toUnsignedLong(requestPtr), wireRequest.length, memoryBytes(), "sandcrate_alloc returned");
            memory.write(requestPtr, wireRequest, 0, wireRequest.length);
            return readPacked(expand.apply(requestPtr, wireRequest.length)[0], "sandcrate_expand returned");
        });
    }

    @Override
    public boolean usable() {
        return usable;
    }

    @Override
    public void close() {
        usable = false;
    }

    @FunctionalInterface
    private interface WasmCall {
        byte[] call() throws SandboxException;
    }

    /**
     * Runs one call into the module under the limits. A trap with a recorded panic returns the recorded wire panic
     * response; every trap or limit discards this instance.
     */
    private byte[] call(WasmCall body) throws SandboxException {
        if (!usable) {
            throw SandboxException.discarded(sha256);
        }
        try {
            return runner.run(() -> {
                try {
                    return body.call();
                } catch (ChicoryInterruptedException e) {
                    // the watchdog interrupted us; the runner reports the timeout
                    throw new SandboxException(Kind.TIMEOUT, "interrupted", e);
                } catch (ChicoryException e) {
                    usable = false;
                    return recordedPanic(e);
                } catch (StackOverflowError e) {
                    throw new SandboxException(Kind.TRAP, "macro exhausted its stack (unbounded recursion?)", e);
                }
            }, limits.timeout(), Thread::interrupt);
        } catch (SandboxException | RuntimeException | Error e) {
            usable = false;
            throw e;
        }
    }

    /** After a trap: a refused memory growth, else the panic response the module recorded, else the bare trap. */
    private byte[] recordedPanic(ChicoryException trap) throws SandboxException {
        if (memory.growthRefused()) {
            throw SandboxException.memoryLimit(limits, trap);
        }
        long packed;
        try {
            packed = lastPanic.apply()[0];
        } catch (ChicoryException e) {
            packed = 0;
        }
        if (packed == 0) {
            throw new SandboxException(Kind.TRAP, "macro trapped: " + trap.getMessage(), trap);
        }
        return readPacked(packed, "sandcrate_last_panic returned");
    }

    private byte[] readPacked(long packed, String what) throws SandboxException {
        ArtifactAbi.Region region = ArtifactAbi.region(packed, memoryBytes(), limits, what);
        return memory.readBytes((int) region.offset(), region.length());
    }

    private long memoryBytes() {
        return (long) memory.pages() * SandboxLimits.WASM_PAGE_BYTES;
    }
}

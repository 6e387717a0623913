package dev.sandcrate.runtime.engine.graal;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxException.Kind;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.nio.ByteOrder;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/** One GraalWasm context holding one module instance. No host access: the context allows nothing. */
final class GraalWasmInstance implements MacroInstance {

    private final String sha256;
    private final Context context;
    private final SandboxLimits limits;
    private final InvocationRunner runner;
    private final Value memory;
    private final Value alloc;
    private final Value expand;
    private final Value lastPanic;
    private boolean usable = true;

    private GraalWasmInstance(String sha256, Context context, Value exports, SandboxLimits limits, InvocationRunner runner) {
        this.sha256 = sha256;
        this.context = context;
        this.limits = limits;
        this.runner = runner;
        this.memory = exports.getMember(ArtifactAbi.MEMORY);
        this.alloc = exports.getMember(ArtifactAbi.ALLOC);
        this.expand = exports.getMember(ArtifactAbi.EXPAND);
        this.lastPanic = exports.getMember(ArtifactAbi.LAST_PANIC);
    }

    static GraalWasmInstance create(Engine engine, Source source, String sha256, SandboxLimits limits, InvocationRunner runner)
            throws SandboxException {
        Context context = Context.newBuilder("wasm").engine(engine).build();
        GraalWasmInstance[] created = new GraalWasmInstance[1];
        try {
            int version = runner.run(() -> {
                context.enter();
                try {
                    Value exports = context.eval(source).newInstance().getMember("exports");
                    created[0] = new GraalWasmInstance(sha256, context, exports, limits, runner);
                    return exports.getMember(ArtifactAbi.ABI_VERSION).execute().asInt();
                } catch (PolyglotException e) {
                    throw new SandboxException(Kind.INVALID_MODULE, "module " + sha256 + " could not be instantiated: " + e.getMessage(), e);
                } finally {
                    context.leave();
                }
            }, limits.instantiationTimeout(), t -> context.close(true));
            if (version != ArtifactAbi.VERSION) {
                throw ArtifactAbi.wrongVersion(sha256, version);
            }
            return created[0];
        } catch (SandboxException | RuntimeException e) {
            context.close(true);
            throw e;
        }
    }

    @Override
    public byte[] expand(byte[] wireRequest) throws SandboxException {
        if (!usable) {
            throw SandboxException.discarded(sha256);
        }
        try {
            return runner.run(() -> {
                context.enter();
                try {
                    int ptr = alloc.execute(wireRequest.length).asInt();
                    write(ptr, wireRequest);
                    return read(expand.execute(ptr, wireRequest.length).asLong(), "sandcrate_expand returned");
                } catch (PolyglotException e) {
                    if (GraalWasmEngine.cancelled(e)) {
                        throw new SandboxException(Kind.TIMEOUT, "interrupted", e);
                    }
                    usable = false;
                    return recordedPanic(e);
                } finally {
                    context.leave();
                }
            }, limits.timeout(), t -> context.close(true));
        } catch (SandboxException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** After a trap: the recorded panic response, else (memory near the cap) the memory limit, else the trap. */
    private byte[] recordedPanic(PolyglotException trap) throws SandboxException {
        long packed;
        try {
            packed = lastPanic.execute().asLong();
        } catch (PolyglotException e) {
            packed = 0;
        }
        if (packed != 0) {
            return read(packed, "sandcrate_last_panic returned");
        }
        // GraalWasm has no hook on refused growth; a trap with memory within 1 MiB of the cap is the limit
        if (memory.getBufferSize() + (1 << 20) >= (long) limits.maxMemoryPages() * SandboxLimits.WASM_PAGE_BYTES) {
            throw SandboxException.memoryLimit(limits, trap);
        }
        if (trap.isResourceExhausted()) {
            throw new SandboxException(Kind.TRAP, "macro exhausted its stack (unbounded recursion?)", trap);
        }
        throw new SandboxException(Kind.TRAP, "macro trapped: " + trap.getMessage(), trap);
    }

    private void write(int ptr, byte[] bytes) throws SandboxException {
        checkRange(ptr, bytes.length, "sandcrate_alloc returned");
        long base = Integer.toUnsignedLong(ptr);
        int i = 0;
        for (; i + 8 <= bytes.length; i += 8) {
            long word = 0;
            for (int b = 7; b >= 0; b--) {
                word = (word << 8) | (bytes[i + b] & 0xff);
            }
            memory.writeBufferLong(ByteOrder.LITTLE_ENDIAN, base + i, word);
        }
        for (; i < bytes.length; i++) {
            memory.writeBufferByte(base + i, bytes[i]);
        }
    }

    private byte[] read(long packed, String what) throws SandboxException {
        ArtifactAbi.Region region = ArtifactAbi.region(packed, memory.getBufferSize(), limits, what);
        byte[] out = new byte[region.length()];
        memory.readBuffer(region.offset(), out, 0, region.length());
        return out;
    }

    private void checkRange(int ptr, long len, String what) throws SandboxException {
        ArtifactAbi.checkRange(Integer.toUnsignedLong(ptr), len, memory.getBufferSize(), what);
    }

    @Override
    public boolean usable() {
        return usable;
    }

    @Override
    public void close() {
        usable = false;
        try {
            context.close(true);
        } catch (RuntimeException alreadyClosed) {
            // closing a cancelled context again is harmless
        }
    }
}

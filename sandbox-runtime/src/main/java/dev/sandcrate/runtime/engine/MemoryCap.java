package dev.sandcrate.runtime.engine;

import java.io.ByteArrayOutputStream;

/**
 * Rewrites a module's memory section so its declared maximum is at most the sandbox limit. Engines without a
 * per-instance memory limit then refuse {@code memory.grow} beyond it, exactly as the module's own maximum would.
 */
public final class MemoryCap {

    private static final int MEMORY_SECTION = 5;

    private MemoryCap() {}

    public static byte[] cap(byte[] wasm, int maxPages) throws SandboxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(wasm.length + 8);
        out.write(wasm, 0, 8); // magic and version, checked by the parser before
        int pos = 8;
        while (pos < wasm.length) {
            int id = wasm[pos++] & 0xff;
            long[] size = leb(wasm, pos);
            int start = pos + (int) size[1];
            int end = start + (int) size[0];
            if (id != MEMORY_SECTION) {
                out.write(wasm, pos - 1, end - pos + 1);
            } else {
                byte[] section = capSection(wasm, start, end, maxPages);
                out.write(id);
                writeLeb(out, section.length);
                out.writeBytes(section);
            }
            pos = end;
        }
        return out.toByteArray();
    }

    private static byte[] capSection(byte[] wasm, int pos, int end, int maxPages) throws SandboxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long[] count = leb(wasm, pos);
        pos += (int) count[1];
        writeLeb(out, count[0]);
        for (long i = 0; i < count[0]; i++) {
            int flags = wasm[pos++] & 0xff;
            if (flags > 1) {
                throw new SandboxException(SandboxException.Kind.INVALID_MODULE,
                        "module declares a shared or 64-bit memory (limits flag " + flags + "), which the runtime does not support");
            }
            long[] min = leb(wasm, pos);
            pos += (int) min[1];
            long max = maxPages;
            if (flags == 1) {
                long[] declared = leb(wasm, pos);
                pos += (int) declared[1];
                max = Math.min(declared[0], maxPages);
            }
            if (min[0] > max) {
                throw new SandboxException(SandboxException.Kind.MEMORY_LIMIT, "module needs " + (min[0] * 64) + " KiB of memory at start, "
                        + "more than the memory limit of " + (maxPages * 64L / 1024) + " MiB");
            }
            out.write(1);
            writeLeb(out, min[0]);
            writeLeb(out, max);
        }
        if (pos != end) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE, "malformed memory section");
        }
        return out.toByteArray();
    }

    /** Unsigned LEB128 at {@code pos}: {value, encoded length}. */
    private static long[] leb(byte[] bytes, int pos) throws SandboxException {
        long value = 0;
        int shift = 0;
        int start = pos;
        while (true) {
            if (pos >= bytes.length || shift > 35) {
                throw new SandboxException(SandboxException.Kind.INVALID_MODULE, "malformed LEB128 at byte " + start);
            }
            int b = bytes[pos++] & 0xff;
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return new long[] {value, pos - start};
            }
            shift += 7;
        }
    }

    private static void writeLeb(ByteArrayOutputStream out, long value) {
        do {
            int b = (int) (value & 0x7f);
            value >>>= 7;
            out.write(value == 0 ? b : b | 0x80);
        } while (value != 0);
    }
}

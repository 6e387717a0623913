package dev.sandcrate.index;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/**
 * Passes a stream on and throws the caller's exception as soon as more than {@code limit} bytes went through (read or
 * skipped): decompressed .crate contents, request bodies. The check is on bytes that actually arrive, so it holds
 * when no length was declared or the declared one lies.
 */
public final class CappedInputStream extends FilterInputStream {
    private final long limit;
    private final Supplier<? extends RuntimeException> overLimit;
    private long count;

    public CappedInputStream(InputStream in, long limit, Supplier<? extends RuntimeException> overLimit) {
        super(in);
        this.limit = limit;
        this.overLimit = overLimit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) counted(1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, (int) Math.min(len, limit - count + 1));
        if (n > 0) counted(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(Math.min(n, limit - count + 1));
        if (skipped > 0) counted(skipped);
        return skipped;
    }

    private void counted(long n) {
        count += n;
        if (count > limit) throw overLimit.get();
    }
}

package dev.sandcrate.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.RegistryException;
import io.javalin.http.Context;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The one way handlers read a request body: capped by the bytes actually read, so a chunked body (which has no
 * Content-Length for Javalin's {@code maxRequestSize} to check) cannot make the server read or buffer more than the
 * route allows. Going over the cap is a 413 with the usual JSON error.
 */
public final class RequestBodies {
    /** Every JSON body the API and the web UI accept (sign-in, tokens, owners, playground input) fits in this. */
    public static final int MAX_JSON_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestBodies() {
    }

    /** The body's stream, failing with 413 once more than {@code maxBytes} have been read (or at once if Content-Length says so). */
    public static InputStream stream(Context ctx, long maxBytes) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) throw tooLarge(maxBytes);
        try {
            return new Capped(ctx.req().getInputStream(), maxBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the request body", e);
        }
    }

    /** The whole body, at most {@code maxBytes}. */
    public static byte[] bytes(Context ctx, long maxBytes) {
        try (InputStream in = stream(ctx, maxBytes)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the request body", e);
        }
    }

    /** The body parsed as JSON ({@link #MAX_JSON_BYTES} at most); null when it is empty. */
    public static JsonNode json(Context ctx) {
        byte[] body = bytes(ctx, MAX_JSON_BYTES);
        if (body.length == 0) return null;
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw RegistryException.badRequest("invalid JSON body: " + e.getMessage());
        }
    }

    /** Whether the request came with a body (chunked or with a length), which a failed handler may not have read. */
    static boolean mayHaveUnreadBody(Context ctx) {
        return ctx.req().getHeader("Transfer-Encoding") != null || ctx.req().getContentLengthLong() > 0;
    }

    private static RegistryException tooLarge(long maxBytes) {
        return RegistryException.tooLarge("the request body is larger than this route's limit of " + maxBytes + " bytes");
    }

    /** Counts what it passes on and throws once more than the cap went through. */
    public static final class Capped extends FilterInputStream {
        private final long maxBytes;
        private long count;

        public Capped(InputStream in, long maxBytes) {
            super(in);
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) counted(1);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, maxBytes - count + 1));
            if (n > 0) counted(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(Math.min(n, maxBytes - count + 1));
            counted(skipped);
            return skipped;
        }

        private void counted(long n) {
            count += n;
            if (count > maxBytes) throw tooLarge(maxBytes);
        }
    }
}

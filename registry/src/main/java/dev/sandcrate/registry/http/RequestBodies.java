package dev.sandcrate.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.CappedInputStream;
import dev.sandcrate.registry.RegistryException;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.server.Request;

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
            return capped(ctx.req().getInputStream(), maxBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the request body", e);
        }
    }

    /** A stream failing with 413 past {@code maxBytes} (for what a route derives from the body, e.g. after gunzip). */
    public static InputStream capped(InputStream in, long maxBytes) {
        return new CappedInputStream(in, maxBytes, () -> tooLarge(maxBytes));
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

    /** An unread body up to this size (with a Content-Length) is left for Jetty to read and drop, so clients such as cargo see the answer. */
    private static final long MAX_DRAINED_BYTES = 16 << 20;

    /**
     * Answers a refused request. If its body is chunked or large and still unread, the connection closes after the
     * answer: Jetty would otherwise read (and drop) all the rest, and a chunked body has no end it must reach.
     */
    static void refuse(Context ctx, int status, byte[] json) {
        if (!hasUnreadBody(ctx) || (ctx.req().getHeader("Transfer-Encoding") == null && ctx.req().getContentLengthLong() <= MAX_DRAINED_BYTES)) {
            ctx.status(status).contentType("application/json").result(json);
            return;
        }
        HttpServletResponse res = ctx.res();
        try {
            res.setStatus(status);
            res.setHeader("Connection", "close");
            res.setContentType("application/json");
            res.setContentLength(json.length);
            res.getOutputStream().write(json);
            res.flushBuffer();
        } catch (IOException e) {
            // the client went away; closing is all that is left
        } finally {
            Request.getBaseRequest(ctx.req()).getHttpChannel().getEndPoint().close();
        }
    }

    private static boolean hasUnreadBody(Context ctx) {
        boolean declared = ctx.req().getHeader("Transfer-Encoding") != null || ctx.req().getContentLengthLong() > 0;
        try {
            return declared && !ctx.req().getInputStream().isFinished();
        } catch (IOException | IllegalStateException e) {
            return declared;
        }
    }

    private static RegistryException tooLarge(long maxBytes) {
        return RegistryException.tooLarge("the request body is larger than this route's limit of " + maxBytes + " bytes");
    }
}

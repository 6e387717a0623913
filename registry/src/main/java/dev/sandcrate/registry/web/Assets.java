package dev.sandcrate.registry.web;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.registry.RegistryException;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the UI's files from the {@code sandcrate-web} jar ({@code dev/sandcrate/web/}): the HTML shell for every
 * page path and everything under {@code /assets/}. Nothing is loaded from other hosts; the Content-Security-Policy
 * makes browsers refuse it too.
 */
final class Assets {
    static final String ROOT = "dev/sandcrate/web/";
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "png", "image/png", "ico", "image/x-icon", "txt", "text/plain; charset=utf-8",
            "json", "application/json");

    private record Resource(byte[] bytes, String etag, String type) {}

    private final Map<String, Resource> cache = new ConcurrentHashMap<>();

    void shell(Context ctx) {
        serve(ctx, "index.html");
    }

    void asset(Context ctx) {
        String path = ctx.pathParam("path");
        if (path.contains("..") || path.contains("\\") || path.startsWith("/") || !path.matches("[A-Za-z0-9_./-]+")) {
            throw RegistryException.notFound("no such asset: " + path);
        }
        serve(ctx, "assets/" + path);
    }

    private void serve(Context ctx, String path) {
        Resource r = cache.computeIfAbsent(path, Assets::load);
        if (r.bytes() == null) throw RegistryException.notFound("no such file: " + path);
        ctx.header("ETag", r.etag());
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("Content-Security-Policy", CSP);
        ctx.header("Referrer-Policy", "same-origin");
        ctx.header("X-Frame-Options", "DENY");
        String inm = ctx.header("If-None-Match");
        if (inm != null && inm.equals(r.etag())) {
            ctx.status(304);
            return;
        }
        ctx.contentType(r.type());
        ctx.result(r.bytes());
    }

    private static Resource load(String path) {
        try (InputStream in = Assets.class.getClassLoader().getResourceAsStream(ROOT + path)) {
            if (in == null) return new Resource(null, null, null);
            byte[] bytes = in.readAllBytes();
            String ext = path.substring(path.lastIndexOf('.') + 1);
            return new Resource(bytes, "\"" + Checksums.sha256Hex(bytes).substring(0, 32) + "\"",
                    TYPES.getOrDefault(ext, "application/octet-stream"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

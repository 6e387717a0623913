package dev.sandcrate.registry.gitindex;

import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.RequestBodies;
import dev.sandcrate.registry.http.Routes;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Serves the git index over git's smart HTTP protocol (fetch only) at {@code /git/index}: cargo uses it with
 * {@code index = "http://HOST:PORT/git/index"} (libgit2, or the git CLI with {@code net.git-fetch-with-cli}), and
 * {@code git clone http://HOST:PORT/git/index} shows the history. On an auth-required registry fetching needs the
 * token the sparse index needs ({@link ApiAuth#requireRead}); git clients send it as HTTP Basic's password after a
 * 401 with a Basic challenge, so they get it from a git credential helper.
 */
public final class GitIndexRoutes {
    public static final String PATH = "/git/index";
    /** A fetch negotiation (wants and haves of a one-branch index) is far smaller than this, compressed or not. */
    private static final long MAX_NEGOTIATION_BYTES = 8 << 20;
    private static final String CHALLENGE = "Basic realm=\"Sandcrate git index\"";
    private final GitIndexService service;
    private final ApiAuth auth;

    public GitIndexRoutes(GitIndexService service, ApiAuth auth) {
        this.service = service;
        this.auth = auth;
    }

    public void register(Javalin app) {
        app.get(PATH + "/info/refs", this::infoRefs);
        app.post(PATH + "/git-upload-pack", this::uploadPack);
        app.post(PATH + "/git-receive-pack", ctx -> Routes.error(ctx, 403, "the git index is read-only; publish with `cargo publish`"));
    }

    /** The sparse index's read check, answered with git's Basic challenge instead of cargo's (git clients know only that). */
    private boolean refused(Context ctx) {
        try {
            auth.requireRead(ctx);
            return false;
        } catch (RegistryException e) {
            if (e.status() == 401) ctx.header("WWW-Authenticate", CHALLENGE);
            Routes.error(ctx, e.status(), e.getMessage());
            return true;
        }
    }

    private void infoRefs(Context ctx) throws IOException {
        if (refused(ctx)) return;
        if (!"git-upload-pack".equals(ctx.queryParam("service"))) {
            Routes.error(ctx, 403, "only git's smart HTTP fetch (service=git-upload-pack) is served");
            return;
        }
        ctx.res().setStatus(200);
        ctx.res().setContentType("application/x-git-upload-pack-advertisement");
        ctx.res().setHeader("Cache-Control", "no-cache");
        service.advertise(ctx.res().getOutputStream());
    }

    private void uploadPack(Context ctx) throws IOException {
        if (refused(ctx)) return;
        if (!"application/x-git-upload-pack-request".equals(ctx.contentType())) {
            Routes.error(ctx, 415, "expected Content-Type application/x-git-upload-pack-request");
            return;
        }
        InputStream in = RequestBodies.stream(ctx, MAX_NEGOTIATION_BYTES);
        if ("gzip".equalsIgnoreCase(ctx.header("Content-Encoding"))) in = RequestBodies.capped(new GZIPInputStream(in), MAX_NEGOTIATION_BYTES);
        ctx.res().setStatus(200);
        ctx.res().setContentType("application/x-git-upload-pack-result");
        ctx.res().setHeader("Cache-Control", "no-cache");
        service.uploadPack(in, ctx.res().getOutputStream());
    }
}

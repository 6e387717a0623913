package dev.sandcrate.registry.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.CargoOperation;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.crates.UpstreamCrates;
import dev.sandcrate.registry.crates.PublishRequest;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The HTTP surface cargo talks to: the sparse index under {@code /index/}, the web API under {@code /api/v1/},
 * and {@code /me}, the login page cargo points users to.
 */
public final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CrateService crates;
    private final ApiAuth auth;
    private final Supplier<String> publicUrl;
    private UpstreamCrates upstream;

    public Routes(CrateService crates, ApiAuth auth, Supplier<String> publicUrl) {
        this.crates = crates;
        this.auth = auth;
        this.publicUrl = publicUrl;
    }

    /** Crates not published here are looked up in an upstream registry (pull-through proxy), if one is configured. */
    public void upstream(UpstreamCrates upstream) {
        this.upstream = upstream;
    }

    public void register(Javalin app) {
        app.get("/index/<path>", this::index);
        app.put("/api/v1/crates/new", this::publish);
        app.delete("/api/v1/crates/{name}/{version}/yank", ctx -> yank(ctx, true));
        app.put("/api/v1/crates/{name}/{version}/unyank", ctx -> yank(ctx, false));
        app.get("/api/v1/crates/{name}/owners", this::listOwners);
        app.put("/api/v1/crates/{name}/owners", ctx -> changeOwners(ctx, true));
        app.delete("/api/v1/crates/{name}/owners", ctx -> changeOwners(ctx, false));
        app.get("/api/v1/crates/{name}/{version}/download", this::download);
        app.get("/api/v1/crates/{name}", this::crateInfo);
        app.get("/api/v1/crates", this::search);
        app.get("/me", this::me);

        app.exception(RegistryException.class, (e, ctx) -> {
            if (e.status() == 401) unauthorized(ctx);
            error(ctx, e.status(), e.getMessage());
        });
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, 500, "internal error in the registry: " + e.getClass().getSimpleName());
        });
    }

    /** The API's error answer, {@code {"errors":[{"detail":...}]}}, for every route class. */
    public static void error(Context ctx, int status, String detail) {
        try {
            RequestBodies.refuse(ctx, status, JSON.writeValueAsBytes(ApiJson.Errors.of(List.of(detail))));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void unauthorized(Context ctx) {
        ctx.header("WWW-Authenticate", "Cargo login_url=\"" + publicUrl.get() + "/me\"");
    }

    // ---------------------------------------------------------------- auth

    // ---------------------------------------------------------------- index

    private void index(Context ctx) {
        auth.requireRead(ctx);
        String path = ctx.pathParam("path");
        if (path.equals("config.json")) {
            IndexResponses.config(ctx, publicUrl.get() + "/api/v1/crates", publicUrl.get(), auth.authRequired());
            return;
        }
        String name = IndexPaths.crateNameOf(path);
        if (name == null) throw RegistryException.notFound("not an index file: " + path);
        CrateService.IndexFileBody file = crates.indexFile(name)
                .or(() -> upstream == null ? Optional.empty() : upstream.indexFile(name))
                .orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
        IndexResponses.indexFile(ctx, file);
    }

    // ---------------------------------------------------------------- web API

    private void publish(Context ctx) {
        // A signed (asymmetric) token names the crate, version and checksum it publishes, so for one the body is
        // read (within its cap) before the token is checked; a plain token with no publish scope is refused unread.
        byte[][] body = new byte[1][];
        Supplier<byte[]> read = () -> body[0] != null ? body[0] : (body[0] = RequestBodies.bytes(ctx, crates.maxPublishBodyBytes()));
        Principal who = auth.requireToken(ctx, () -> {
            PublishRequest req = PublishRequest.parse(read.get(), Long.MAX_VALUE);
            return CargoOperation.publish(req.name(), req.version(), Checksums.sha256Hex(req.crate()));
        });
        if (!who.has(Scope.PUBLISH_NEW) && !who.has(Scope.PUBLISH_UPDATE)) {
            throw RegistryException.forbidden("this token has neither the publish-new nor the publish-update scope");
        }
        crates.publish(who, read.get());
        ctx.json(CrateJson.PublishAnswer.NO_WARNINGS);
    }

    private void yank(Context ctx, boolean yanked) {
        Principal who = auth.requireToken(ctx, () -> CargoOperation.yank(ctx.pathParam("name"), ctx.pathParam("version"), yanked));
        crates.setYanked(who, ctx.pathParam("name"), ctx.pathParam("version"), yanked);
        ctx.json(ApiJson.Ok.OK);
    }

    private void listOwners(Context ctx) {
        auth.requireRead(ctx, () -> CargoOperation.owners(ctx.pathParam("name")));
        ctx.json(new CrateJson.OwnerList(crates.owners(ctx.pathParam("name")).stream()
                .map(o -> new CrateJson.OwnerList.User(o.id(), o.login(), null)).toList()));
    }

    private void changeOwners(Context ctx, boolean add) {
        Principal who = auth.requireToken(ctx, () -> CargoOperation.owners(ctx.pathParam("name")));
        List<String> logins = new ArrayList<>();
        JsonNode body = RequestBodies.json(ctx);
        JsonNode users = body == null ? null : body.get("users");
        if (users == null || !users.isArray()) throw RegistryException.badRequest("expected a JSON body {\"users\": [\"login\", ...]}");
        for (JsonNode u : users) logins.add(u.asText());
        String name = ctx.pathParam("name");
        String msg = add ? crates.addOwners(who, name, logins) : crates.removeOwners(who, name, logins);
        ctx.json(new ApiJson.OkMessage(msg));
    }

    private void download(Context ctx) throws IOException {
        auth.requireRead(ctx);
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        // a HEAD is not a download: same answer, no count
        Optional<InputStream> found = HeadAsGet.isHead(ctx)
                ? crates.crateBytes(name, version).map(java.io.ByteArrayInputStream::new) : crates.download(name, version);
        if (found.isEmpty() && upstream != null && crates.crate(name).isEmpty()) found = upstream.download(name, version);
        InputStream in = found
                .orElseThrow(() -> RegistryException.notFound("crate `" + name + "` has no version " + version));
        ctx.contentType("application/gzip");
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.result(in);
    }

    private void crateInfo(Context ctx) {
        auth.requireRead(ctx);
        String name = ctx.pathParam("name");
        CrateService.CrateRow crate = crates.crate(name).orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
        List<CrateService.VersionRow> versions = crates.versions(crate.name());
        List<CrateJson.Version> vs = versions.reversed().stream().map(v -> CrateJson.Version.of(crate.name(), v)).toList();
        ctx.json(new CrateJson.CrateInfo(CrateJson.Crate.of(crate, versions), vs));
    }

    private void search(Context ctx) {
        auth.requireRead(ctx);
        int perPage = Params.intParam(ctx, "per_page", 10, 1, 100);
        int page = Params.intParam(ctx, "page", 1, 1, 1_000_000);
        CrateService.SearchResult result = crates.search(ctx.queryParam("q"), perPage, page);
        ctx.json(new CrateJson.SearchAnswer(result.hits(), new CrateJson.SearchAnswer.Meta(result.total())));
    }

    /** cargo login tells users to get a token at {@code <api>/me}: a browser goes to the web UI's account page. */
    private void me(Context ctx) {
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("text/html")) {
            ctx.redirect("/account");
            return;
        }
        ctx.contentType("text/plain; charset=utf-8");
        ctx.result("""
                Create an API token on your account page, %s/account (sign in first), or ask the registry operator:

                    sandcrate token create --user <login> --name <what-for>

                Then, on your machine:

                    cargo login --registry <name-of-this-registry>

                and paste the token.
                """.formatted(publicUrl.get()));
    }
}

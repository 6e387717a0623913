package dev.sandcrate.registry.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.IndexResponses;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Supplier;

/**
 * HTTP surface of the precompiled view and the runtime bundle:
 * <ul>
 *   <li>{@code GET /precompiled/index/config.json} and the index files below it (same paths, ETag/304 as the source index);</li>
 *   <li>{@code GET /precompiled/dl/{crate}/{version}}: the shim when the view's line names it, else the source .crate;</li>
 *   <li>{@code GET /api/v1/crates/{crate}/{version}/shim}: the shim's checksum and embedded feature sets (404 if none);</li>
 *   <li>{@code POST /api/v1/precompiled/why} with a Cargo.lock: its macros as shims or from source and why, and what needs syn
 *   (JSON, or the text {@code sandcrate-runtime why} prints with {@code Accept: text/plain});</li>
 *   <li>{@code GET /runtime/install.sh}, {@code /runtime/sandcrate-runtime-linux-<arch>.tar.gz[.sha256]}, {@code /runtime/}.</li>
 * </ul>
 * Reads follow the registry's {@code --auth-required} like the source index does.
 */
public final class ViewRoutes {
    public static final String INDEX = "/precompiled/index/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrecompiledView view;
    private final ApiAuth auth;
    private final Supplier<String> publicUrl;

    public ViewRoutes(PrecompiledView view, ApiAuth auth, Supplier<String> publicUrl) {
        this.view = view;
        this.auth = auth;
        this.publicUrl = publicUrl;
    }

    public void register(Javalin app) {
        app.get(INDEX + "<path>", this::index);
        app.get("/precompiled/dl/{name}/{version}", this::download);
        app.get("/api/v1/crates/{name}/{version}/shim", this::shim);
        app.post("/api/v1/precompiled/why", this::why);
        app.get("/runtime", this::runtimeInfo);
        app.get("/runtime/{file}", this::runtimeFile);
    }

    private void index(Context ctx) {
        auth.requireRead(ctx);
        String path = ctx.pathParam("path");
        if (path.equals("config.json")) {
            IndexResponses.config(ctx, publicUrl.get() + "/precompiled/dl/{crate}/{version}", publicUrl.get(), auth.authRequired());
            return;
        }
        String name = IndexPaths.crateNameOf(path);
        if (name == null) throw RegistryException.notFound("not an index file: " + path);
        CrateService.IndexFileBody file = view.indexFile(name)
                .orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
        IndexResponses.indexFile(ctx, file);
    }

    private void download(Context ctx) throws IOException {
        auth.requireRead(ctx);
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        InputStream in = view.download(name, version)
                .orElseThrow(() -> RegistryException.notFound("crate `" + name + "` has no version " + version));
        ctx.contentType("application/gzip");
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.result(in);
    }

    private void shim(Context ctx) {
        auth.requireRead(ctx);
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        PrecompiledView.ShimInfo shim = view.shim(name, version).orElseThrow(() -> RegistryException.notFound(
                "`" + name + "` " + version + " has no shim: it is not a published proc-macro version whose default feature set is verified"
                        + " (see /api/v1/crates/" + name + "/" + version + "/precompiled)"));
        ctx.json(new ShimJson(shim.crate(), shim.version(), shim.cksum(), shim.size(), shim.featureSets(), shim.artifacts(),
                publicUrl.get() + "/precompiled/dl/" + shim.crate() + "/" + shim.version()));
    }

    /** {@code GET /api/v1/crates/NAME/VERSION/shim}: the shim, what it embeds and where cargo downloads it. */
    record ShimJson(String crate, String version, String cksum, long size, @JsonProperty("feature_sets") List<String> featureSets,
                    List<String> artifacts, String dl) {}

    private void why(Context ctx) {
        auth.requireRead(ctx);
        WhyReport.Result result = view.why(ctx.bodyAsBytes());
        String accept = ctx.header("Accept");
        if (accept != null && accept.contains("text/plain") && !accept.contains("json")) {
            ctx.contentType("text/plain; charset=utf-8").result(result.text());
        } else {
            ctx.json(result.toJson());
        }
    }

    private RuntimeBundle requireBundle() {
        return view.runtime().orElseThrow(() -> RegistryException.notFound("this registry serves no runtime bundle; the operator"
                + " sets " + RuntimeBundle.ENV + " to the file built by sandbox-runtime/bundle/build.sh"));
    }

    private void runtimeInfo(Context ctx) throws IOException {
        RuntimeBundle b = requireBundle();
        ctx.json(new RuntimeJson(b.fileName(), publicUrl.get() + "/runtime/" + b.fileName(), b.sha256(), b.size(),
                "curl -fsSL " + publicUrl.get() + "/runtime/install.sh | sh"));
    }

    /** {@code GET /runtime}: the runtime bundle and the command that installs it. */
    record RuntimeJson(String file, String url, String sha256, long size, String install) {}

    private void runtimeFile(Context ctx) throws IOException {
        RuntimeBundle b = requireBundle();
        String file = ctx.pathParam("file");
        if (file.equals("install.sh")) {
            ctx.contentType("text/x-shellscript; charset=utf-8").header("Cache-Control", "no-cache");
            ctx.result(b.installScript(publicUrl.get()));
        } else if (file.equals(b.fileName() + ".sha256")) {
            ctx.contentType("text/plain; charset=utf-8").header("Cache-Control", "no-cache");
            ctx.result(b.sha256File());
        } else if (file.equals(b.fileName())) {
            ctx.contentType("application/gzip").header("Cache-Control", "no-cache").header("ETag", "\"" + b.sha256() + "\"");
            ctx.result(b.open());
        } else {
            throw RegistryException.notFound("no runtime file `" + file + "` here; this registry serves " + b.fileName()
                    + " (other platforms: build sandbox-runtime/bundle/build.sh there)");
        }
    }
}

package dev.sandcrate.registry.view;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.db.Database;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The precompiled view and the runtime bundle served for a running {@link Registry} on a port of their own (the same
 * data dir and database). This is how the view runs until {@link Registry} mounts {@link ViewRoutes} on its own server;
 * the URL paths are the same either way.
 */
public final class ViewServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ViewServer.class);
    private final Database database;
    private final Javalin app;
    private final String url;
    private final PrecompiledView view;

    private ViewServer(Database database, Javalin app, String url, PrecompiledView view) {
        this.database = database;
        this.app = app;
        this.url = url;
        this.view = view;
    }

    /** Starts on a free port of the registry's host; {@code bundle} may be null (no runtime served). */
    public static ViewServer start(Registry registry, RuntimeBundle bundle) throws IOException {
        Database database = Database.openH2(registry.config().dataDir());
        try {
            String[] urlHolder = new String[1];
            PrecompiledView view = new PrecompiledView(database.jdbi(), registry.crates(), registry.precompile(),
                    registry.pullThrough().enabled() ? registry.pullThrough() : null, registry.config().dataDir(), () -> urlHolder[0]);
            Javalin app = Javalin.create(c -> {
                c.showJavalinBanner = false;
                c.router.ignoreTrailingSlashes = true;
            });
            new ViewRoutes(view, bundle, registry.tokens(), registry.config().authRequired(), () -> urlHolder[0]).register(app);
            app.exception(RegistryException.class, (e, ctx) -> error(ctx, e.status(), e.getMessage()));
            app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), e.getMessage()));
            app.exception(Exception.class, (e, ctx) -> {
                LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                error(ctx, 500, "internal error in the registry: " + e.getClass().getSimpleName());
            });
            app.start(registry.config().host(), 0);
            urlHolder[0] = "http://" + registry.config().host() + ":" + app.port();
            return new ViewServer(database, app, urlHolder[0], view);
        } catch (RuntimeException | IOException e) {
            database.close();
            throw e;
        }
    }

    private static void error(io.javalin.http.Context ctx, int status, String detail) {
        ctx.status(status).json(Map.of("errors", List.of(Map.of("detail", detail))));
    }

    /** Base URL; the view's sparse index is {@code sparse+<url>/precompiled/index/}. */
    public String url() {
        return url;
    }

    public String sparseIndexUrl() {
        return "sparse+" + url + ViewRoutes.INDEX;
    }

    public PrecompiledView view() {
        return view;
    }

    @Override
    public void close() {
        try {
            app.stop();
        } finally {
            database.close();
        }
    }
}

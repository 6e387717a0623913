package dev.sandcrate.registry;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.HeadAsGet;
import dev.sandcrate.registry.http.Routes;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.BlobStore;
import io.javalin.Javalin;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * A running registry: the HTTP server over the {@link Services} of its data dir. Start with {@link #start}, stop with {@link #close}.
 * Tests and other services embed it on a free loopback port ({@link RegistryConfig#loopback}).
 */
public final class Registry implements AutoCloseable {
    /** On storage shared with other processes, how old an unreferenced blob or temp file must be to count as a leftover. */
    static final Duration SHARED_LEFTOVER_AGE = Duration.ofHours(1);
    private final RegistryConfig config;
    private final Services services;
    private final CrateService crates;
    private final Javalin app;
    private final dev.sandcrate.registry.precompile.PrecompileService precompile;
    private final dev.sandcrate.registry.gitindex.GitIndexService gitIndex;
    private final dev.sandcrate.registry.mirror.PullThrough pullThrough;
    private final dev.sandcrate.registry.view.PrecompiledView precompiledView;
    private final dev.sandcrate.registry.web.Readmes readmes;
    private final dev.sandcrate.registry.http.Metrics metrics = new dev.sandcrate.registry.http.Metrics();
    private volatile String publicUrl;

    private Registry(RegistryConfig config, dev.sandcrate.registry.precompile.PrecompileConfig precompileConfig) throws IOException {
        this.config = config;
        Files.createDirectories(config.dataDir());
        this.services = Services.open(config.dataDir(), config.database(), config.blobs(),
                new Services.Publishing(this::indexUrl, config.maxUploadBytes(), config.maxUnpackedBytes()));
        try {
            BlobStore blobs = services.store(BlobStorage.Area.CRATES);
            // With the embedded database this process owns the blob store; with a shared database other registry
            // processes may be mid-publish in the same (shared) store, so only leftovers older than any publish go.
            Duration leftoverAge = config.database().embedded() ? Duration.ZERO : SHARED_LEFTOVER_AGE;
            blobs.clearTemp(leftoverAge);
            Database database = services.database();
            Users users = services.users();
            Tokens tokens = services.tokens();
            this.crates = services.crates();
            crates.sweepOrphanBlobs(leftoverAge);
            Sessions sessions = services.sessions();
            dev.sandcrate.registry.auth.AsymmetricKeys asymmetricKeys = services.keys();
            ApiAuth auth = new ApiAuth(tokens, config.authRequired(), ctx -> sessions.of(ctx, url()).map(Sessions.Session::principal),
                    asymmetricKeys, this::indexUrl);
            Routes routes = new Routes(crates, auth, this::url);
            this.app = Javalin.create(c -> {
                c.showJavalinBanner = false;
                c.http.maxRequestSize = crates.maxPublishBodyBytes(); // bodies with a Content-Length; RequestBodies caps chunked ones
                c.router.ignoreTrailingSlashes = true;
                c.jetty.modifyServletContextHandler(HeadAsGet::install);
                c.requestLogger.http(metrics::requestDone);
            });
            routes.register(app);
            new dev.sandcrate.registry.http.HealthRoutes(database, java.util.Map.of("crates", blobs)).register(app);
            metrics.register(app);
            metrics.watch(crates);
            this.precompile = services.precompile(precompileConfig);
            metrics.watch(precompile.store());
            this.gitIndex = new dev.sandcrate.registry.gitindex.GitIndexService(config.dataDir().resolve("git-index"), crates.changes(), this::url, config.authRequired());
            crates.addListener(gitIndex);
            new dev.sandcrate.registry.gitindex.GitIndexRoutes(gitIndex, auth).register(app);
            this.pullThrough = new dev.sandcrate.registry.mirror.PullThrough(database.jdbi(), services.store(BlobStorage.Area.UPSTREAM));
            routes.upstream(pullThrough);
            this.precompiledView = new dev.sandcrate.registry.view.PrecompiledView(database.jdbi(), crates, precompile, pullThrough,
                    services.store(BlobStorage.Area.SHIMS), this::url);
            dev.sandcrate.registry.view.RuntimeBundle.fromEnvironment().ifPresent(precompiledView::serveRuntime);
            new dev.sandcrate.registry.view.ViewRoutes(precompiledView, auth, this::url).register(app);
            new dev.sandcrate.registry.precompile.PrecompileRoutes(precompile, auth, this::url,
                    v -> precompiledView.status(v.crate(), v.num()).map(dev.sandcrate.registry.view.PrecompiledView.Status::toJson).orElse(null)).register(app);
            this.readmes = new dev.sandcrate.registry.web.Readmes(database.jdbi(), crates);
            crates.addListener(readmes);
            new dev.sandcrate.registry.web.WebUi(crates, users, tokens, services.passwords(), sessions,
                    new dev.sandcrate.registry.auth.LoginThrottle(database.jdbi()), asymmetricKeys, auth, precompile, precompiledView, readmes, config.authRequired(), this::url).register(app);
        } catch (RuntimeException | IOException e) {
            metrics.close();
            services.close();
            throw e;
        }
    }

    /** Opens the data dir (migrating the database, sweeping orphan blobs) and starts serving. */
    public static Registry start(RegistryConfig config) throws IOException {
        return start(config, dev.sandcrate.registry.precompile.PrecompileConfig.embedded());
    }

    /** Like {@link #start(RegistryConfig)}, with the precompile service configured (workers, feature sets, allow/deny). */
    public static Registry start(RegistryConfig config, dev.sandcrate.registry.precompile.PrecompileConfig precompile) throws IOException {
        Registry r = new Registry(config, precompile);
        try {
            r.app.start(config.host(), config.port());
        } catch (RuntimeException e) {
            r.services.close();
            throw e;
        }
        r.publicUrl = config.publicUrl() != null ? config.publicUrl()
                : "http://" + hostForUrl(config.host()) + ":" + r.app.port();
        r.precompile.start();
        return r;
    }

    private static String hostForUrl(String host) {
        if (host.equals("0.0.0.0") || host.equals("::")) return "localhost";
        return host.contains(":") ? "[" + host + "]" : host;
    }

    /** The URL users reach the registry at, without trailing slash. */
    public String url() {
        return publicUrl;
    }

    /** The sparse index URL for cargo's config: {@code sparse+<url>/index/}. */
    public String sparseIndexUrl() {
        return "sparse+" + indexUrl();
    }

    private String indexUrl() {
        if (publicUrl == null) throw new IllegalStateException("the registry has not started");
        return publicUrl + "/index/";
    }

    public int port() {
        return app.port();
    }

    public RegistryConfig config() {
        return config;
    }

    public CrateService crates() {
        return crates;
    }

    public Users users() {
        return services.users();
    }

    public Tokens tokens() {
        return services.tokens();
    }

    /** The precompile service (eligibility, feature-set planning, job queue, in-process workers). */
    public dev.sandcrate.registry.precompile.PrecompileService precompile() {
        return precompile;
    }

    /** The pull-through proxy: off until {@code configure}d with an upstream registry. */
    public dev.sandcrate.registry.mirror.PullThrough pullThrough() {
        return pullThrough;
    }

    /** The precompiled view of the index (/precompiled/index/), its shims and the runtime bundle (/runtime/). */
    public dev.sandcrate.registry.view.PrecompiledView precompiledView() {
        return precompiledView;
    }

    /** The git index (a bare repository under the data dir, served at /git/index). */
    public dev.sandcrate.registry.gitindex.GitIndexService gitIndex() {
        return gitIndex;
    }

    /** The database, for the tests in this package. */
    Database database() {
        return services.database();
    }

    /** Stops the server and closes the database. */
    @Override
    public void close() {
        try {
            precompile.close();
            app.stop();
        } finally {
            readmes.close();
            gitIndex.close();
            metrics.close();
            services.close(); // the download counts still in memory, then the database
        }
    }

    /** Blocks until the JVM is asked to stop, then stops the registry. */
    public void awaitShutdown() {
        Thread hook = new Thread(this::close, "sandcrate-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}

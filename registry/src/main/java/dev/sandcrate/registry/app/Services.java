package dev.sandcrate.registry.app;

import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.BlobStore;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The composition root: the registry's services over one data dir, database and blob storage, wired in this one place
 * for {@code serve} ({@link dev.sandcrate.registry.Registry}, which adds the HTTP server), {@code worker} and the admin
 * commands (import, export, user, token, key, passwd). The database opens with the services; blob stores, crates and the
 * precompile service on first use, so commands that only touch accounts never open (or create) blob storage.
 */
public final class Services implements AutoCloseable {
    private final Path dataDir;
    /** Parsed on first use: commands that only touch accounts ignore --blob-url, as they always did. */
    private final java.util.function.Supplier<BlobStorage> storage;
    private BlobStorage parsedStorage;
    private final Publishing publishing;
    private final Database database;
    private final Users users;
    private final Tokens tokens;
    private final AsymmetricKeys keys;
    private final Passwords passwords;
    private final Sessions sessions;
    private final Map<BlobStorage.Area, BlobStore> stores = new EnumMap<>(BlobStorage.Area.class);
    private CrateService crates;
    private PrecompileService precompile;

    /**
     * What publishing needs: the registry's own sparse index URL (publish stores dependencies naming it as local ones;
     * the supplier may return null when it is not known) and the size limits. {@link #NONE} is for processes that never
     * publish and so need no index URL: their {@link CrateService} refuses publish and import.
     */
    public record Publishing(Supplier<String> ownIndexUrl, long maxUploadBytes, long maxUnpackedBytes) {
        public static final Publishing NONE = new Publishing(null, RegistryConfig.DEFAULT_MAX_UPLOAD, RegistryConfig.DEFAULT_MAX_UNPACKED);

        /** Publishing into the registry users reach at {@code publicUrl}; null when not known (dependencies are kept as they are). */
        public static Publishing at(String publicUrl, long maxUploadBytes, long maxUnpackedBytes) {
            String indexUrl = publicUrl == null ? null : publicUrl.replaceAll("/+$", "") + "/index/";
            return new Publishing(() -> indexUrl, maxUploadBytes, maxUnpackedBytes);
        }
    }

    private Services(Path dataDir, java.util.function.Supplier<BlobStorage> storage, Publishing publishing, Database database) {
        this.dataDir = dataDir;
        this.storage = storage;
        this.publishing = publishing;
        this.database = database;
        this.users = new Users(database.jdbi());
        this.tokens = new Tokens(database.jdbi());
        this.keys = new AsymmetricKeys(database.jdbi());
        this.passwords = new Passwords(database.jdbi());
        this.sessions = new Sessions(database.jdbi());
    }

    /** Opens (migrating if needed) the database; everything else opens on first use. */
    public static Services open(Path dataDir, DatabaseConfig database, BlobStorage blobs, Publishing publishing) {
        return open(dataDir, database, () -> blobs, publishing);
    }

    /** As above, with the blob storage decided (e.g. a --blob-url parsed) only when a blob store is first needed. */
    public static Services open(Path dataDir, DatabaseConfig database, java.util.function.Supplier<BlobStorage> blobs, Publishing publishing) {
        return new Services(dataDir, blobs, publishing, Database.open(dataDir, database));
    }

    public Database database() {
        return database;
    }

    public Users users() {
        return users;
    }

    public Tokens tokens() {
        return tokens;
    }

    public AsymmetricKeys keys() {
        return keys;
    }

    public Passwords passwords() {
        return passwords;
    }

    public Sessions sessions() {
        return sessions;
    }

    /** The store for one kind of blob, opened once; an unreachable bucket is {@link BlobStorage.Unavailable}. */
    public synchronized BlobStore store(BlobStorage.Area area) throws IOException {
        BlobStore s = stores.get(area);
        if (s == null) {
            if (parsedStorage == null) parsedStorage = storage.get();
            s = parsedStorage.open(dataDir, area);
            stores.put(area, s);
        }
        return s;
    }

    /** Crates and versions over the crates blob store, publishing as {@link Publishing} says. */
    public synchronized CrateService crates() throws IOException {
        if (crates == null) {
            crates = new CrateService(database.jdbi(), store(BlobStorage.Area.CRATES), publishing.ownIndexUrl(),
                    publishing.maxUploadBytes(), publishing.maxUnpackedBytes());
        }
        return crates;
    }

    /** The precompile service of a {@code serve} process: plans on publish and builds with {@code config.workers()} threads. */
    public PrecompileService precompile(PrecompileConfig config) throws IOException {
        return buildPrecompile(config, true);
    }

    /** The precompile service of a {@code worker} process: only builds, taking jobs from the database. */
    public PrecompileService precompileWorkers(PrecompileConfig config) throws IOException {
        return buildPrecompile(config, false);
    }

    private synchronized PrecompileService buildPrecompile(PrecompileConfig config, boolean planning) throws IOException {
        if (precompile != null) throw new IllegalStateException("the precompile service is already built");
        CrateService c = crates();
        BlobStore artifacts = store(BlobStorage.Area.ARTIFACTS);
        precompile = planning ? PrecompileService.forRegistry(database.jdbi(), c, dataDir, artifacts, config)
                : PrecompileService.workerOnly(database.jdbi(), c, dataDir, artifacts, config);
        return precompile;
    }

    /** Stops the precompile service, flushes the download counts still in memory, then closes the database. */
    @Override
    public synchronized void close() {
        try {
            if (precompile != null) precompile.close();
        } finally {
            try {
                if (crates != null) crates.close();
            } finally {
                database.close();
            }
        }
    }
}

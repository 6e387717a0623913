package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.storage.BlobStore;
import dev.sandcrate.registry.storage.BlobStorage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The registry's services over a data dir, without the HTTP server: what {@code sandcrate import} and
 * {@code sandcrate export} work on. This works beside a running server (H2 through AUTO_SERVER, or the shared
 * PostgreSQL database); the server's git index picks up the changes on its next sync.
 */
public record DataDirServices(Database database, CrateService crates, Users users, BlobStore artifacts) implements AutoCloseable {

    /** @param publicUrl the registry's URL (dependencies naming its index are stored as local ones), or null */
    public static DataDirServices open(Path dataDir, DatabaseConfig database, BlobStorage storage, String publicUrl, long maxUploadBytes,
                                       long maxUnpackedBytes) throws IOException {
        Database db = Database.open(dataDir, database);
        try {
            BlobStore blobs = storage.open(dataDir, BlobStorage.Area.CRATES);
            String indexUrl = publicUrl == null ? null : publicUrl.replaceAll("/+$", "") + "/index/";
            CrateService crates = new CrateService(db.jdbi(), blobs, () -> indexUrl, maxUploadBytes, maxUnpackedBytes);
            return new DataDirServices(db, crates, new Users(db.jdbi()), storage.open(dataDir, BlobStorage.Area.ARTIFACTS));
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    @Override
    public void close() {
        database.close();
    }
}

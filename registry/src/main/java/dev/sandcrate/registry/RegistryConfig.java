package dev.sandcrate.registry;

import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.storage.BlobStorage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a registry runs.
 *
 * @param host             interface to bind, e.g. 127.0.0.1 or 0.0.0.0
 * @param port             TCP port; 0 picks a free one
 * @param publicUrl        the URL users reach it at (no trailing slash), or null for http://host:port
 * @param dataDir          holds the blobs ({@code blobs/}), artifacts and, with the embedded database, H2 ({@code db/})
 * @param database         the embedded H2 under the data dir, or a PostgreSQL server shared with other processes
 * @param blobs            blob folders in the data dir, or an S3-compatible bucket shared with other processes
 * @param authRequired     whether reading (index, downloads, search) needs a token with the read scope
 * @param maxUploadBytes   largest .crate accepted by publish
 * @param maxUnpackedBytes largest total size a .crate may unpack to
 */
public record RegistryConfig(String host, int port, String publicUrl, Path dataDir, DatabaseConfig database, BlobStorage blobs, boolean authRequired,
                             long maxUploadBytes, long maxUnpackedBytes) {
    public static final long DEFAULT_MAX_UPLOAD = 10L << 20;
    public static final long DEFAULT_MAX_UNPACKED = 512L << 20;

    public RegistryConfig {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(blobs, "blobs");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0-65535");
        if (maxUploadBytes <= 0 || maxUnpackedBytes <= 0) throw new IllegalArgumentException("size limits must be positive");
        if (publicUrl != null) {
            publicUrl = publicUrl.strip();
            while (publicUrl.endsWith("/")) publicUrl = publicUrl.substring(0, publicUrl.length() - 1);
            if (!publicUrl.matches("https?://[^/\\s]+(/\\S*)?")) {
                throw new IllegalArgumentException("public URL must be http(s)://host[:port][/path], got " + publicUrl);
            }
        }
    }

    /** A loopback registry on a free port with the embedded database, for tests and embedding. */
    public static RegistryConfig loopback(Path dataDir) {
        return new RegistryConfig("127.0.0.1", 0, null, dataDir, DatabaseConfig.EMBEDDED, BlobStorage.LOCAL, false, DEFAULT_MAX_UPLOAD, DEFAULT_MAX_UNPACKED);
    }

    public RegistryConfig withAuthRequired(boolean required) {
        return new RegistryConfig(host, port, publicUrl, dataDir, database, blobs, required, maxUploadBytes, maxUnpackedBytes);
    }

    public RegistryConfig withLimits(long maxUpload, long maxUnpacked) {
        return new RegistryConfig(host, port, publicUrl, dataDir, database, blobs, authRequired, maxUpload, maxUnpacked);
    }

    public RegistryConfig withDatabase(DatabaseConfig db) {
        return new RegistryConfig(host, port, publicUrl, dataDir, db, blobs, authRequired, maxUploadBytes, maxUnpackedBytes);
    }

    public RegistryConfig withBlobs(BlobStorage storage) {
        return new RegistryConfig(host, port, publicUrl, dataDir, database, storage, authRequired, maxUploadBytes, maxUnpackedBytes);
    }

    public RegistryConfig withPublicUrl(String url) {
        return new RegistryConfig(host, port, url, dataDir, database, blobs, authRequired, maxUploadBytes, maxUnpackedBytes);
    }
}

package dev.sandcrate.registry.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a registry's blob stores live: folders in the data dir ({@link #LOCAL}, the default) or an S3-compatible
 * bucket every registry and worker process shares ({@code --blob-url}). The one place that decides which
 * {@link BlobStore} each kind of blob gets.
 *
 * @param s3 the bucket, or null for the data dir
 */
public record BlobStorage(S3BlobStore.Location s3) {
    public static final BlobStorage LOCAL = new BlobStorage(null);

    /** The kinds of blobs: the folder under the data dir, and the same name as the key prefix in a bucket. */
    public enum Area {
        CRATES("blobs", "crates"),
        ARTIFACTS("precompiled/blobs", "precompiled"),
        SHIMS("precompiled/shims", "shims"),
        UPSTREAM("upstream-blobs", "upstream");

        final String folder;
        final String s3Name;

        Area(String folder, String s3Name) {
            this.folder = folder;
            this.s3Name = s3Name;
        }
    }

    /** {@code --blob-url}: null or blank for the data dir, else {@code s3://bucket[/prefix][?endpoint=...]}. */
    public static BlobStorage parse(String url) {
        return url == null || url.isBlank() ? LOCAL : new BlobStorage(S3BlobStore.Location.parse(url));
    }

    public boolean local() {
        return s3 == null;
    }

    /** The store for one kind of blob; a bucket that cannot be reached is {@link Unavailable}. */
    public BlobStore open(Path dataDir, Area area) throws IOException {
        return local() ? new LocalBlobStore(dataDir.resolve(area.folder)) : new S3BlobStore(s3, area.s3Name);
    }

    /** For logs: the folder or the bucket (never credentials). */
    public String describe(Path dataDir) {
        return local() ? "blobs in " + dataDir.toAbsolutePath().normalize() : "blobs in " + s3.describe();
    }

    /** The bucket could not be reached, does not exist, or refused the credentials. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

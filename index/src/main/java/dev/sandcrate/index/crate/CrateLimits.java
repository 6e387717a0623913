package dev.sandcrate.index.crate;

/**
 * Bounds applied while reading a .crate, so that a small upload cannot expand into an unbounded amount of work.
 *
 * @param maxUnpackedBytes total bytes after gunzip (tar headers included)
 * @param maxEntries       number of tar entries
 * @param maxManifestBytes size of Cargo.toml
 * @param maxPathLength    length of one entry path
 */
public record CrateLimits(long maxUnpackedBytes, int maxEntries, int maxManifestBytes, int maxPathLength) {
    /** crates.io's unpacked limit (512 MiB), generous entry and path bounds. */
    public static final CrateLimits DEFAULT = new CrateLimits(512L << 20, 50_000, 4 << 20, 4096);

    public CrateLimits {
        if (maxUnpackedBytes <= 0 || maxEntries <= 0 || maxManifestBytes <= 0 || maxPathLength <= 0) {
            throw new IllegalArgumentException("crate limits must be positive");
        }
    }

    public CrateLimits withMaxUnpackedBytes(long bytes) {
        return new CrateLimits(bytes, maxEntries, maxManifestBytes, maxPathLength);
    }
}

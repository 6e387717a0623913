package dev.sandcrate.registry.view;

import dev.sandcrate.registry.storage.BlobStore;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The shims served so far (migration V5): the first generated .crate of a version is stored as a blob and its
 * checksum recorded; every later request serves those bytes, so a consumer's Cargo.lock stays valid forever.
 */
final class ShimStore {
    private final Jdbi jdbi;
    private final BlobStore blobs;

    /** A stored shim: which feature sets (keys) it embeds, with the sha256 of each set's wasm, in the same order. */
    record Shim(long versionId, String crate, String num, String cksum, long size, List<String> featureSets,
                List<String> artifacts, long createdAt) {
    }

    ShimStore(Jdbi jdbi, BlobStore blobs) throws IOException {
        this.jdbi = jdbi;
        this.blobs = blobs;
        blobs.clearTemp(java.time.Duration.ofHours(1)); // leftovers only: another registry process may be writing one now
    }

    Optional<Shim> find(long versionId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT version_id, crate_name, num, cksum, size, feature_sets, artifacts, created_at
                        FROM precompiled_shims WHERE version_id = :v""")
                .bind("v", versionId)
                .map((rs, ctx) -> new Shim(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        List.of(rs.getString(6).split(",")), List.of(rs.getString(7).split(",")), rs.getLong(8)))
                .findOne());
    }

    /**
     * Stores the bytes durably, then records the shim unless another process recorded one first; returns the shim
     * that is recorded (the first one wins, and it is what every consumer gets from then on).
     */
    Shim record(long versionId, String crate, String num, byte[] crateBytes, List<String> featureSets, List<String> artifacts) throws IOException {
        String cksum = blobs.put(crateBytes);
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            INSERT INTO precompiled_shims (version_id, crate_name, num, cksum, size, feature_sets, artifacts, created_at)
                            VALUES (:v, :c, :n, :k, :s, :f, :a, :t)""")
                    .bind("v", versionId).bind("c", crate).bind("n", num).bind("k", cksum).bind("s", (long) crateBytes.length)
                    .bind("f", String.join(",", featureSets)).bind("a", String.join(",", artifacts))
                    .bind("t", System.currentTimeMillis()).execute());
        } catch (RuntimeException e) {
            // a concurrent generator (another registry process) got there first: keep its row
            Optional<Shim> winner = find(versionId);
            if (winner.isEmpty()) throw e;
            if (!winner.get().cksum().equals(cksum)) blobs.delete(cksum);
            return winner.get();
        }
        return find(versionId).orElseThrow();
    }

    Optional<InputStream> open(Shim shim) throws IOException {
        InputStream in = blobs.open(shim.cksum());
        if (in == null) throw new IOException("shim blob " + shim.cksum() + " of " + shim.crate() + " " + shim.num() + " is missing");
        return Optional.of(in);
    }
}

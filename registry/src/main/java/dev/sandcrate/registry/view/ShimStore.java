package dev.sandcrate.registry.view;

import dev.sandcrate.registry.storage.BlobStore;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * The shims served so far (migration V5) and the versions of their support crate (V10): the first generated .crate of a
 * version is stored as a blob and its checksum recorded; every later request serves those bytes, so a consumer's
 * Cargo.lock stays valid forever.
 */
final class ShimStore {
    private final Jdbi jdbi;
    private final BlobStore blobs;

    /** A stored shim: which feature sets (keys) it embeds, with the sha256 of each set's wasm, in the same order. */
    record Shim(long versionId, String crate, String num, String cksum, long size, List<String> featureSets,
                List<String> artifacts, long createdAt) {
    }

    /** A stored version of the support crate every shim generated since V10 depends on. */
    record Support(String num, String cksum, long size, long createdAt) {
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

    /** The support crate's versions stored so far, oldest first. */
    List<Support> supports() {
        return jdbi.withHandle(h -> h.createQuery("SELECT num, cksum, size, created_at FROM precompiled_shim_support ORDER BY created_at, num")
                .map((rs, ctx) -> new Support(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)))
                .list());
    }

    /** Stores this support crate version unless it is stored already; the stored bytes are the ones served from then on. */
    Support recordSupport(String num, byte[] crateBytes) throws IOException {
        Optional<Support> stored = support(num);
        if (stored.isPresent()) return stored.get();
        String cksum = blobs.put(crateBytes);
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            INSERT INTO precompiled_shim_support (num, cksum, size, created_at) VALUES (:n, :k, :s, :t)""")
                    .bind("n", num).bind("k", cksum).bind("s", (long) crateBytes.length).bind("t", System.currentTimeMillis())
                    .execute());
        } catch (RuntimeException e) {
            // another registry process recorded this version first: its bytes are the same (the version names them)
            if (support(num).isEmpty()) throw e;
        }
        return support(num).orElseThrow();
    }

    Optional<Support> support(String num) {
        return jdbi.withHandle(h -> h.createQuery("SELECT num, cksum, size, created_at FROM precompiled_shim_support WHERE num = :n")
                .bind("n", num)
                .map((rs, ctx) -> new Support(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)))
                .findOne());
    }

    InputStream open(Support support) throws IOException {
        InputStream in = blobs.open(support.cksum());
        if (in == null) throw new IOException("blob " + support.cksum() + " of the shim support crate " + support.num() + " is missing");
        return in;
    }

    Optional<InputStream> open(Shim shim) throws IOException {
        InputStream in = blobs.open(shim.cksum());
        if (in == null) throw new IOException("shim blob " + shim.cksum() + " of " + shim.crate() + " " + shim.num() + " is missing");
        return Optional.of(in);
    }
}

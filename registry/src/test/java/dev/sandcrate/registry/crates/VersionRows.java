package dev.sandcrate.registry.crates;

import org.jdbi.v3.core.Jdbi;

/**
 * Test rows in {@code crates} and {@code versions}, written as a publish writes them (without blobs or the index), for
 * tests of the reads other packages make of these tables; kept in this package, the tables' owner.
 */
public final class VersionRows {
    private VersionRows() {}

    /** A version of {@code crate} whose sha256 is {@code cksum} repeated 32 times; returns its id. */
    public static long publish(Jdbi jdbi, String crate, String num, String cksum, boolean yanked) {
        return jdbi.inTransaction(h -> {
            String canonical = crate.toLowerCase().replace('-', '_');
            long crateId = h.createQuery("SELECT id FROM crates WHERE canonical_name = :c").bind("c", canonical).mapTo(Long.class)
                    .findOne().orElseGet(() -> h.createUpdate("""
                                    INSERT INTO crates (name, canonical_name, created_at, index_updated_at) VALUES (:n, :c, 1, 1)""")
                            .bind("n", crate).bind("c", canonical).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
            return h.createUpdate("""
                            INSERT INTO versions (crate_id, num, num_no_build, cksum, crate_size, index_line, yanked, created_at)
                            VALUES (:crate, :num, :num, :cksum, 1, :line, :yanked, 1)""")
                    .bind("crate", crateId).bind("num", num).bind("cksum", cksum.repeat(32)).bind("yanked", yanked)
                    .bind("line", "{\"name\":\"" + crate + "\",\"vers\":\"" + num + "\",\"deps\":[],\"cksum\":\"" + cksum.repeat(32)
                            + "\",\"features\":{},\"yanked\":false}")
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
        });
    }
}

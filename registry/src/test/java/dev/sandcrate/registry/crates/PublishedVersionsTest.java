package dev.sandcrate.registry.crates;

import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.db.DatabaseConfig;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reads other packages make of {@code crates} and {@code versions}, on rows written as a publish writes them. */
class PublishedVersionsTest {
    @TempDir
    Path tmp;

    @Test
    void idListsOfAnySizeFindExactlyThePublishedVersionsInPublishingOrder() {
        try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
            Jdbi jdbi = db.jdbi();
            long a = publish(jdbi, "Serde-Derive", "1.0.0", "aa", true);
            long b = publish(jdbi, "serde-derive", "1.0.1", "bb", false);
            long c = publish(jdbi, "other", "0.1.0", "cc", false);
            assertEquals(List.of(a, b, c), PublishedVersions.allIds(jdbi));

            // more ids than one IN (...) takes, unknown ones and a duplicate among them
            List<Long> ids = new ArrayList<>(LongStream.range(10_000, 11_200).boxed().toList());
            ids.addAll(List.of(c, a, c));
            List<PublishedVersions.VersionRef> found = PublishedVersions.withIds(jdbi, ids);
            assertEquals(List.of(a, c), found.stream().map(PublishedVersions.VersionRef::id).toList());
            assertEquals("Serde-Derive", found.get(0).crate());
            assertTrue(found.get(0).yanked() && found.get(0).entry().yanked(), "the entry carries the stored yanked flag");
            assertEquals(List.of(), PublishedVersions.withIds(jdbi, List.of()));

            assertEquals(List.of(a, b), PublishedVersions.ofCrate(jdbi, "SERDE-DERIVE").stream().map(PublishedVersions.VersionRef::id).toList());
            assertEquals(List.of(a, b), PublishedVersions.idsOf(jdbi, "serde_derive"), "cargo's name folding");
            assertEquals(b, PublishedVersions.find(jdbi, "serde-derive", "1.0.1").orElseThrow().id());
            assertEquals(List.of(c), PublishedVersions.idsWithChecksum(jdbi, "cc".repeat(32)));
            assertEquals(List.of("Serde-Derive", "other"), PublishedVersions.crateNames(jdbi));
            assertEquals(0, PublishedVersions.crateDownloads(jdbi, "unknown"));
        }
    }

    private static long publish(Jdbi jdbi, String crate, String num, String cksum, boolean yanked) {
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

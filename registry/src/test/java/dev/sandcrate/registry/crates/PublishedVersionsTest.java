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
            long a = VersionRows.publish(jdbi, "Serde-Derive", "1.0.0", "aa", true);
            long b = VersionRows.publish(jdbi, "serde-derive", "1.0.1", "bb", false);
            long c = VersionRows.publish(jdbi, "other", "0.1.0", "cc", false);
            assertEquals(List.of(a, b, c), PublishedVersions.allIds(jdbi));
            assertEquals(3, PublishedVersions.count(jdbi));
            assertEquals(List.of(b, c), PublishedVersions.idsAfter(jdbi, a));
            assertEquals(List.of(), PublishedVersions.idsAfter(jdbi, c));

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
}

package dev.sandcrate.registry.precompile;

import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.registry.crates.VersionRows;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.db.DatabaseConfig;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The store's reads of published versions (through {@code crates/}) joined with its analyses, without a planner running. */
class PrecompileStoreTest {
    static final Eligibility OK = Eligibility.of(List.of());
    @TempDir
    Path tmp;

    @Test
    void unanalyzedFindsNewVersionsAndAnalysesDroppedBelowTheNewest() {
        try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
            Jdbi jdbi = db.jdbi();
            PrecompileStore store = new PrecompileStore(jdbi);
            assertEquals(List.of(), ids(store.unanalyzed()));

            long a = VersionRows.publish(jdbi, "Macro-A", "1.0.0", "aa", false);
            long b = VersionRows.publish(jdbi, "macro_a", "1.0.1", "bb", false);
            long c = VersionRows.publish(jdbi, "lib", "0.1.0", "cc", false);
            assertEquals(List.of(a, b, c), ids(store.unanalyzed()), "nothing analysed yet");

            store.saveAnalysis(a, true, OK, List.of());
            assertEquals(List.of(b, c), ids(store.unanalyzed()), "the versions after the newest analysis");
            store.saveAnalysis(c, false, OK, List.of());
            assertEquals(List.of(b), ids(store.unanalyzed()), "a gap below the newest analysis");
            store.saveAnalysis(b, true, OK, List.of("lib"));
            assertEquals(List.of(), ids(store.unanalyzed()));

            long d = VersionRows.publish(jdbi, "lib", "0.2.0", "dd", false);
            assertEquals(List.of(d), ids(store.unanalyzed()));
            store.reopenAnalysesWaitingFor("lib");
            assertEquals(List.of(b, d), ids(store.unanalyzed()), "a dropped analysis and a new version");
            store.saveAnalysis(b, true, OK, List.of());
            store.saveAnalysis(d, false, OK, List.of());
            assertEquals(List.of(), ids(store.unanalyzed()));

            store.reopenAnalysesOf("MACRO-a");
            assertEquals(List.of(a, b), ids(store.unanalyzed()), "every version of the crate, names folded as cargo does");
        }
    }

    @Test
    void macroVersionsAreTheCratesVersionsAnalysedAsProcMacros() {
        try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
            Jdbi jdbi = db.jdbi();
            PrecompileStore store = new PrecompileStore(jdbi);
            List<Long> many = new ArrayList<>();
            for (int i = 0; i < 520; i++) many.add(VersionRows.publish(jdbi, "big-macro", "1.0." + i, "ee", false));
            long other = VersionRows.publish(jdbi, "other", "1.0.0", "ff", false);
            for (long id : many) store.saveAnalysis(id, id != many.get(3), OK, List.of());
            store.saveAnalysis(other, true, OK, List.of());

            List<Long> expected = new ArrayList<>(many);
            expected.remove(3);
            assertEquals(expected, ids(store.macroVersions("Big-Macro")), "more versions than one IN (...) takes; case folded");
            assertEquals(List.of(other), ids(store.macroVersions("other")));
            assertEquals(List.of(), ids(store.macroVersions("unknown")));
            List<Long> all = new ArrayList<>(expected);
            all.add(other);
            assertEquals(all, ids(store.allMacroVersions()));

            store.reopenAnalysesOf("big-macro");
            assertEquals(many, ids(store.unanalyzed()), "reopened in more than one IN (...)");
        }
    }

    private static List<Long> ids(List<PublishedVersions.VersionRef> versions) {
        return versions.stream().map(PublishedVersions.VersionRef::id).toList();
    }
}

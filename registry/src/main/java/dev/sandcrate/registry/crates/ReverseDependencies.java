package dev.sandcrate.registry.crates;

import dev.sandcrate.index.CrateNames;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import org.jdbi.v3.core.Jdbi;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** The one query over {@code versions} for "who depends on this crate", for the planner and the web UI alike. */
public final class ReverseDependencies {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]+");

    private ReverseDependencies() {}

    /** A published version that declares {@code dependency}, with its crate's name and downloads. */
    public record Dependent(String crateName, long crateId, IndexEntry entry, IndexDependency dependency, long crateDownloads) {}

    /**
     * Every published version (of any other crate, yanked included, newest first) with a dependency whose name is
     * {@code crate} as cargo compares names (case, {@code -} and {@code _} folded).
     */
    public static List<Dependent> of(Jdbi jdbi, String crate) {
        if (!NAME.matcher(crate).matches()) return List.of();
        String canonical = CrateNames.canonical(crate);
        // the canonical name's '_' stays a LIKE wildcard on purpose: it matches the '-' of other spellings; every
        // candidate is then checked against its parsed dependencies
        String pattern = canonical.toLowerCase(Locale.ROOT);
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT c.name, c.id, v.index_line, v.yanked, c.downloads FROM versions v JOIN crates c ON c.id = v.crate_id
                        WHERE LOWER(v.index_line) LIKE :a OR LOWER(v.index_line) LIKE :b ORDER BY v.id DESC""")
                .bind("a", "%\"name\":\"" + pattern + "\"%").bind("b", "%\"package\":\"" + pattern + "\"%")
                .map((rs, ctx) -> {
                    String name = rs.getString(1);
                    long id = rs.getLong(2);
                    long downloads = rs.getLong(5);
                    IndexEntry entry = IndexFile.parseLine(rs.getString(3)).withYanked(rs.getBoolean(4));
                    return entry.deps().stream().filter(d -> CrateNames.canonical(d.crateName()).equals(canonical)).findFirst()
                            .map(d -> new Dependent(name, id, entry, d, downloads))
                            .orElse(null);
                })
                .list().stream().filter(d -> d != null && !CrateNames.canonical(d.crateName()).equals(canonical)).toList());
    }
}

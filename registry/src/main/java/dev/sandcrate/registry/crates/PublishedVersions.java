package dev.sandcrate.registry.crates;

import dev.sandcrate.index.CrateNames;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.registry.db.Database;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Published versions as the other packages read them (the precompile planner, the mirror), so that only this package
 * queries {@code crates} and {@code versions}. Lookups by id take many ids at once: callers that join their own tables
 * fetch their ids first and never run a query per version.
 */
public final class PublishedVersions {
    private static final String SELECT = """
            SELECT v.id, c.name, v.num, v.yanked, v.index_line FROM versions v JOIN crates c ON c.id = v.crate_id""";

    private static final RowMapper<VersionRef> MAPPER = (rs, ctx) -> new VersionRef(rs.getLong(1), rs.getString(2),
            rs.getString(3), rs.getBoolean(4), IndexFile.parseLine(rs.getString(5)).withYanked(rs.getBoolean(4)));

    private PublishedVersions() {}

    /** A published version: its id, crate name as published, number, yanked flag and index entry. */
    public record VersionRef(long id, String crate, String num, boolean yanked, IndexEntry entry) {}

    /** The ids of every published version, in publishing order. */
    public static List<Long> allIds(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM versions ORDER BY id").mapTo(Long.class).list());
    }

    /** How many versions are published (yanked ones included). */
    public static long count(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM versions").mapTo(Long.class).one());
    }

    /**
     * The ids above {@code id}, in publishing order: what was published since a version whose id a caller has seen
     * (ids grow with each publish; one committed late may still get a lower id than one committed before it).
     */
    public static List<Long> idsAfter(Jdbi jdbi, long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM versions WHERE id > :id ORDER BY id").bind("id", id)
                .mapTo(Long.class).list());
    }

    /** The versions with these ids (unknown ids are skipped), in publishing order. */
    public static List<VersionRef> withIds(Jdbi jdbi, Collection<Long> ids) {
        List<VersionRef> found = new ArrayList<>(ids.size());
        for (List<Long> chunk : Database.idChunks(ids)) {
            found.addAll(jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE v.id IN (<ids>) ORDER BY v.id")
                    .bindList("ids", chunk).map(MAPPER).list()));
        }
        return found;
    }

    public static Optional<VersionRef> withId(Jdbi jdbi, long id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE v.id = :id").bind("id", id).map(MAPPER).findOne());
    }

    /** A version of the crate whose name is {@code crate} ignoring case. */
    public static Optional<VersionRef> find(Jdbi jdbi, String crate, String num) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE LOWER(c.name) = LOWER(:c) AND v.num = :n")
                .bind("c", crate).bind("n", num).map(MAPPER).findOne());
    }

    /** Every version of the crate whose name is {@code crate} ignoring case, in publishing order. */
    public static List<VersionRef> ofCrate(Jdbi jdbi, String crate) {
        return jdbi.withHandle(h -> h.createQuery(SELECT + " WHERE LOWER(c.name) = LOWER(:c) ORDER BY v.id")
                .bind("c", crate).map(MAPPER).list());
    }

    /** The ids of every version of {@code crate} as cargo compares names (case, {@code -} and {@code _} folded). */
    public static List<Long> idsOf(Jdbi jdbi, String crate) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT v.id FROM versions v JOIN crates c ON c.id = v.crate_id WHERE c.canonical_name = :c ORDER BY v.id")
                .bind("c", CrateNames.canonical(crate)).mapTo(Long.class).list());
    }

    /** The ids of the versions whose .crate has this sha256 (one, or none: the .crate names its crate and version). */
    public static List<Long> idsWithChecksum(Jdbi jdbi, String cksum) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM versions WHERE cksum = :c ORDER BY id").bind("c", cksum)
                .mapTo(Long.class).list());
    }

    /** Every crate's name as published, sorted. */
    public static List<String> crateNames(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("SELECT name FROM crates ORDER BY name").mapTo(String.class).list());
    }

    /** A crate's download count, 0 for an unknown crate. */
    public static long crateDownloads(Jdbi jdbi, String crate) {
        return jdbi.withHandle(h -> h.createQuery("SELECT downloads FROM crates WHERE canonical_name = :c")
                .bind("c", CrateNames.canonical(crate)).mapTo(Long.class).findOne().orElse(0L));
    }
}

package dev.sandcrate.registry.crates;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.util.List;

/**
 * The index's change history (table {@code index_changes}): every publish, yank and unyank, numbered 1, 2, 3, ...
 * without gaps in the order the changes committed, on whichever replica they were made. The number is taken from
 * {@code index_change_counter} inside the change's own transaction, as its last statement: the counter's row lock
 * holds the next change until this one commits, so a reader that has seen change n and finds n+1 missing knows that
 * nothing after it has committed either. Replicas poll {@link #latest} to wake their planners, and the git index is
 * derived from these rows alone, so every replica writes the same commits.
 */
public final class IndexChanges {
    private final Jdbi jdbi;

    /** One change: the version's index line and yanked state after it, who made it and when (epoch ms). */
    public record Change(long seq, CrateEvents.Change kind, String crate, String num, IndexEntry entry, String actor, long changedAt) {}

    IndexChanges(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Records a change in the caller's transaction (call it last: it holds the counter's lock until the commit). */
    static void record(Handle h, CrateEvents.Change kind, String crate, String num, String indexLine, boolean yanked, String actor, long at) {
        h.createUpdate("UPDATE index_change_counter SET last_seq = last_seq + 1 WHERE id = 1").execute();
        long seq = h.createQuery("SELECT last_seq FROM index_change_counter WHERE id = 1").mapTo(Long.class).one();
        h.createUpdate("""
                        INSERT INTO index_changes (seq, kind, crate_name, num, index_line, yanked, actor, changed_at)
                        VALUES (:s, :k, :c, :n, :l, :y, :a, :t)""")
                .bind("s", seq).bind("k", kind.name()).bind("c", crate).bind("n", num).bind("l", indexLine)
                .bind("y", yanked).bind("a", actor).bind("t", at).execute();
    }

    /** The number of the newest committed change (0 before the first). */
    public long latest() {
        return jdbi.withHandle(h -> h.createQuery("SELECT last_seq FROM index_change_counter WHERE id = 1").mapTo(Long.class).one());
    }

    /** Up to {@code limit} changes after {@code seq}, oldest first. */
    public List<Change> after(long seq, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT seq, kind, crate_name, num, index_line, yanked, actor, changed_at FROM index_changes
                        WHERE seq > :s ORDER BY seq""")
                .bind("s", seq).setMaxRows(limit)
                .map((rs, ctx) -> new Change(rs.getLong(1), CrateEvents.Change.valueOf(rs.getString(2)), rs.getString(3), rs.getString(4),
                        IndexFile.parseLine(rs.getString(5)).withYanked(rs.getBoolean(6)), rs.getString(7), rs.getLong(8)))
                .list());
    }
}

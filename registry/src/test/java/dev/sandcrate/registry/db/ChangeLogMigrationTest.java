package dev.sandcrate.registry.db;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Migration V8 on a database that already holds crates: the versions become the first changes of the index change
 * log, in publication order, with their yanked state, publisher and time. On H2 here; {@link ReplicasTest} runs
 * {@link #upgrade} on PostgreSQL.
 */
class ChangeLogMigrationTest {
    @TempDir
    Path tmp;

    @Test
    void versionsPublishedBeforeV8BecomeTheFirstChangesOnH2() throws Exception {
        upgrade(tmp, DatabaseConfig.EMBEDDED);
    }

    static void upgrade(Path dataDir, DatabaseConfig config) throws Exception {
        String url = config.jdbcUrl(dataDir);
        String user = config.embedded() ? "sa" : config.user(), password = config.embedded() ? "" : config.password();
        Flyway.configure().dataSource(url, user, password).locations("classpath:db/migration").target("7").load().migrate();
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute("INSERT INTO users (id, login, created_at) VALUES (1, 'alice', 0)");
            s.execute("INSERT INTO crates (id, name, canonical_name, created_at, index_updated_at) VALUES (1, 'Old_One', 'old_one', 0, 0), (2, 'two', 'two', 0, 0)");
            s.execute("""
                    INSERT INTO versions (id, crate_id, num, num_no_build, cksum, crate_size, index_line, yanked, published_by, created_at) VALUES
                    (1, 1, '1.0.0', '1.0.0', 'a', 1, '{"name":"Old_One","vers":"1.0.0"}', TRUE, 1, 1000),
                    (2, 2, '0.1.0', '0.1.0', 'b', 1, '{"name":"two","vers":"0.1.0"}', FALSE, NULL, 2000),
                    (3, 1, '1.1.0', '1.1.0', 'c', 1, '{"name":"Old_One","vers":"1.1.0"}', FALSE, 1, 3000)""");
        }
        try (Database db = Database.open(dataDir, config)) {
            List<String> changes = db.jdbi().withHandle(h -> h.createQuery(
                            "SELECT seq, kind, crate_name, num, yanked, actor, changed_at FROM index_changes ORDER BY seq")
                    .map((rs, ctx) -> rs.getLong(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4) + " "
                            + rs.getBoolean(5) + " " + rs.getString(6) + " " + rs.getLong(7)).list());
            assertEquals(List.of("1 PUBLISHED Old_One 1.0.0 true alice 1000", "2 PUBLISHED two 0.1.0 false sandcrate 2000",
                    "3 PUBLISHED Old_One 1.1.0 false alice 3000"), changes);
            long last = db.jdbi().withHandle(h -> h.createQuery("SELECT last_seq FROM index_change_counter").mapTo(Long.class).one());
            assertEquals(3, last,
                    "the next change is number 4");
        }
    }
}

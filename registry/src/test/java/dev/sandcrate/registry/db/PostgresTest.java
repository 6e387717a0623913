package dev.sandcrate.registry.db;

import dev.sandcrate.registry.RegistryApiTest;
import dev.sandcrate.registry.precompile.JobQueueTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The registry on a real PostgreSQL 15 server ({@link PostgresCluster}): the migrations, and the HTTP API and job queue
 * suites that also run on H2, each test on a fresh database.
 */
class PostgresTest {
    static PostgresCluster cluster;
    @TempDir
    Path tmp;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PostgresCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void flywayMigratesAnEmptyDatabaseAndASecondOpenIsANoOp() throws Exception {
        DatabaseConfig config = cluster.newDatabase();
        List<String> first;
        try (Database db = Database.open(tmp, config)) {
            first = history(db);
            assertFalse(first.isEmpty());
            assertTrue(first.getFirst().startsWith("1 "), first.toString());
            assertTrue(first.stream().allMatch(r -> r.endsWith(" true")), "every migration succeeded: " + first);
            List<String> tables = db.jdbi().withHandle(h -> h.createQuery(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name").mapTo(String.class).list());
            assertTrue(tables.containsAll(List.of("users", "api_tokens", "crates", "versions", "precompile_jobs",
                    "mirror_import_runs", "web_sessions", "precompiled_shims")), tables.toString());
        }
        try (Database db = Database.open(tmp, config)) {
            assertEquals(first, history(db), "a second start applies nothing");
        }
        assertFalse(java.nio.file.Files.exists(tmp.resolve("db")), "no H2 file beside a PostgreSQL database");
    }

    @Test
    void aServerThatRefusesTheLoginIsAClearError() throws Exception {
        DatabaseConfig good = cluster.newDatabase();
        DatabaseConfig wrong = new DatabaseConfig(good.url(), good.user(), "wrong-password");
        Database.Unavailable e = assertThrows(Database.Unavailable.class, () -> Database.open(tmp, wrong));
        assertTrue(e.getMessage().startsWith("cannot connect to PostgreSQL " + good.url()), e.getMessage());
        assertTrue(e.getMessage().contains("password authentication failed"), e.getMessage());
        assertFalse(e.getMessage().contains("wrong-password"), e.getMessage());
    }

    private static List<String> history(Database db) {
        return db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT version, description, success FROM flyway_schema_history ORDER BY installed_rank")
                .map((rs, ctx) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getBoolean(3)).list());
    }

    @Nested
    class HttpApi extends RegistryApiTest {
        @Override
        protected DatabaseConfig newDatabase() throws Exception {
            return cluster.newDatabase();
        }
    }

    @Nested
    class JobQueue extends JobQueueTest {
        @Override
        protected DatabaseConfig newDatabase() throws Exception {
            return cluster.newDatabase();
        }
    }
}

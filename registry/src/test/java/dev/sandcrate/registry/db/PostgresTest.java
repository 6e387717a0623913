package dev.sandcrate.registry.db;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryApiTest;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.TestCrates;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.precompile.JobQueueTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

    /**
     * Another process commits the same new crate between this process's check and its insert (held open here in a
     * second connection): the publish waits on the unique index, then answers 409 and leaves no blob behind.
     */
    @Test
    void aPublishThatLosesARaceWithAnotherProcessIsAConflictNotAnError() throws Exception {
        DatabaseConfig config = cluster.newDatabase();
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withDatabase(config));
             Connection other = DriverManager.getConnection(config.url(), config.user(), config.password())) {
            long alice = registry.users().add("alice", false).id();
            String token = registry.tokens().create(alice, "t", EnumSet.allOf(Scope.class), List.of(), null).secret();
            other.setAutoCommit(false);
            other.createStatement().execute("INSERT INTO crates (name, canonical_name, created_at, index_updated_at) VALUES ('racy', 'racy', 0, 0)");

            byte[] crate = TestCrates.crate(tmp, "racy", "1.0.0", "");
            CompletableFuture<HttpResponse<String>> publish = HttpClient.newHttpClient().sendAsync(
                    HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new")).header("Authorization", token)
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(TestCrates.publishBody("racy", "1.0.0", crate))).build(),
                    HttpResponse.BodyHandlers.ofString());
            // wait until the publish is blocked on our uncommitted row, then let "the other process" win
            long deadline = System.currentTimeMillis() + 20_000;
            while (!blockedOnALock(config) && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertFalse(publish.isDone(), "the publish waits for the other transaction");
            other.commit();

            HttpResponse<String> r = publish.get();
            assertEquals(409, r.statusCode(), r.body());
            assertTrue(r.body().contains("concurrent publish"), r.body());
            try (var blobs = Files.walk(tmp.resolve("data/blobs"))) {
                assertEquals(0, blobs.filter(Files::isRegularFile).count(), "the loser's blob is removed");
            }
        }
    }

    private static boolean blockedOnALock(DatabaseConfig config) throws Exception {
        try (Connection c = DriverManager.getConnection(config.url(), config.user(), config.password())) {
            var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
            rs.next();
            return rs.getInt(1) > 0;
        }
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

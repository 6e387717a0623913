package dev.sandcrate.e2e;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.cli.SandcrateCommand;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.db.PostgresCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The registry on a real PostgreSQL 15 server with the real cargo: the publish/consume and Debian crates suites that
 * also run on H2, the operator's commands with --database-url, and two registry processes behind one database.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
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

    @Nested
    class PublishAndConsume extends PublishAndConsumeTest {
        @Override
        protected DatabaseConfig newDatabase() throws Exception {
            return cluster.newDatabase();
        }
    }

    @Nested
    class DebianCrates extends DebianCratesTest {
        @Override
        protected DatabaseConfig newDatabase() throws Exception {
            return cluster.newDatabase();
        }
    }

    /**
     * Two registries sharing nothing but the database and the blob folder (shared storage is the operator's job; here
     * a symlink): a crate published through one is in the other's index at once and a consumer builds from it, a yank
     * through the second shows in the first, and owners and search agree.
     */
    @Test
    void twoRegistryProcessesBehindOneDatabaseSeeEachOthersPublishes() throws Exception {
        DatabaseConfig db = cluster.newDatabase();
        Path dataA = tmp.resolve("a"), dataB = tmp.resolve("b");
        Files.createDirectories(dataA.resolve("blobs"));
        Files.createDirectories(dataB);
        Files.createSymbolicLink(dataB.resolve("blobs"), dataA.resolve("blobs"));

        // the operator's commands migrate the empty database and add accounts, before any server runs
        Path password = Files.writeString(tmp.resolve("db-password"), db.password() + "\n");
        List<String> dbOptions = List.of("--data-dir", dataA.toString(), "--database-url", db.url().replace("jdbc:postgresql://",
                "postgresql://" + db.user() + "@"), "--database-password-file", password.toString());
        assertEquals("created user alice", sandcrate(dbOptions, "user", "add", "alice").strip());
        assertEquals("created user bob", sandcrate(dbOptions, "user", "add", "bob").strip());
        String token = sandcrate(dbOptions, "token", "create", "--user", "alice").strip();
        assertTrue(token.startsWith("scr_"), token);
        assertFalse(Files.exists(dataA.resolve("db")), "no H2 database in the data dir");

        try (Registry a = Registry.start(RegistryConfig.loopback(dataA).withDatabase(db));
             Registry b = Registry.start(RegistryConfig.loopback(dataB).withDatabase(db))) {
            Cargo viaA = Cargo.withRegistry(tmp.resolve("cargo-a"), a.sparseIndexUrl(), "");
            viaA.login(token);
            Cargo viaB = Cargo.withRegistry(tmp.resolve("cargo-b"), b.sparseIndexUrl(), "");
            viaB.login(token);

            Path lib = Cargo.project(tmp.resolve("shared-lib"), """
                    [package]
                    name = "shared-lib"
                    version = "0.1.0"
                    edition = "2021"
                    description = "Published through registry A, consumed through registry B"
                    license = "MIT"
                    """, Map.of("src/lib.rs", "pub fn answer() -> u32 { 42 }\n"));
            viaA.ok(lib, "publish", "--registry", "sandcrate", "--allow-dirty");
            String line = get(b.url() + "/index/sh/ar/shared-lib");
            assertTrue(line.contains("\"vers\":\"0.1.0\""), line);

            Path app = Cargo.project(tmp.resolve("app"), """
                    [package]
                    name = "app"
                    version = "0.1.0"
                    edition = "2021"
                    publish = false

                    [dependencies]
                    shared-lib = { version = "0.1", registry = "sandcrate" }
                    """, Map.of("src/main.rs", "fn main() { println!(\"{}\", shared_lib::answer()); }\n"));
            assertEquals("42", viaB.ok(app, "run", "-q").output().strip());
            String cksum = a.crates().versions("shared-lib").getFirst().cksum();
            assertTrue(Files.readString(app.resolve("Cargo.lock")).contains("checksum = \"" + cksum + "\""));

            viaB.ok(lib, "yank", "--registry", "sandcrate", "--version", "0.1.0", "shared-lib");
            assertTrue(a.crates().versions("shared-lib").getFirst().yanked());
            // A cached the file when it published; a change made through B shows there within INDEX_RECHECK
            assertTrue(getUntil(a.url() + "/index/sh/ar/shared-lib", "\"yanked\":true").contains("\"yanked\":true"));
            viaA.ok(lib, "yank", "--registry", "sandcrate", "--version", "0.1.0", "--undo", "shared-lib");
            assertTrue(getUntil(b.url() + "/index/sh/ar/shared-lib", "\"yanked\":false").contains("\"yanked\":false"));

            viaA.ok(lib, "owner", "--registry", "sandcrate", "--add", "bob", "shared-lib");
            String owners = viaB.ok(lib, "owner", "--registry", "sandcrate", "--list", "shared-lib").output();
            assertTrue(owners.contains("alice") && owners.contains("bob"), owners);
            String search = viaB.ok(tmp, "search", "--registry", "sandcrate", "shared").output();
            assertTrue(search.startsWith("shared-lib = \"0.1.0\""), search);

            // the same version through the other registry is refused by the shared database
            Cargo.Result again = viaB.run(lib, null, "publish", "--registry", "sandcrate", "--allow-dirty", "--no-verify");
            assertNotEquals(0, again.exit());
            assertTrue(again.output().contains("already exists"), again.output());
        }
    }

    /** A database that is not there is a one-line error naming it (without the password), not a stack trace. */
    @Test
    void anUnreachableDatabaseIsAClearError() throws Exception {
        List<String> err = new ArrayList<>();
        int exit = sandcrate(List.of("--data-dir", tmp.toString(), "--database-url", "postgresql://someone:s3cret@127.0.0.1:1/nowhere"),
                err, "user", "list");
        assertEquals(1, exit);
        String message = String.join("\n", err);
        assertTrue(message.startsWith("sandcrate user list: cannot connect to PostgreSQL jdbc:postgresql://127.0.0.1:1/nowhere"), message);
        assertFalse(message.contains("s3cret"), message);
        assertFalse(message.contains("\tat "), "no stack trace: " + message);

        exit = sandcrate(List.of("--data-dir", tmp.toString(), "--database-url", "mysql://db/x"), err, "user", "list");
        assertEquals(1, exit);
        assertTrue(err.getLast().contains("--database-url must be PostgreSQL"), err.getLast());
    }

    /** Runs the sandcrate command line in-process; returns its stdout and fails on a non-zero exit. */
    static String sandcrate(List<String> options, String... args) {
        List<String> err = new ArrayList<>();
        StringWriter out = new StringWriter();
        int exit = run(options, out, err, args);
        assertEquals(0, exit, String.join("\n", err));
        return out.toString();
    }

    static int sandcrate(List<String> options, List<String> err, String... args) {
        return run(options, new StringWriter(), err, args);
    }

    private static int run(List<String> options, StringWriter out, List<String> err, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(options);
        CommandLine cli = SandcrateCommand.commandLine();
        StringWriter errText = new StringWriter();
        cli.setErr(new PrintWriter(errText, true));
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        int exit;
        try {
            exit = cli.execute(all.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
        }
        out.write(captured.toString());
        err.add(errText.toString().strip());
        return exit;
    }

    /** The body once it contains {@code expected}, or the last body after twice the documented replica lag. */
    private static String getUntil(String url, String expected) throws Exception {
        long deadline = System.nanoTime() + 2 * CrateService.INDEX_RECHECK.toNanos();
        String body = get(url);
        while (!body.contains(expected) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            body = get(url);
        }
        return body;
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }
}

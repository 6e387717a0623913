package dev.sandcrate.registry.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.index.git.GitIndexRepository;
import dev.sandcrate.registry.TestCrates;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.S3MockServer;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Sessions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two registry processes ("replicas" A and B, as behind a load balancer) on one PostgreSQL database
 * ({@link PostgresCluster}): what a client does through one is seen through the other.
 */
class ReplicasTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PUBLIC_URL = "http://registry.test"; // both replicas are one registry to users
    static final String PASSWORD = "correct horse battery";
    static PostgresCluster cluster;
    static S3MockServer s3;
    @TempDir
    Path tmp;
    Registry a;
    Registry b;
    String token;
    DatabaseConfig db;
    BlobStorage blobs;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PostgresCluster.start();
        s3 = S3MockServer.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
        if (s3 != null) s3.close();
    }

    @BeforeEach
    void startReplicas() throws Exception {
        db = cluster.newDatabase();
        blobs = s3.storage("replicas-" + tmp.getFileName()); // one bucket prefix per test
        a = Registry.start(RegistryConfig.loopback(tmp.resolve("a")).withDatabase(db).withBlobs(blobs).withPublicUrl(PUBLIC_URL));
        b = Registry.start(RegistryConfig.loopback(tmp.resolve("b")).withDatabase(db).withBlobs(blobs).withPublicUrl(PUBLIC_URL));
        long alice = a.users().add("alice", false).id();
        token = a.tokens().create(alice, "t", EnumSet.allOf(Scope.class), List.of(), null).secret();
        try (Database d = Database.open(tmp, db)) {
            new Passwords(d.jdbi()).set(alice, PASSWORD);
        }
    }

    @AfterEach
    void stopReplicas() {
        if (b != null) b.close();
        if (a != null) a.close();
    }

    private HttpResponse<String> send(Registry r, String method, String path, Object body, String cookie) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path));
        if (cookie != null) req.header("Cookie", cookie);
        if (body != null) req.header("Content-Type", "application/json");
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSessionOpenedThroughOneReplicaIsValidOnTheOtherAndSigningOutEndsItEverywhere() throws Exception {
        HttpResponse<String> login = send(a, "POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), null);
        assertEquals(200, login.statusCode(), login.body());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertTrue(cookie.startsWith(Sessions.cookieName(PUBLIC_URL) + "="), cookie);
        String csrf = JSON.readTree(login.body()).get("csrf_token").asText();

        JsonNode onB = JSON.readTree(send(b, "GET", "/ui/api/session", null, cookie).body());
        assertEquals("alice", onB.at("/user/login").asText(), onB.toString());
        assertEquals(csrf, onB.get("csrf_token").asText());

        HttpRequest logout = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/ui/api/logout"))
                .header("Cookie", cookie).header("Content-Type", "application/json").header("X-CSRF-Token", csrf)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> out = http.send(logout, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, out.statusCode(), out.body());
        assertTrue(JSON.readTree(send(a, "GET", "/ui/api/session", null, cookie).body()).get("user").isNull(),
                "signed out through B, the session is gone on A too");
    }

    @Test
    void failedSignInsCountOnEveryReplica() throws Exception {
        // alternate between the replicas, as a round-robin balancer would
        HttpResponse<String> refused = null;
        for (int i = 0; i < 12 && refused == null; i++) {
            HttpResponse<String> r = send(i % 2 == 0 ? a : b, "POST", "/ui/api/login", Map.of("login", "alice", "password", "guess " + i), null);
            if (r.statusCode() == 429) refused = r;
            else assertEquals(401, r.statusCode(), r.body());
        }
        assertNotNull(refused, "the guesses counted together are throttled");
        assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        // the right password also waits out the backoff, on either replica
        assertEquals(429, send(a, "POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), null).statusCode());
        assertEquals(429, send(b, "POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), null).statusCode());
    }

    void publish(Registry r, String name, String version, String extraToml) throws Exception {
        byte[] crate = TestCrates.crate(tmp, name, version, extraToml);
        HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/api/v1/crates/new"))
                .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(TestCrates.publishBody(name, version, crate))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
    }

    @Test
    void aPublishThroughOneReplicaWakesThePlannerOfAnother() throws Exception {
        a.precompile().close(); // A only serves: planning happens on B
        publish(a, "replica_macro", "1.0.0", "[lib]\nproc-macro = true\n");
        PrecompileStore store = b.precompile().store();
        long versionId = store.version("replica_macro", "1.0.0").orElseThrow().id();
        boolean buildsHere = b.precompile().toolchain().isPresent(); // without a toolchain B analyses but queues nothing
        long deadline = System.currentTimeMillis() + 10_000;
        Optional<PrecompileStore.Analysis> analysis = Optional.empty();
        while ((analysis.isEmpty() || buildsHere && store.jobsOf(versionId).isEmpty()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            analysis = store.analysis(versionId);
        }
        assertTrue(analysis.isPresent(), "B's planner analysed the version published through A");
        assertTrue(analysis.get().procMacro());
        if (buildsHere) assertFalse(store.jobsOf(versionId).isEmpty(), "and queued its default feature set");
        assertEquals(1, a.crates().changes().latest());
        assertEquals("replica_macro", b.crates().changes().after(0, 10).getFirst().crate());
    }

    String advertisedHead(Registry r) throws Exception {
        HttpResponse<String> refs = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/git/index/info/refs?service=git-upload-pack")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, refs.statusCode());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9a-f]{40}) refs/heads/master").matcher(refs.body());
        assertTrue(m.find(), refs.body());
        return m.group(1);
    }

    @Test
    void everyReplicaDerivesTheSameGitIndexCommitsFromTheChangeLog() throws Exception {
        publish(a, "git_one", "1.0.0", "");
        publish(b, "git_two", "1.0.0", "");
        publish(b, "git_one", "1.1.0", "");
        publish(a, "git_two", "2.0.0", "");
        HttpResponse<String> yank = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b.port() + "/api/v1/crates/git_one/1.0.0/yank"))
                .header("Authorization", token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, yank.statusCode(), yank.body());

        // what a git client sees through either replica: the same head, and the same history behind it
        String head = advertisedHead(a);
        assertEquals(head, advertisedHead(b));
        List<GitIndexRepository.Commit> history = a.gitIndex().repository().log(100);
        assertEquals(head, history.getFirst().id());
        assertEquals(history, b.gitIndex().repository().log(100));
        assertEquals(List.of("Yank git_one 1.0.0", "Publish git_two 2.0.0", "Publish git_one 1.1.0", "Publish git_two 1.0.0", "Publish git_one 1.0.0"),
                history.subList(0, 5).stream().map(c -> c.message().lines().findFirst().orElseThrow()).toList());
        assertEquals("alice", history.getFirst().author());
        for (String name : List.of("git_one", "git_two")) {
            byte[] sparse = a.crates().indexFile(name).orElseThrow().body();
            assertArrayEquals(sparse, a.gitIndex().repository().read(IndexPaths.pathOf(name)).orElseThrow(), name + ": git file = sparse file");
            assertArrayEquals(sparse, b.gitIndex().repository().read(IndexPaths.pathOf(name)).orElseThrow());
        }

        // a replica started later, and one whose repository was lost, rebuild the very same commits
        try (Registry c = Registry.start(RegistryConfig.loopback(tmp.resolve("c")).withDatabase(db).withBlobs(blobs).withPublicUrl(PUBLIC_URL))) {
            assertEquals(head, advertisedHead(c));
        }
        b.close();
        b = null;
        deleteTree(tmp.resolve("b/git-index"));
        b = Registry.start(RegistryConfig.loopback(tmp.resolve("b")).withDatabase(db).withBlobs(blobs).withPublicUrl(PUBLIC_URL));
        assertEquals(head, advertisedHead(b));
        publish(b, "git_three", "0.1.0", "");
        assertEquals(advertisedHead(b), advertisedHead(a), "and they stay in step");
        assertNotEquals(head, advertisedHead(a));
    }

    static void deleteTree(Path dir) throws Exception {
        try (var walk = java.nio.file.Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(p);
        }
    }

    @Test
    void migrationV8RecordsExistingVersionsAsTheFirstChangesOnPostgres() throws Exception {
        ChangeLogMigrationTest.upgrade(tmp, cluster.newDatabase());
    }
}

package dev.sandcrate.registry.db;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.web.Passwords;
import dev.sandcrate.registry.web.Sessions;
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
import java.util.Map;

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
    @TempDir
    Path tmp;
    Registry a;
    Registry b;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = PostgresCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @BeforeEach
    void startReplicas() throws Exception {
        DatabaseConfig db = cluster.newDatabase();
        a = Registry.start(RegistryConfig.loopback(tmp.resolve("a")).withDatabase(db).withPublicUrl(PUBLIC_URL));
        b = Registry.start(RegistryConfig.loopback(tmp.resolve("b")).withDatabase(db).withPublicUrl(PUBLIC_URL));
        long alice = a.users().add("alice", false).id();
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
}

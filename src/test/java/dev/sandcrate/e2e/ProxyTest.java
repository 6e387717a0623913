package dev.sandcrate.e2e;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pull-through proxy with a second Sandcrate as the upstream: cargo builds against the proxy, which fetches index
 * files and .crate files from the upstream on demand and keeps them; with the upstream stopped, a fresh cargo home
 * still builds from the cache, and a crate never fetched answers 503 (not 404). Local crates shadow the upstream's.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ProxyTest {
    static final List<String> CRATES = List.of("serde", "itoa", "ryu", "serde_json");
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    private void publish(Registry registry, String token, CratePacker.PackedCrate packed) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                .header("Authorization", token)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    private static String token(Registry r, String login) {
        long id = r.users().add(login, false).id();
        return r.tokens().create(id, "t", EnumSet.allOf(Scope.class), List.of(), null).secret();
    }

    private static CratePacker.PackedCrate crate(Path dir, String name, String version) throws Exception {
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"" + name + "\"\nversion = \"" + version + "\"\nedition = \"2021\"\n");
        Files.writeString(dir.resolve("src/lib.rs"), "pub const VERSION: &str = \"" + version + "\";\n");
        return CratePacker.pack(dir);
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesAndCachesUpstreamCratesAndKeepsWorkingWhenTheUpstreamIsDown() throws Exception {
        Registry upstream = Registry.start(RegistryConfig.loopback(tmp.resolve("upstream")));
        boolean upstreamRunning = true;
        try (Registry proxy = Registry.start(RegistryConfig.loopback(tmp.resolve("proxy")))) {
            String upToken = token(upstream, "upstream-publisher");
            for (String name : CRATES) publish(upstream, upToken, CratePacker.pack(DebianCratesTest.debianFolder(name)));
            publish(upstream, upToken, crate(tmp.resolve("shadow-up"), "shadowed", "9.0.0"));
            publish(proxy, token(proxy, "local-publisher"), crate(tmp.resolve("shadow-local"), "shadowed", "1.0.0"));
            proxy.pullThrough().configure(upstream.sparseIndexUrl(), null, Duration.ZERO); // always revalidate

            Path app = Cargo.project(tmp.resolve("app"), """
                    [package]
                    name = "app"
                    version = "0.1.0"
                    edition = "2021"

                    [dependencies]
                    serde_json = "1"
                    shadowed = { version = "1", registry = "sandcrate" }
                    """, Map.of("src/main.rs", """
                    fn main() {
                        println!("{} {}", serde_json::json!([1, "two"]), shadowed::VERSION);
                    }
                    """));
            String replace = """
                    [source.crates-io]
                    replace-with = "sandcrate"
                    """;
            Cargo online = Cargo.withRegistry(tmp.resolve("home-online"), proxy.sparseIndexUrl(), replace);
            assertEquals("[1,\"two\"] 1.0.0", online.ok(app, "run", "-q").output().strip(), "the local `shadowed` wins over the upstream's");
            String lock = Files.readString(app.resolve("Cargo.lock"));
            for (String name : CRATES) {
                String cksum = upstream.crates().versions(name).getFirst().cksum();
                assertTrue(lock.contains("checksum = \"" + cksum + "\""), name + " must keep the upstream's checksum:\n" + lock);
            }
            assertTrue(proxy.crates().versions("serde_json").isEmpty(), "proxied crates are a cache, not published here");
            assertEquals(404, get(proxy.url() + "/index/no/t-/not-anywhere").statusCode(), "unknown upstream crate");

            // the upstream's stored .crate is damaged: it no longer matches the upstream's own index, so it is refused
            CratePacker.PackedCrate tampered = crate(tmp.resolve("tampered"), "tampered", "1.0.0");
            publish(upstream, upToken, tampered);
            String sha = upstream.crates().versions("tampered").getFirst().cksum();
            Path blob = tmp.resolve("upstream/blobs").resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha);
            assertTrue(Files.isRegularFile(blob), blob.toString());
            Files.writeString(blob, "not the bytes that were published");
            HttpResponse<String> refused = get(proxy.url() + "/api/v1/crates/tampered/1.0.0/download");
            assertEquals(502, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("differs from its index"), refused.body());
            assertFalse(Files.exists(tmp.resolve("proxy/upstream-blobs").resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha)),
                    "nothing is cached from a refused download");

            String jsonVersion = upstream.crates().versions("serde_json").getFirst().num();
            upstream.close();
            upstreamRunning = false;

            Files.delete(app.resolve("Cargo.lock"));
            Cargo offline = Cargo.withRegistry(tmp.resolve("home-offline"), proxy.sparseIndexUrl(), replace);
            assertEquals("[1,\"two\"] 1.0.0", offline.ok(app, "run", "-q").output().strip(), "served from the cache while the upstream is down");

            HttpResponse<String> never = get(proxy.url() + "/index/3/s/syn");
            assertEquals(503, never.statusCode(), never.body());
            assertTrue(never.body().contains("\"detail\"") && never.body().contains("try again later"), never.body());
            HttpResponse<String> dl = get(proxy.url() + "/api/v1/crates/serde_json/" + jsonVersion + "/download");
            assertEquals(200, dl.statusCode(), "a cached .crate downloads with the upstream down");
        } finally {
            if (upstreamRunning) upstream.close();
        }
    }
}

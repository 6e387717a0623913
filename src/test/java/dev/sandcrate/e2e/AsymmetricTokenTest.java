package dev.sandcrate.e2e;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.PasetoSigner;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cargo's asymmetric tokens (RFC 3231) with the real nightly cargo: {@code -Zasymmetric-token} and the cargo:paseto
 * credential provider sign every request on an auth-required registry with a key the user registered.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class AsymmetricTokenTest {
    static final String PASETO_PROVIDER = """
            [registry]
            global-credential-providers = ["cargo:paseto"]
            """;

    @TempDir
    Path tmp;
    Registry registry;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true));
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    private HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) b.header("Authorization", authorization);
        if (body != null) b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String claims(Instant iat, String mutation, String name, String vers) {
        StringBuilder s = new StringBuilder("{\"iat\":\"" + iat.truncatedTo(ChronoUnit.SECONDS) + "\"");
        if (mutation != null) s.append(",\"mutation\":\"").append(mutation).append('"');
        if (name != null) s.append(",\"name\":\"").append(name).append('"');
        if (vers != null) s.append(",\"vers\":\"").append(vers).append('"');
        return s.append('}').toString();
    }

    @Test
    void nightlyCargoPublishesReadsAndYanksWithSignedTokensAndForgeriesAreRefused() throws Exception {
        long alice = registry.users().add("alice", false).id();
        String apiToken = registry.tokens().create(alice, "setup", EnumSet.allOf(Scope.class), List.of(), null).secret();
        PasetoSigner key = new PasetoSigner();

        // the user registers the public key through the API
        HttpResponse<String> added = send("POST", "/api/v1/me/keys", apiToken,
                "{\"name\":\"laptop\",\"public_key\":\"" + key.paserkPublic() + "\"}");
        assertEquals(201, added.statusCode(), added.body());
        assertTrue(added.body().contains(key.pid()), added.body());
        HttpResponse<String> again = send("POST", "/api/v1/me/keys", apiToken, "{\"public_key\":\"" + key.paserkPublic() + "\"}");
        assertEquals(400, again.statusCode());
        assertTrue(again.body().contains("already registered"), again.body());
        assertEquals(400, send("POST", "/api/v1/me/keys", apiToken, "{\"public_key\":\"k3.public.nope\"}").statusCode());

        Cargo cargo = Cargo.withRegistry(tmp.resolve("cargo-home"), registry.sparseIndexUrl(), PASETO_PROVIDER).nightly();
        Cargo.Result login = cargo.run(tmp, null, "-Zasymmetric-token", "login", "--registry", "sandcrate", key.paserkSecret());
        assertEquals(0, login.exit(), login.output());
        assertTrue(login.output().contains(key.paserkPublic()), "cargo derives the same public key: " + login.output());

        Path lib = Cargo.project(tmp.resolve("signed-lib"), """
                [package]
                name = "signed-lib"
                version = "0.1.0"
                edition = "2021"
                description = "published with an asymmetric token"
                license = "MIT"
                """, Map.of("src/lib.rs", "pub const SIGNED: &str = \"yes\";\n"));
        cargo.ok(lib, "-Zasymmetric-token", "publish", "--registry", "sandcrate", "--allow-dirty");

        // a consumer on the auth-required registry reads with a signed read token
        Path app = Cargo.project(tmp.resolve("app"), """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                signed-lib = { version = "0.1", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() { println!(\"signed={}\", signed_lib::SIGNED); }\n"));
        assertEquals("signed=yes", cargo.ok(app, "-Zasymmetric-token", "run", "-q").output().strip());

        // owner changes and the owner list are signed as "owners" of the crate
        registry.users().add("bob", false);
        cargo.ok(app, "-Zasymmetric-token", "owner", "--registry", "sandcrate", "--add", "bob", "signed-lib");
        String owners = cargo.ok(app, "-Zasymmetric-token", "owner", "--registry", "sandcrate", "--list", "signed-lib").output();
        assertTrue(owners.contains("alice") && owners.contains("bob"), owners);

        cargo.ok(app, "-Zasymmetric-token", "yank", "--registry", "sandcrate", "--version", "0.1.0", "signed-lib");
        assertTrue(send("GET", "/index/si/gn/signed-lib", key.sign(claims(Instant.now(), null, null, null), registry.sparseIndexUrl()), null)
                .body().contains("\"yanked\":true"));

        // crafted tokens, signed with the same registered key
        String url = registry.sparseIndexUrl();
        String unyank = key.sign(claims(Instant.now(), "unyank", "signed-lib", "0.1.0"), url);
        assertEquals(200, send("PUT", "/api/v1/crates/signed-lib/0.1.0/unyank", unyank, null).statusCode());
        HttpResponse<String> replay = send("PUT", "/api/v1/crates/signed-lib/0.1.0/unyank", unyank, null);
        assertEquals(401, replay.statusCode());
        assertTrue(replay.body().contains("already used"), replay.body());

        HttpResponse<String> stale = send("DELETE", "/api/v1/crates/signed-lib/0.1.0/yank",
                key.sign(claims(Instant.now().minusSeconds(600), "yank", "signed-lib", "0.1.0"), url), null);
        assertEquals(401, stale.statusCode());
        assertTrue(stale.body().contains("out of date"), stale.body());

        HttpResponse<String> otherCrate = send("DELETE", "/api/v1/crates/signed-lib/0.1.0/yank",
                key.sign(claims(Instant.now(), "yank", "other-lib", "0.1.0"), url), null);
        assertEquals(403, otherCrate.statusCode());
        assertTrue(otherCrate.body().contains("signed for yank of other-lib 0.1.0, not for yank of signed-lib 0.1.0"), otherCrate.body());

        HttpResponse<String> otherMutation = send("DELETE", "/api/v1/crates/signed-lib/0.1.0/yank",
                key.sign(claims(Instant.now(), "unyank", "signed-lib", "0.1.0"), url), null);
        assertEquals(403, otherMutation.statusCode(), otherMutation.body());

        HttpResponse<String> readTokenForAChange = send("DELETE", "/api/v1/crates/signed-lib/0.1.0/yank",
                key.sign(claims(Instant.now(), null, null, null), url), null);
        assertEquals(403, readTokenForAChange.statusCode(), readTokenForAChange.body());

        HttpResponse<String> otherRegistry = send("GET", "/index/si/gn/signed-lib",
                key.sign(claims(Instant.now(), null, null, null), "sparse+https://elsewhere.example/index/"), null);
        assertEquals(401, otherRegistry.statusCode(), otherRegistry.body());

        PasetoSigner unknown = new PasetoSigner();
        assertEquals(401, send("GET", "/index/si/gn/signed-lib", unknown.sign(claims(Instant.now(), null, null, null), url), null).statusCode());
        assertEquals(200, send("GET", "/index/si/gn/signed-lib", key.sign(claims(Instant.now().minusSeconds(600), null, null, null), url), null).statusCode(),
                "a read token may be reused for a while (cargo signs one per run)");

        // a revoked key signs nothing any more, for cargo either
        String keyId = added.body().replaceAll("(?s).*\"id\":(\\d+).*", "$1");
        assertEquals(200, send("DELETE", "/api/v1/me/keys/" + keyId, apiToken, null).statusCode());
        Cargo.Result afterRevoke = cargo.run(app, null, "-Zasymmetric-token", "update");
        assertNotEquals(0, afterRevoke.exit(), afterRevoke.output());
        assertTrue(afterRevoke.output().contains("does not know or that was revoked"), afterRevoke.output());
    }
}

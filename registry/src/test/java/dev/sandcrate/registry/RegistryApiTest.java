package dev.sandcrate.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.LocalBlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The HTTP API in-process. Runs on H2 here and on PostgreSQL in {@link dev.sandcrate.registry.db.PostgresTest}. */
public class RegistryApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();
    @TempDir
    Path tmp;
    Registry registry;
    String aliceToken;
    DatabaseConfig database;

    /** The database each test starts with (and restarts on). */
    protected DatabaseConfig newDatabase() throws Exception {
        return DatabaseConfig.EMBEDDED;
    }

    RegistryConfig config() {
        return RegistryConfig.loopback(tmp.resolve("data")).withDatabase(database);
    }

    @BeforeEach
    void start() throws Exception {
        database = newDatabase();
        registry = Registry.start(config());
        aliceToken = token("alice", EnumSet.allOf(Scope.class), List.of(), null);
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    String token(String login, Set<Scope> scopes, List<String> crates, Instant expires) {
        long id = registry.users().find(login).orElseGet(() -> registry.users().add(login, false)).id();
        return registry.tokens().create(id, login + "-token", scopes, crates, expires).secret();
    }

    HttpResponse<byte[]> send(String method, String path, String token, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) b.header("Authorization", token);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> publish(String token, byte[] body) throws Exception {
        return send("PUT", "/api/v1/crates/new", token, body);
    }

    HttpResponse<byte[]> publish(String name, String version, String extraToml) throws Exception {
        return publish(aliceToken, TestCrates.publishBody(name, version, TestCrates.crate(tmp, name, version, extraToml)));
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    static String errorDetail(HttpResponse<byte[]> r) throws IOException {
        return JSON.readTree(r.body()).path("errors").path(0).path("detail").asText();
    }

    void assertError(int status, String detailPart, HttpResponse<byte[]> r) throws IOException {
        assertEquals(status, r.statusCode(), text(r));
        assertTrue(errorDetail(r).contains(detailPart), "expected '" + detailPart + "' in " + text(r));
    }

    @Test
    void configJsonPointsCargoAtTheApi() throws Exception {
        JsonNode config = JSON.readTree(send("GET", "/index/config.json", null, null).body());
        assertEquals(registry.url() + "/api/v1/crates", config.get("dl").asText());
        assertEquals(registry.url(), config.get("api").asText());
        assertFalse(config.get("auth-required").asBoolean());
    }

    @Test
    void publicUrlIsWhatCargoIsToldAndHowOwnDependenciesAreRecognised() throws Exception {
        registry.close();
        registry = Registry.start(config().withPublicUrl("https://crates.example.org/"));
        assertEquals("sparse+https://crates.example.org/index/", registry.sparseIndexUrl());
        String local = "http://127.0.0.1:" + registry.port();
        JsonNode config = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(local + "/index/config.json")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
        assertEquals("https://crates.example.org/api/v1/crates", config.get("dl").asText());
        assertEquals("https://crates.example.org", config.get("api").asText());

        byte[] crate = TestCrates.crate(tmp, "proxied", "1.0.0",
                "[dependencies]\nown = { version = \"1\", registry-index = \"sparse+https://crates.example.org/index/\" }\n");
        var r = http.send(HttpRequest.newBuilder(URI.create(local + "/api/v1/crates/new")).header("Authorization", aliceToken)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(TestCrates.publishBody("proxied", "1.0.0", crate))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), text(r));
        assertNull(registry.crates().versions("proxied").getFirst().entry().deps().getFirst().registry());
        assertThrows(IllegalArgumentException.class, () -> new RegistryConfig("127.0.0.1", 0, "ftp://x", tmp, DatabaseConfig.EMBEDDED, BlobStorage.LOCAL, false, 1, 1));
    }

    @Test
    void publishedVersionIsInTheIndexAtOnceWithDepsAndFeaturesFromTheManifest() throws Exception {
        assertEquals(200, publish("base-lib", "0.1.0", "").statusCode());
        var r = publish("top", "1.0.0-beta.1", """
                links = "top"
                rust-version = "1.70"
                [dependencies]
                base = { version = "0.1", package = "base-lib", registry-index = "%s" }
                serde = { version = "1", optional = true, default-features = false }
                [target.'cfg(windows)'.build-dependencies]
                cc = "1"
                [dev-dependencies]
                tester = "0.3"
                [features]
                default = ["std"]
                std = []
                ser = ["dep:serde"]
                """.formatted(registry.sparseIndexUrl()));
        assertEquals(200, r.statusCode(), text(r));

        var index = send("GET", "/index/3/t/top", null, null);
        assertEquals(200, index.statusCode());
        List<IndexEntry> entries = IndexFile.parse(text(index));
        assertEquals(1, entries.size());
        IndexEntry e = entries.getFirst();
        assertEquals("1.0.0-beta.1", e.vers());
        assertEquals("top", e.links());
        assertEquals("1.70", e.rustVersion());
        assertEquals(2, e.v());
        assertEquals(List.of("dep:serde"), e.features2().get("ser"));
        assertEquals(List.of("std"), e.features().get("default"));
        assertNotNull(e.pubtime());
        var base = e.deps().get(0);
        assertEquals("base", base.name());
        assertEquals("base-lib", base.packageName());
        assertNull(base.registry(), "same-registry dependency");
        var serde = e.deps().get(1);
        assertTrue(serde.optional());
        assertFalse(serde.defaultFeatures());
        assertEquals("https://github.com/rust-lang/crates.io-index", serde.registry());
        assertEquals("dev", e.deps().get(2).kind()); // untargeted tables first, then [target.*]
        assertEquals("build", e.deps().get(3).kind());
        assertEquals("cfg(windows)", e.deps().get(3).target());

        // the .crate served is the one uploaded, and its sha256 is the index cksum
        var dl = send("GET", "/api/v1/crates/top/1.0.0-beta.1/download", null, null);
        assertEquals(200, dl.statusCode());
        assertEquals(e.cksum(), Checksums.sha256Hex(dl.body()));

        assertError(404, "does not exist", send("GET", "/index/3/n/nop", null, null));
        assertError(404, "has no version", send("GET", "/api/v1/crates/top/9.9.9/download", null, null));
    }

    @Test
    void indexFilesSupportConditionalRequests() throws Exception {
        publish("cond", "0.1.0", "");
        var first = send("GET", "/index/co/nd/cond", null, null);
        String etag = first.headers().firstValue("ETag").orElseThrow();
        String lastModified = first.headers().firstValue("Last-Modified").orElseThrow();
        assertEquals(304, send("GET", "/index/co/nd/cond", null, null, "If-None-Match", etag).statusCode());
        assertEquals(304, send("GET", "/index/co/nd/cond", null, null, "If-Modified-Since", lastModified).statusCode());

        Thread.sleep(1100); // Last-Modified has one-second resolution
        publish("cond", "0.2.0", "");
        var changed = send("GET", "/index/co/nd/cond", null, null, "If-None-Match", etag);
        assertEquals(200, changed.statusCode());
        assertEquals(2, IndexFile.parse(text(changed)).size());
        assertEquals(200, send("GET", "/index/co/nd/cond", null, null, "If-Modified-Since", lastModified).statusCode());
    }

    @Test
    void lastModifiedIsAnImfFixdate() throws Exception {
        publish("dated", "0.1.0", "");
        String lastModified = send("GET", "/index/da/te/dated", null, null).headers().firstValue("Last-Modified").orElseThrow();
        assertTrue(lastModified.matches("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"), lastModified);
        assertEquals("Fri, 04 Dec 2026 09:05:00 GMT",
                dev.sandcrate.registry.http.IndexResponses.httpDate(Instant.parse("2026-12-04T09:05:00Z").toEpochMilli()));
    }

    @Test
    void headIsAnsweredLikeGetWithoutTheBody() throws Exception {
        publish("heady", "0.1.0", "");
        for (String path : List.of("/index/he/ad/heady", "/api/v1/crates/heady", "/api/v1/crates/heady/0.1.0/download", "/ui/api/crates/heady")) {
            var get = send("GET", path, null, null);
            var head = send("HEAD", path, null, null);
            assertEquals(200, get.statusCode(), path);
            assertEquals(200, head.statusCode(), path);
            assertEquals(0, head.body().length, path);
            assertEquals(get.headers().firstValue("ETag"), head.headers().firstValue("ETag"), path);
            assertEquals(get.headers().firstValue("Last-Modified"), head.headers().firstValue("Last-Modified"), path);
            assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"), path);
            head.headers().firstValue("Content-Length").ifPresent(len ->
                    assertEquals(String.valueOf(get.body().length), len, "HEAD's Content-Length is GET's for " + path));
        }
        assertTrue(send("HEAD", "/index/he/ad/heady", null, null).headers().firstValue("ETag").isPresent());
        for (String path : List.of("/index/no/su/nosuch", "/api/v1/crates/nosuch", "/api/v1/crates/heady/9.9.9/download", "/ui/api/crates/nosuch")) {
            assertEquals(404, send("HEAD", path, null, null).statusCode(), path);
        }
        registry.crates().flushDownloads();
        assertEquals(1, registry.crates().crate("heady").orElseThrow().downloads(), "the GET is a download, the HEAD is not");
    }

    @Test
    void namesCratesIoReservesAreRefusedAtPublish() throws Exception {
        for (String name : List.of("rustc", "cargo", "compiler_builtins", "compiler-builtins", "std", "Core", "proc-macro", "serialize")) {
            assertError(400, "reserved", publish(name, "1.0.0", ""));
        }
        assertEquals(200, publish("rustc-helper", "1.0.0", "").statusCode());
    }

    @Test
    void anAdminMayPublishNamesReservedForTheRustProjectButNotStd() throws Exception {
        long rootId = registry.users().add("root", true).id();
        String admin = registry.tokens().create(rootId, "full", EnumSet.allOf(Scope.class), List.of(), null).secret();
        assertEquals(200, publish(admin, TestCrates.publishBody("compiler_builtins", "0.1.70",
                TestCrates.crate(tmp, "compiler_builtins", "0.1.70", ""))).statusCode());
        assertError(400, "reserved", publish(admin, TestCrates.publishBody("std", "1.0.0", TestCrates.crate(tmp, "std", "1.0.0", ""))));
        assertError(400, "reserved", publish("cargo", "1.0.0", ""));
    }

    @Test
    void versionsBeyondU64AreRefused() throws Exception {
        assertError(400, "at most 18446744073709551615", publish("huge-version", "99999999999999999999999.0.0", ""));
        assertTrue(registry.crates().crate("huge-version").isEmpty());
    }

    @Test
    void anAdminsRestrictedTokenIsNotAnAdminToken() throws Exception {
        long rootId = registry.users().add("root", true).id();
        String full = registry.tokens().create(rootId, "full", EnumSet.allOf(Scope.class), List.of(), null).secret();
        String scoped = registry.tokens().create(rootId, "read", EnumSet.of(Scope.READ), List.of(), null).secret();
        String patterned = registry.tokens().create(rootId, "some", EnumSet.allOf(Scope.class), List.of("mine-*"), null).secret();
        assertEquals(200, send("GET", "/api/v1/admin/precompile/policy", full, null).statusCode());
        assertError(403, "restricted", send("GET", "/api/v1/admin/precompile/policy", scoped, null));
        assertError(403, "restricted", send("PUT", "/api/v1/admin/precompile/deny/some-crate", patterned, null));
        assertError(403, "not an admin", send("GET", "/api/v1/admin/precompile/policy", aliceToken, null));
    }

    @Test
    void rejectedPublishesLeaveNothingBehind() throws Exception {
        assertEquals(200, publish("keep", "1.0.0", "").statusCode());
        byte[] good = TestCrates.crate(tmp, "other", "1.0.0", "");

        assertError(400, "invalid crate name", publish(aliceToken, TestCrates.publishBody("9lives", "1.0.0", good)));
        assertError(400, "is reserved", publish(aliceToken, TestCrates.publishBody("std", "1.0.0", good)));
        assertError(400, "not a valid semantic version", publish(aliceToken, TestCrates.publishBody("other", "1.0", good)));
        assertError(400, "but the .crate's Cargo.toml is other 1.0.0",
                publish(aliceToken, TestCrates.publishBody("other", "1.0.1", good)));
        assertError(400, "invalid .crate", publish(aliceToken, TestCrates.publishBody("other", "1.0.0", "garbage".getBytes())));
        assertError(400, "is a link", publish(aliceToken, TestCrates.publishBody("evil", "1.0.0", symlinkCrate())));
        assertError(400, "invalid publish request", publish(aliceToken, new byte[]{1, 0}));
        assertError(409, "already exists", publish("keep", "1.0.0", ""));
        assertError(409, "already exists", publish("keep", "1.0.0+other-build", ""));
        assertError(400, "conflicts with the existing crate `keep`", publish("KEEP", "2.0.0", ""));

        assertEquals(404, send("GET", "/index/ot/he/other", null, null).statusCode());
        assertEquals(404, send("GET", "/index/ev/il/evil", null, null).statusCode());
        assertEquals(1, IndexFile.parse(text(send("GET", "/index/ke/ep/keep", null, null))).size());
        assertEquals(1, blobCount(), "only the accepted crate is stored");
    }

    @Test
    void aFailingCommitRemovesTheStoredBlobAndLeavesNoRows() throws Exception {
        // make the version insert fail after validation passed and the blob was written
        registry.database().jdbi().useHandle(h -> h.execute("ALTER TABLE versions ADD CONSTRAINT no_666 CHECK (num <> '6.6.6')"));
        var r = publish("doomed", "6.6.6", "");
        assertEquals(500, r.statusCode(), text(r));
        assertTrue(errorDetail(r).startsWith("internal error"), text(r));
        assertEquals(0, blobCount(), "the blob of the failed publish is gone");
        assertEquals(404, send("GET", "/index/do/om/doomed", null, null).statusCode(), "the new crate's row was rolled back");
        assertEquals(0, (int) registry.database().jdbi().withHandle(h ->
                h.createQuery("SELECT COUNT(*) FROM crates").mapTo(Integer.class).one()));
        assertEquals(200, publish("doomed", "6.6.7", "").statusCode(), "nothing blocks a later publish");
    }

    @Test
    void uploadSizeIsLimited() throws Exception {
        registry.close();
        registry = Registry.start(config().withLimits(2000, 1 << 20));
        byte[] big = TestCrates.crate(tmp, "big", "1.0.0", "# " + randomText(4000) + "\n");
        assertTrue(big.length > 2000);
        assertError(413, "maximum upload size", publish(aliceToken, TestCrates.publishBody("big", "1.0.0", big)));
        assertEquals(0, blobCount());
    }

    @Test
    void orphanBlobsFromACrashedPublishAreSweptAtStart() throws Exception {
        publish("kept", "1.0.0", "");
        registry.close();
        // a crash after the blob was written but before its row was committed leaves exactly this behind
        LocalBlobStore blobs = new LocalBlobStore(tmp.resolve("data/blobs"));
        String lost = blobs.put(TestCrates.crate(tmp, "lost", "1.0.0", ""));
        Path part = Files.writeString(tmp.resolve("data/blobs/tmp/half-written.part"), "partial");
        FileTime longAgo = FileTime.from(Instant.now().minus(Registry.SHARED_LEFTOVER_AGE).minusSeconds(60));
        Files.setLastModifiedTime(tmp.resolve("data/blobs/" + lost.substring(0, 2) + "/" + lost.substring(2, 4) + "/" + lost), longAgo);
        Files.setLastModifiedTime(part, longAgo);
        // ... and this is what a publish in flight looks like: on a shared database, maybe another process's
        String inFlight = blobs.put(TestCrates.crate(tmp, "in-flight", "1.0.0", ""));
        Files.writeString(tmp.resolve("data/blobs/tmp/being-written.part"), "partial");
        assertEquals(3, blobCount());
        registry = Registry.start(config());
        assertEquals(200, send("GET", "/api/v1/crates/kept/1.0.0/download", null, null).statusCode());
        assertFalse(blobs.exists(lost));
        assertEquals(!database.embedded(), blobs.exists(inFlight), "fresh leftovers are swept only when no other process shares the blobs");
        try (var s = Files.list(tmp.resolve("data/blobs/tmp"))) {
            assertEquals(database.embedded() ? List.of() : List.of("being-written.part"),
                    s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void tokensAreCheckedForValidityScopesCratesAndOwnership() throws Exception {
        byte[] body = TestCrates.publishBody("scoped", "1.0.0", TestCrates.crate(tmp, "scoped", "1.0.0", ""));
        assertError(401, "needs an API token", publish(null, body));
        assertError(401, "invalid", publish("scr_not-a-token", body));
        assertError(401, "invalid", publish(token("alice", EnumSet.allOf(Scope.class), List.of(), Instant.now().minusSeconds(5)), body));
        assertError(403, "publish-new", publish(token("alice", EnumSet.of(Scope.PUBLISH_UPDATE, Scope.READ), List.of(), null), body));
        assertError(403, "not allowed to publish crate `scoped`", publish(token("alice", EnumSet.allOf(Scope.class), List.of("other*"), null), body));
        assertEquals(200, publish("Bearer " + token("alice", EnumSet.of(Scope.PUBLISH_NEW), List.of("scop*"), null), body).statusCode());

        // only owners may publish updates, yank or change owners
        String bob = token("bob", EnumSet.allOf(Scope.class), List.of(), null);
        byte[] update = TestCrates.publishBody("scoped", "1.1.0", TestCrates.crate(tmp, "scoped", "1.1.0", ""));
        assertError(403, "not an owner", publish(bob, update));
        assertError(403, "not an owner", send("DELETE", "/api/v1/crates/scoped/1.0.0/yank", bob, null));
        assertError(403, "lacks the yank scope", send("DELETE", "/api/v1/crates/scoped/1.0.0/yank",
                token("alice", EnumSet.of(Scope.READ), List.of(), null), null));
    }

    @Test
    void yankAndOwners() throws Exception {
        publish("yanky", "1.0.0", "");
        publish("yanky", "1.1.0", "");
        var yank = send("DELETE", "/api/v1/crates/yanky/1.1.0/yank", aliceToken, null);
        assertEquals("{\"ok\":true}", text(yank));
        List<IndexEntry> entries = IndexFile.parse(text(send("GET", "/index/ya/nk/yanky", null, null)));
        assertFalse(entries.get(0).yanked());
        assertTrue(entries.get(1).yanked());
        assertEquals(200, send("GET", "/api/v1/crates/yanky/1.1.0/download", null, null).statusCode(), "yanked versions stay downloadable");
        assertEquals("{\"ok\":true}", text(send("PUT", "/api/v1/crates/yanky/1.1.0/unyank", aliceToken, null)));
        assertFalse(IndexFile.parse(text(send("GET", "/index/ya/nk/yanky", null, null))).get(1).yanked());
        assertError(404, "no version 3.0.0", send("DELETE", "/api/v1/crates/yanky/3.0.0/yank", aliceToken, null));

        String bob = token("bob", EnumSet.allOf(Scope.class), List.of(), null);
        byte[] users = "{\"users\":[\"bob\"]}".getBytes();
        var add = send("PUT", "/api/v1/crates/yanky/owners", aliceToken, users);
        assertEquals(200, add.statusCode(), text(add));
        assertTrue(JSON.readTree(add.body()).get("ok").asBoolean());
        JsonNode owners = JSON.readTree(send("GET", "/api/v1/crates/yanky/owners", null, null).body()).get("users");
        assertEquals(List.of("alice", "bob"), owners.findValuesAsText("login"));
        assertEquals(200, send("DELETE", "/api/v1/crates/yanky/1.0.0/yank", bob, null).statusCode(), "bob now owns it");
        assertError(404, "no user named `carol`", send("PUT", "/api/v1/crates/yanky/owners", aliceToken, "{\"users\":[\"carol\"]}".getBytes()));
        assertEquals(200, send("DELETE", "/api/v1/crates/yanky/owners", bob, "{\"users\":[\"alice\"]}".getBytes()).statusCode());
        assertError(400, "cannot remove every owner", send("DELETE", "/api/v1/crates/yanky/owners", bob, users));
        assertError(403, "not an owner", send("PUT", "/api/v1/crates/yanky/owners", aliceToken, users));
    }

    @Test
    void search() throws Exception {
        publish("search-me", "0.1.0", "");
        publish("search-me", "0.2.0", "");
        publish("search-me", "0.3.0-alpha", "");
        publish("unrelated", "1.0.0", "");
        JsonNode r = JSON.readTree(send("GET", "/api/v1/crates?q=search_me&per_page=5", null, null).body());
        assertEquals(1, r.get("meta").get("total").asInt());
        assertEquals("search-me", r.get("crates").get(0).get("name").asText());
        assertEquals("0.2.0", r.get("crates").get(0).get("max_version").asText());
        assertEquals("test crate search-me", r.get("crates").get(0).get("description").asText());
        JsonNode all = JSON.readTree(send("GET", "/api/v1/crates?q=test%20crate&per_page=1", null, null).body());
        assertEquals(2, all.get("meta").get("total").asInt());
        assertEquals(1, all.get("crates").size());
        assertError(400, "per_page", send("GET", "/api/v1/crates?q=x&per_page=0", null, null));
    }

    @Test
    void authRequiredModeNeedsAReadTokenForReading() throws Exception {
        publish("private-crate", "1.0.0", "");
        registry.close();
        registry = Registry.start(config().withAuthRequired(true));
        var anonymous = send("GET", "/index/config.json", null, null);
        assertError(401, "needs an API token", anonymous);
        assertEquals("Cargo login_url=\"" + registry.url() + "/me\"", anonymous.headers().firstValue("WWW-Authenticate").orElseThrow());
        // where cargo sends people for a token: a browser lands on the web UI's account page, anything else reads how
        var browser = send("GET", "/me", null, null, "Accept", "text/html,application/xhtml+xml");
        assertEquals(302, browser.statusCode());
        assertEquals("/account", browser.headers().firstValue("Location").orElseThrow());
        assertTrue(new String(send("GET", "/me", null, null).body(), StandardCharsets.UTF_8).contains(registry.url() + "/account"));
        assertEquals(401, send("GET", "/index/pr/iv/private-crate", null, null).statusCode());
        assertEquals(401, send("GET", "/api/v1/crates/private-crate/1.0.0/download", null, null).statusCode());
        assertEquals(401, send("GET", "/api/v1/crates?q=private", null, null).statusCode());

        String reader = token("reader", EnumSet.of(Scope.READ), List.of(), null);
        JsonNode config = JSON.readTree(send("GET", "/index/config.json", reader, null).body());
        assertTrue(config.get("auth-required").asBoolean());
        assertEquals(200, send("GET", "/index/pr/iv/private-crate", reader, null).statusCode());
        assertEquals(200, send("GET", "/api/v1/crates/private-crate/1.0.0/download", "Bearer " + reader, null).statusCode());
        assertError(403, "read scope", send("GET", "/index/pr/iv/private-crate",
                token("writer", EnumSet.of(Scope.PUBLISH_NEW), List.of(), null), null));
        assertError(403, "publish-new", publish(reader, TestCrates.publishBody("nope", "1.0.0", TestCrates.crate(tmp, "nope", "1.0.0", ""))));
    }

    @Test
    void authRequiredGitIndexTakesTheReadTokenOverHttpBasic() throws Exception {
        publish("private-crate", "1.0.0", "");
        String refs = "/git/index/info/refs?service=git-upload-pack";
        assertEquals(200, send("GET", refs, null, null).statusCode(), "an anonymous registry asks git for nothing");
        registry.close();
        registry = Registry.start(config().withAuthRequired(true));

        var anonymous = send("GET", refs, null, null);
        assertError(401, "needs an API token", anonymous);
        assertEquals("Basic realm=\"Sandcrate git index\"", anonymous.headers().firstValue("WWW-Authenticate").orElseThrow(),
                "git clients answer only a Basic challenge");
        assertError(401, "needs an API token", send("POST", "/git/index/git-upload-pack", null, new byte[0],
                "Content-Type", "application/x-git-upload-pack-request"));

        String reader = token("reader", EnumSet.of(Scope.READ), List.of(), null);
        assertEquals(200, send("GET", refs, basic("any-user", reader), null).statusCode());
        assertEquals(200, send("GET", refs, reader, null).statusCode(), "cargo's own header works too");
        assertError(403, "read scope", send("GET", refs, basic("x", token("writer", EnumSet.of(Scope.PUBLISH_NEW), List.of(), null)), null));
        assertError(401, "invalid, expired or revoked", send("GET", refs, basic("x", reader + "x"), null));
        assertError(401, "invalid, expired or revoked", send("GET", refs, "Basic not*base64", null));
        var revoked = registry.tokens().create(registry.users().find("reader").orElseThrow().id(), "gone", EnumSet.of(Scope.READ), List.of(), null);
        registry.tokens().revoke(revoked.info().id());
        var refused = send("GET", refs, basic("x", revoked.secret()), null);
        assertError(401, "revoked", refused);
        assertTrue(refused.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Basic "));

        registry.gitIndex().sync();
        assertEquals(JSON.readTree(send("GET", "/index/config.json", reader, null).body()),
                JSON.readTree(registry.gitIndex().repository().read("config.json").orElseThrow()), "one config.json for both indexes");
    }

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    long blobCount() throws IOException {
        return new LocalBlobStore(tmp.resolve("data/blobs")).keys().size();
    }

    static String randomText(int n) {
        var rnd = new java.util.Random(42);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append((char) ('a' + rnd.nextInt(26)));
        return sb.toString();
    }

    static byte[] symlinkCrate() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(new GZIPOutputStream(out))) {
            byte[] manifest = "[package]\nname = \"evil\"\nversion = \"1.0.0\"\n".getBytes();
            var m = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("evil-1.0.0/Cargo.toml");
            m.setSize(manifest.length);
            tar.putArchiveEntry(m);
            tar.write(manifest);
            tar.closeArchiveEntry();
            var link = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("evil-1.0.0/passwd",
                    org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
            link.setLinkName("/etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }
        return out.toByteArray();
    }

    @Test
    void cachedIndexFilesFollowEveryChangeWithANewETag() throws Exception {
        publish("cached", "1.0.0", "");
        var first = send("GET", "/index/ca/ch/cached", null, null);
        String etag1 = first.headers().firstValue("ETag").orElseThrow();
        assertEquals(etag1, send("GET", "/index/ca/ch/cached", null, null).headers().firstValue("ETag").orElseThrow());
        assertEquals(304, send("GET", "/index/ca/ch/cached", null, null, "If-None-Match", etag1).statusCode());

        publish("cached", "1.1.0", "");
        var second = send("GET", "/index/ca/ch/cached", null, null);
        assertEquals(2, IndexFile.parse(text(second)).size());
        String etag2 = second.headers().firstValue("ETag").orElseThrow();
        assertNotEquals(etag1, etag2);
        assertEquals(200, send("GET", "/index/ca/ch/cached", null, null, "If-None-Match", etag1).statusCode());

        assertEquals(200, send("DELETE", "/api/v1/crates/cached/1.1.0/yank", aliceToken, null).statusCode());
        var third = send("GET", "/index/ca/ch/cached", null, null);
        assertTrue(IndexFile.parse(text(third)).get(1).yanked());
        String etag3 = third.headers().firstValue("ETag").orElseThrow();
        assertNotEquals(etag2, etag3);
        assertEquals(200, send("GET", "/index/ca/ch/cached", null, null, "If-None-Match", etag2).statusCode());
        assertEquals(304, send("GET", "/index/ca/ch/cached", null, null, "If-None-Match", etag3).statusCode());
    }

    @Test
    void changesMadeByAnotherProcessOnTheSameDatabaseReachTheCachedIndexWithinTheRecheckTime() throws Exception {
        publish("shared", "1.0.0", "");
        assertFalse(yankedNow("shared"));
        // another registry process: its own CrateService (and cache) over the same database and blobs
        var other = new dev.sandcrate.registry.crates.CrateService(registry.database().jdbi(),
                registry.config().blobs().open(tmp.resolve("data"), BlobStorage.Area.CRATES), () -> registry.url() + "/index/",
                RegistryConfig.DEFAULT_MAX_UPLOAD, RegistryConfig.DEFAULT_MAX_UNPACKED);
        var alice = registry.tokens().authenticate(aliceToken).orElseThrow();
        other.setYanked(alice, "shared", "1.0.0", true);
        other.setYanked(alice, "shared", "1.0.0", false); // within a millisecond or so: the stamp still moves
        other.setYanked(alice, "shared", "1.0.0", true);
        pastIndexRecheck();
        assertTrue(yankedNow("shared"));
        other.setYanked(alice, "shared", "1.0.0", false);
        pastIndexRecheck();
        assertFalse(yankedNow("shared"));
        other.importCrate(alice, TestCrates.crate(tmp, "shared", "2.0.0", ""));
        pastIndexRecheck();
        assertEquals(2, IndexFile.parse(text(send("GET", "/index/sh/ar/shared", null, null))).size());
    }

    private boolean yankedNow(String name) throws Exception {
        return IndexFile.parse(text(send("GET", "/index/" + dev.sandcrate.index.IndexPaths.pathOf(name), null, null))).getFirst().yanked();
    }

    private static void pastIndexRecheck() throws InterruptedException {
        Thread.sleep(dev.sandcrate.registry.crates.CrateService.INDEX_RECHECK.toMillis() + 50);
    }

    @Test
    void aRevokedTokenStopsReadingAtOnceDespiteTheCheckCache() throws Exception {
        registry.close();
        registry = Registry.start(config().withAuthRequired(true));
        long reader = registry.users().find("alice").orElseThrow().id();
        var created = registry.tokens().create(reader, "reader", EnumSet.of(Scope.READ), List.of(), null);
        assertEquals(200, send("GET", "/index/config.json", created.secret(), null).statusCode());
        assertEquals(200, send("GET", "/index/config.json", created.secret(), null).statusCode());
        registry.tokens().revoke(created.info().id());
        assertError(401, "revoked", send("GET", "/index/config.json", created.secret(), null));

        // revoked by another process: refused once the reuse time of a check has passed
        var second = registry.tokens().create(reader, "reader2", EnumSet.of(Scope.READ), List.of(), null);
        assertEquals(200, send("GET", "/index/config.json", second.secret(), null).statusCode());
        new dev.sandcrate.registry.auth.Tokens(registry.database().jdbi()).revoke(second.info().id());
        Thread.sleep(dev.sandcrate.registry.auth.Tokens.CHECK_REUSE.toMillis() + 100);
        assertError(401, "revoked", send("GET", "/index/config.json", second.secret(), null));
    }

    @Test
    void healthAndReadinessNeedNoTokenAndReportWhatIsBroken() throws Exception {
        registry.close();
        registry = Registry.start(config().withAuthRequired(true));
        var health = send("GET", "/health", null, null);
        assertEquals(200, health.statusCode());
        assertEquals("ok", JSON.readTree(health.body()).get("status").asText());
        var ready = send("GET", "/ready", null, null);
        assertEquals(200, ready.statusCode(), text(ready));
        assertEquals("ok", JSON.readTree(ready.body()).get("status").asText());

        registry.database().jdbi().useHandle(h -> h.execute(
                "DELETE FROM \"flyway_schema_history\" WHERE \"installed_rank\" = (SELECT MAX(\"installed_rank\") FROM \"flyway_schema_history\")"));
        assertError(503, "database migrations not applied", send("GET", "/ready", null, null));
        assertEquals(200, send("GET", "/health", null, null).statusCode());

        // one missing behind applied ones (Flyway calls it "ignored") is just as broken a schema
        registry.database().jdbi().useHandle(h -> h.execute("DELETE FROM \"flyway_schema_history\" WHERE \"version\" = '2'"));
        assertError(503, "2 precompile", send("GET", "/ready", null, null));
    }

    @Test
    void readinessFailsWhenTheBlobStoreOrTheDatabaseIsGone() throws Exception {
        Path blobs = tmp.resolve("data").resolve("blobs");
        Path moved = tmp.resolve("blobs-away");
        Files.move(blobs, moved);
        assertError(503, "blob store (crates) unreachable", send("GET", "/ready", null, null));
        Files.move(moved, blobs);
        assertEquals(200, send("GET", "/ready", null, null).statusCode());
        registry.database().close();
        assertError(503, "database unreachable", send("GET", "/ready", null, null));
        assertEquals(200, send("GET", "/health", null, null).statusCode());
    }

    @Test
    void downloadsAreCountedInBatchesAndWrittenAtStop() throws Exception {
        publish("counted", "1.0.0", "");
        publish("counted", "1.1.0", "");
        for (int i = 0; i < 5; i++) assertEquals(200, send("GET", "/api/v1/crates/counted/1.0.0/download", null, null).statusCode());
        for (int i = 0; i < 3; i++) assertEquals(200, send("GET", "/api/v1/crates/counted/1.1.0/download", null, null).statusCode());
        registry.crates().flushDownloads();
        assertEquals(8, registry.crates().crate("counted").orElseThrow().downloads());
        assertEquals(List.of(5L, 3L), registry.crates().versions("counted").stream().map(v -> v.downloads()).toList());
        assertEquals(200, send("GET", "/api/v1/crates/counted/1.1.0/download", null, null).statusCode());
        registry.close(); // counts still in memory are written when the registry stops
        registry = Registry.start(config());
        assertEquals(9, registry.crates().crate("counted").orElseThrow().downloads());
        assertEquals(4, registry.crates().versions("counted").get(1).downloads());
    }
}

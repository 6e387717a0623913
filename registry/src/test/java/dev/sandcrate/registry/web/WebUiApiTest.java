package dev.sandcrate.registry.web;

import dev.sandcrate.registry.auth.LoginThrottle;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Passwords;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.Database;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The UI's JSON API over real HTTP: sign-in, sessions, CSRF, tokens, crate pages, admin. */
class WebUiApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "correct horse battery";

    @TempDir
    Path tmp;
    Registry registry;

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")));
        long alice = registry.users().add("alice", false).id();
        long root = registry.users().add("root", true).id();
        try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
            Passwords pw = new Passwords(db.jdbi());
            pw.set(alice, PASSWORD);
            pw.set(root, PASSWORD);
        }
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    /** A browser: keeps cookies, sends JSON, echoes the CSRF token once it has one. */
    final class Browser {
        final HttpClient http;
        String csrf;

        Browser() {
            this(null);
        }

        /** A browser on another client address (any 127.x.y.z reaches the loopback server). */
        Browser(java.net.InetAddress from) {
            HttpClient.Builder b = HttpClient.newBuilder().cookieHandler(new CookieManager());
            http = (from == null ? b : b.localAddress(from)).build();
        }

        HttpResponse<String> send(String method, String path, Object body, boolean withCsrf) throws Exception {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path));
            if (body != null) b.header("Content-Type", "application/json");
            if (withCsrf && csrf != null) b.header(WebUi.CSRF_HEADER, csrf);
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }

        JsonNode ok(String method, String path, Object body) throws Exception {
            HttpResponse<String> r = send(method, path, body, true);
            assertTrue(r.statusCode() / 100 == 2, method + " " + path + " -> " + r.statusCode() + " " + r.body());
            return JSON.readTree(r.body());
        }

        JsonNode login(Map<String, ?> body) throws Exception {
            JsonNode s = ok("POST", "/ui/api/login", body);
            csrf = s.get("csrf_token").asText();
            return s;
        }
    }

    static String detail(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).at("/errors/0/detail").asText();
    }

    @Test
    void passwordSignInSetsAStrictHttpOnlyCookieAndTheSessionKnowsTheUser() throws Exception {
        Browser b = new Browser();
        assertTrue(b.ok("GET", "/ui/api/session", null).get("user").isNull());
        HttpResponse<String> r = b.send("POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), false);
        assertEquals(200, r.statusCode(), r.body());
        String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.startsWith(Sessions.cookieName(registry.url()) + "="), cookie);
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        JsonNode s = b.ok("GET", "/ui/api/session", null);
        assertEquals("alice", s.at("/user/login").asText());
        assertFalse(s.get("via_token").asBoolean());

        b.csrf = s.get("csrf_token").asText();
        b.ok("POST", "/ui/api/logout", Map.of());
        assertTrue(b.ok("GET", "/ui/api/session", null).get("user").isNull());
    }

    @Test
    void wrongPasswordsAndUnknownUsersAreRefusedAlikeAndThrottledPerAddressWithBackoff() throws Exception {
        Browser b = new Browser(java.net.InetAddress.getByName("127.0.0.2"));
        HttpResponse<String> wrong = b.send("POST", "/ui/api/login", Map.of("login", "alice", "password", "not the password"), false);
        HttpResponse<String> unknown = b.send("POST", "/ui/api/login", Map.of("login", "nobody", "password", "not the password"), false);
        assertEquals(401, wrong.statusCode());
        assertEquals(401, unknown.statusCode());
        assertEquals(detail(wrong), detail(unknown));
        for (int i = 1; i < LoginThrottle.FREE_FAILURES; i++) {
            assertEquals(401, b.send("POST", "/ui/api/login", Map.of("login", "alice", "password", "guess " + i), false).statusCode());
        }
        // from here each failure doubles the wait (1 s, 2 s, 4 s, ...): a try made at once is soon refused
        HttpResponse<String> blocked = null;
        for (int i = 0; i < 5 && blocked == null; i++) {
            HttpResponse<String> r = b.send("POST", "/ui/api/login", Map.of("login", "alice", "password", "again " + i), false);
            if (r.statusCode() == 429) blocked = r;
            else assertEquals(401, r.statusCode(), r.body());
        }
        assertNotNull(blocked, "repeated failures are slowed down");
        assertTrue(detail(blocked).contains("too many"));
        long retryAfter = Long.parseLong(blocked.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= LoginThrottle.MAX_DELAY.toSeconds(), "a short backoff, not a lockout: " + retryAfter);
        // someone else's guesses from another address never keep alice out
        new Browser().login(Map.of("login", "alice", "password", PASSWORD));
    }

    @Test
    void changesNeedTheCsrfTokenAndASameOriginJsonRequest() throws Exception {
        Browser b = new Browser();
        b.login(Map.of("login", "alice", "password", PASSWORD));
        HttpResponse<String> noCsrf = b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank")), false);
        assertEquals(403, noCsrf.statusCode());
        assertTrue(detail(noCsrf).contains("CSRF"));
        HttpResponse<String> form = b.http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/ui/api/tokens"))
                .header("Content-Type", "application/x-www-form-urlencoded").header(WebUi.CSRF_HEADER, b.csrf)
                .POST(HttpRequest.BodyPublishers.ofString("name=x&scopes=yank")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, form.statusCode());
        HttpResponse<String> crossOrigin = b.http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/ui/api/tokens"))
                .header("Content-Type", "application/json").header(WebUi.CSRF_HEADER, b.csrf).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"scopes\":[\"yank\"]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, crossOrigin.statusCode());
        assertEquals(List.of(), registry.tokens().list("alice"), "no refused request created a token");
    }

    @Test
    void tokensAreShownOnceWorkForCargoAndCanBeRevoked() throws Exception {
        Browser b = new Browser();
        b.login(Map.of("login", "alice", "password", PASSWORD));
        JsonNode created = b.ok("POST", "/ui/api/tokens", Map.of("name", "ci", "scopes", List.of("publish-new", "publish-update"),
                "crates", List.of("webtest-*"), "expires", "2099-12-31"));
        String secret = created.get("secret").asText();
        assertTrue(secret.startsWith("scr_"));
        JsonNode listed = b.ok("GET", "/ui/api/tokens", null).get("tokens");
        assertEquals(1, listed.size());
        assertFalse(listed.toString().contains(secret), "the list never shows secrets");
        assertEquals("[\"publish-new\",\"publish-update\"]", listed.get(0).get("scopes").toString());
        assertEquals("2100-01-01T00:00:00Z", listed.get(0).get("expires_at").asText());

        // the new token publishes like any token; outside its crate pattern it is refused
        assertEquals(200, publish(secret, "webtest-one", "0.1.0").statusCode());
        assertEquals(403, publish(secret, "other", "0.1.0").statusCode());

        long id = listed.get(0).get("id").asLong();
        b.ok("DELETE", "/ui/api/tokens/" + id, null);
        assertTrue(b.ok("GET", "/ui/api/tokens", null).get("tokens").get(0).get("revoked").asBoolean());
        assertEquals(401, publish(secret, "webtest-one", "0.2.0").statusCode());

        // someone else's token id is not yours to revoke
        long rootToken = registry.tokens().create(registry.users().find("root").orElseThrow().id(), "r",
                EnumSet.allOf(Scope.class), List.of(), null).info().id();
        assertEquals(404, b.send("DELETE", "/ui/api/tokens/" + rootToken, null, true).statusCode());
        assertFalse(registry.tokens().list("root").getFirst().revoked());
    }

    @Test
    void badTokenRequestsGetClearErrorsAndCreateNothing() throws Exception {
        Browser b = new Browser();
        b.login(Map.of("login", "alice", "password", PASSWORD));
        assertTrue(detail(b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of()), true)).contains("at least one scope"));
        assertTrue(detail(b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("fly")), true)).contains("unknown scope"));
        assertTrue(detail(b.send("POST", "/ui/api/tokens", Map.of("name", "", "scopes", List.of("yank")), true)).contains("name"));
        assertTrue(detail(b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank"), "crates", List.of("a b")), true)).contains("crate pattern"));
        assertTrue(detail(b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank"), "expires", "2001-01-01"), true)).contains("future"));
        assertEquals(List.of(), registry.tokens().list("alice"));
    }

    @Test
    void aTokenSignInCanGrantOnlyWhatTheTokenMayAndEndsWithIt() throws Exception {
        var t = registry.tokens().create(registry.users().find("alice").orElseThrow().id(), "read-only",
                EnumSet.of(Scope.READ, Scope.YANK), List.of("mine-*"), null);
        Browser b = new Browser();
        JsonNode s = b.login(Map.of("token", t.secret()));
        assertTrue(s.get("via_token").asBoolean());
        assertEquals("[\"yank\",\"read\"]", s.get("scopes").toString());

        HttpResponse<String> wider = b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("publish-new"), "crates", List.of("mine-a")), true);
        assertEquals(403, wider.statusCode());
        assertEquals(403, b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank")), true).statusCode());
        assertEquals(403, b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank"), "crates", List.of("other")), true).statusCode());
        assertEquals(201, b.send("POST", "/ui/api/tokens", Map.of("name", "x", "scopes", List.of("yank"), "crates", List.of("mine-a", "mine-b*")), true).statusCode());
        assertEquals(403, b.send("POST", "/ui/api/password", Map.of("current", PASSWORD, "new", "another password"), true).statusCode());

        registry.tokens().revoke(t.info().id());
        assertTrue(b.ok("GET", "/ui/api/session", null).get("user").isNull(), "revoking the token ends the session");
        assertEquals(401, new Browser().send("POST", "/ui/api/login", Map.of("token", t.secret()), false).statusCode());
    }

    @Test
    void accountKeysAreManagedWithASessionOnTheUiAndWithATokenOnTheApi() throws Exception {
        String paserk = new dev.sandcrate.registry.auth.PasetoSigner().paserkPublic();
        assertEquals(401, new Browser().send("GET", "/ui/api/keys", null, false).statusCode());
        Browser b = new Browser();
        b.login(Map.of("login", "alice", "password", PASSWORD));
        assertEquals(0, b.ok("GET", "/ui/api/keys", null).get("keys").size());
        HttpResponse<String> added = b.send("POST", "/ui/api/keys", Map.of("name", "laptop", "public_key", paserk), true);
        assertEquals(201, added.statusCode(), added.body());
        long id = JSON.readTree(added.body()).at("/key/id").asLong();

        String token = registry.tokens().create(registry.users().find("alice").orElseThrow().id(), "t",
                EnumSet.allOf(Scope.class), List.of(), null).secret();
        HttpResponse<String> listed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/me/keys"))
                .header("Authorization", token).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, listed.statusCode(), listed.body());
        assertEquals("laptop", JSON.readTree(listed.body()).at("/keys/0/name").asText());

        assertEquals(400, b.send("DELETE", "/ui/api/keys/abc", null, true).statusCode());
        assertEquals(404, b.send("DELETE", "/ui/api/keys/" + (id + 1000), null, true).statusCode());
        b.ok("DELETE", "/ui/api/keys/" + id, null);
        assertTrue(b.ok("GET", "/ui/api/keys", null).at("/keys/0/revoked").asBoolean());
    }

    @Test
    void changingThePasswordSignsOutOtherSessions() throws Exception {
        Browser one = new Browser();
        Browser two = new Browser();
        one.login(Map.of("login", "alice", "password", PASSWORD));
        two.login(Map.of("login", "alice", "password", PASSWORD));
        assertEquals(403, one.send("POST", "/ui/api/password", Map.of("current", "wrong password", "new", "another password"), true).statusCode());
        assertEquals(400, one.send("POST", "/ui/api/password", Map.of("current", PASSWORD, "new", "short"), true).statusCode());
        one.ok("POST", "/ui/api/password", Map.of("current", PASSWORD, "new", "another password"));
        assertEquals("alice", one.ok("GET", "/ui/api/session", null).at("/user/login").asText());
        assertTrue(two.ok("GET", "/ui/api/session", null).get("user").isNull());
        assertEquals(401, new Browser().send("POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), false).statusCode());
        new Browser().login(Map.of("login", "alice", "password", "another password"));
    }

    @Test
    void adminPagesAreForAdmins() throws Exception {
        Browser alice = new Browser();
        alice.login(Map.of("login", "alice", "password", PASSWORD));
        assertEquals(403, alice.send("GET", "/ui/api/admin/users", null, true).statusCode());
        Browser root = new Browser();
        root.login(Map.of("login", "root", "password", PASSWORD));
        JsonNode listed = canonical(root.send("GET", "/ui/api/admin/users", null, true));
        assertEquals(List.of("users"), fieldNames(listed));
        assertEquals(2, listed.get("users").size());
        JsonNode rootRow = listed.get("users").get(1);
        assertEquals("{\"login\":\"root\",\"admin\":true,\"created_at\":" + rootRow.get("created_at") + ",\"has_password\":true}",
                rootRow.toString());
        HttpResponse<String> added = root.send("POST", "/ui/api/admin/users", Map.of("login", "bob", "password", "bob's long password", "admin", false), true);
        assertEquals(201, added.statusCode(), added.body());
        assertEquals("{\"login\":\"bob\",\"admin\":false}", added.body());
        assertEquals(400, root.send("POST", "/ui/api/admin/users", Map.of("login", "carol", "password", "short"), true).statusCode());
        assertTrue(registry.users().find("carol").isEmpty(), "a refused user is not half-created");
        new Browser().login(Map.of("login", "bob", "password", "bob's long password"));
    }

    @Test
    void cratePageDataHasVersionsDependenciesReverseDependenciesOwnersAndASafeReadme() throws Exception {
        String token = registry.tokens().create(registry.users().find("alice").orElseThrow().id(), "t",
                EnumSet.allOf(Scope.class), List.of(), null).secret();
        assertEquals(200, publish(token, crate("base", "1.0.0", "", """
                <!-- a note for editors -->
                # Base

                Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>.
                [click](javascript:alert(3)) ![badge](https://ci.example/badge.svg) [page](data:text/html,<b>x</b>)

                | a | b |
                |---|---|
                | 1 | 2 |
                """)).statusCode());
        assertEquals(200, publish(token, crate("base", "1.1.0", "", null)).statusCode());
        assertEquals(200, publish(token, crate("user-crate", "0.3.0", "[dependencies]\nbase = { version = \"1\", registry-index = \""
                + registry.sparseIndexUrl() + "\" }\n", null)).statusCode());
        registry.crates().setYanked(registry.tokens().authenticate(token).orElseThrow(), "base", "1.1.0", true);

        Browser b = new Browser();
        JsonNode page = b.ok("GET", "/ui/api/crates/base", null);
        assertEquals("1.0.0", page.at("/version/num").asText(), "the newest version that is not yanked is shown");
        assertEquals(List.of("1.1.0", "1.0.0"), page.get("versions").findValuesAsText("num"));
        assertTrue(page.at("/versions/0/yanked").asBoolean());
        assertEquals("[\"alice\"]", page.get("owners").toString());
        assertEquals("user-crate", page.at("/reverse_dependencies/0/name").asText());
        String readme = page.at("/version/readme_html").asText();
        assertTrue(readme.contains("<h1>Base</h1>"), readme);
        assertTrue(readme.contains("<table>"), readme);
        assertFalse(readme.contains("<script"), readme);
        assertFalse(readme.contains("<img"), readme);
        assertFalse(readme.toLowerCase().contains("javascript:"), readme);
        assertFalse(readme.toLowerCase().contains("data:"), "data: links are dropped: " + readme);
        assertTrue(readme.contains(">page</a>"), "a dropped link keeps its text: " + readme);
        assertTrue(readme.contains("&lt;script&gt;"), readme);
        assertFalse(readme.contains("note for editors"), "HTML comments are dropped: " + readme);
        assertTrue(readme.contains("href=\"https://ci.example/badge.svg\""), "images become links: " + readme);

        JsonNode yanked = b.ok("GET", "/ui/api/crates/base?version=1.1.0", null);
        assertTrue(yanked.at("/version/yanked").asBoolean());
        assertTrue(yanked.at("/version/readme_html").isNull());
        JsonNode user = b.ok("GET", "/ui/api/crates/user-crate", null);
        assertEquals("base", user.at("/version/dependencies/0/crate").asText());
        assertTrue(user.at("/version/dependencies/0/local").asBoolean());
        assertEquals(404, b.send("GET", "/ui/api/crates/nope", null, false).statusCode());
        assertEquals(404, b.send("GET", "/ui/api/crates/base?version=9.9.9", null, false).statusCode());

        JsonNode home = b.ok("GET", "/ui/api/home", null);
        assertEquals(2, home.at("/stats/crates").asInt());
        assertEquals(3, home.at("/stats/versions").asInt());
        assertEquals("user-crate", home.at("/recent/0/name").asText());
        assertEquals("base", b.ok("GET", "/ui/api/search?q=bas", null).at("/crates/0/name").asText());
    }

    /**
     * The JSON the pages and cargo read, byte for byte where its order is fixed: every object built in a fixed field
     * order (crate and version data of the UI and the cargo API, home, search, tokens, session) keeps its fields,
     * their order and their values. Objects built from {@code Map.of} (a few wrappers) have no fixed order and are
     * compared by field set.
     */
    @Test
    void crateAndAccountJsonKeepTheirFieldsOrderAndValues() throws Exception {
        String token = registry.tokens().create(registry.users().find("alice").orElseThrow().id(), "t",
                EnumSet.allOf(Scope.class), List.of(), null).secret();
        assertEquals(200, publish(token, crate("wire", "1.0.0", "repository = \"https://git.example/wire\"\nhomepage = \"javascript:x\"\n"
                + "keywords = [\"k\"]\n[features]\ndefault = [\"a\"]\na = []\n", "# Wire\n")).statusCode());
        assertEquals(200, publish(token, crate("wire", "1.1.0", "", null)).statusCode());
        assertEquals(200, publish(token, crate("wire-user", "0.1.0", "[dependencies]\nwire = { version = \"1\", optional = true, registry-index = \""
                + registry.sparseIndexUrl() + "\" }\n", null)).statusCode());
        registry.crates().setYanked(registry.tokens().authenticate(token).orElseThrow(), "wire", "1.1.0", true);
        var rows = registry.crates().versions("wire");
        String t0 = java.time.Instant.ofEpochMilli(rows.get(0).createdAt()).toString();
        String t1 = java.time.Instant.ofEpochMilli(rows.get(1).createdAt()).toString();
        String c0 = rows.get(0).cksum();
        String c1 = rows.get(1).cksum();

        // cargo's API
        HttpResponse<String> api = new Browser().send("GET", "/api/v1/crates/wire", null, false);
        JsonNode apiJson = canonical(api);
        assertEquals(Set.of("crate", "versions"), fieldSet(apiJson));
        assertEquals("{\"name\":\"wire\",\"description\":\"web test crate wire\",\"downloads\":0,\"max_version\":\"1.0.0\"}",
                apiJson.get("crate").toString());
        assertEquals("[{\"num\":\"1.1.0\",\"cksum\":\"" + c1 + "\",\"yanked\":true,\"created_at\":\"" + t1
                + "\",\"downloads\":0,\"dl_path\":\"/api/v1/crates/wire/1.1.0/download\"},"
                + "{\"num\":\"1.0.0\",\"cksum\":\"" + c0 + "\",\"yanked\":false,\"created_at\":\"" + t0
                + "\",\"downloads\":0,\"dl_path\":\"/api/v1/crates/wire/1.0.0/download\"}]", apiJson.get("versions").toString());
        JsonNode apiSearch = canonical(new Browser().send("GET", "/api/v1/crates?q=wire&per_page=1", null, false));
        assertEquals(Set.of("crates", "meta"), fieldSet(apiSearch));
        assertEquals("[{\"name\":\"wire\",\"max_version\":\"1.0.0\",\"description\":\"web test crate wire\",\"downloads\":0}]",
                apiSearch.get("crates").toString());
        assertEquals("{\"total\":2}", apiSearch.get("meta").toString());

        // the UI's crate page
        Browser b = new Browser();
        JsonNode page = canonical(b.send("GET", "/ui/api/crates/wire", null, false));
        assertEquals(List.of("name", "description", "downloads", "max_version", "version", "versions", "owners", "reverse_dependencies"),
                fieldNames(page));
        assertEquals("wire|web test crate wire|0|1.0.0|[\"alice\"]", String.join("|", page.get("name").asText(),
                page.get("description").asText(), page.get("downloads").toString(), page.get("max_version").asText(), page.get("owners").toString()));
        JsonNode v = page.get("version");
        String readmeHtml = JSON.writeValueAsString(v.get("readme_html").asText());
        assertEquals("{\"num\":\"1.0.0\",\"yanked\":false,\"published_at\":\"" + t0 + "\",\"downloads\":0,\"cksum\":\"" + c0
                + "\",\"size\":" + v.get("size").asInt() + ",\"dl_path\":\"/api/v1/crates/wire/1.0.0/download\",\"proc_macro\":false,"
                + "\"license\":\"MIT\",\"repository\":\"https://git.example/wire\",\"homepage\":null,\"documentation\":null,"
                + "\"keywords\":[\"k\"],\"categories\":[],\"authors\":[],\"rust_version\":null,\"links\":null,"
                + "\"features\":{\"a\":[],\"default\":[\"a\"]},\"dependencies\":[],\"readme_path\":\"README.md\",\"readme_html\":"
                + readmeHtml + ",\"readme_failure\":null}", v.toString());
        assertTrue(v.get("size").asInt() > 0);
        assertEquals(2, page.get("versions").size());
        for (JsonNode listed : page.get("versions")) assertEquals(Set.of("num", "yanked", "published_at", "downloads"), fieldSet(listed));
        assertEquals("1.1.0|true|" + t1 + "|0", String.join("|", page.at("/versions/0/num").asText(),
                page.at("/versions/0/yanked").toString(), page.at("/versions/0/published_at").asText(), page.at("/versions/0/downloads").toString()));
        assertEquals("[{\"name\":\"wire-user\",\"version\":\"0.1.0\",\"req\":\"1\",\"kind\":\"normal\",\"optional\":true}]",
                page.get("reverse_dependencies").toString());
        JsonNode user = canonical(b.send("GET", "/ui/api/crates/wire-user", null, false));
        assertEquals("[{\"name\":\"wire\",\"crate\":\"wire\",\"req\":\"1\",\"kind\":\"normal\",\"optional\":true,\"target\":null,"
                + "\"features\":[],\"registry\":null,\"local\":true}]", user.at("/version/dependencies").toString());

        // home and search
        JsonNode home = canonical(b.send("GET", "/ui/api/home", null, false));
        assertEquals(List.of("recent", "stats", "precompile"), fieldNames(home));
        assertEquals("{\"crates\":2,\"versions\":3,\"downloads\":0}", home.get("stats").toString());
        assertEquals("{\"name\":\"wire\",\"version\":\"1.1.0\",\"published_at\":\"" + t1
                + "\",\"description\":\"web test crate wire\",\"yanked\":true}", home.at("/recent/1").toString());
        JsonNode search = canonical(b.send("GET", "/ui/api/search?q=wire", null, false));
        assertEquals(List.of("crates", "total", "page", "per_page"), fieldNames(search));
        assertEquals("2|1|20", search.get("total") + "|" + search.get("page") + "|" + search.get("per_page"));
        assertEquals("{\"name\":\"wire\",\"max_version\":\"1.0.0\",\"description\":\"web test crate wire\",\"downloads\":0}",
                search.at("/crates/0").toString());

        // session and tokens
        HttpResponse<String> signIn = b.send("POST", "/ui/api/login", Map.of("login", "alice", "password", PASSWORD), false);
        JsonNode session = canonical(signIn);
        b.csrf = session.get("csrf_token").asText();
        assertEquals(List.of("auth_required", "url", "user", "csrf_token", "via_token", "scopes", "crates"), fieldNames(session));
        assertEquals("[\"publish-new\",\"publish-update\",\"yank\",\"change-owners\",\"read\"]", session.get("scopes").toString());
        assertEquals("{\"auth_required\":false,\"url\":" + session.get("url") + ",\"user\":{\"login\":\"alice\",\"admin\":false},"
                + "\"csrf_token\":\"" + b.csrf + "\",\"via_token\":false,\"scopes\":[\"publish-new\",\"publish-update\",\"yank\","
                + "\"change-owners\",\"read\"],\"crates\":[]}", session.toString());
        assertEquals(session, canonical(b.send("GET", "/ui/api/session", null, false)));
        assertEquals("{\"auth_required\":false,\"url\":" + session.get("url") + ",\"user\":null}",
                canonical(new Browser().send("GET", "/ui/api/session", null, false)).toString());
        HttpResponse<String> created = b.send("POST", "/ui/api/tokens", Map.of("name", "ci", "scopes", List.of("yank"), "crates", List.of("wire*")), true);
        assertEquals(201, created.statusCode());
        JsonNode tok = canonical(created).get("token");
        assertEquals("{\"id\":" + tok.get("id") + ",\"name\":\"ci\",\"scopes\":[\"yank\"],\"crates\":[\"wire*\"],\"created_at\":"
                + tok.get("created_at") + ",\"expires_at\":null,\"last_used_at\":null,\"expired\":false,\"revoked\":false}", tok.toString());
        assertEquals(tok.toString(), canonical(b.send("GET", "/ui/api/tokens", null, false)).at("/tokens/1").toString());
        JsonNode tokens = canonical(b.send("GET", "/ui/api/tokens", null, false));
        assertEquals(List.of("tokens"), fieldNames(tokens));
        assertEquals(2, tokens.get("tokens").size());
        assertEquals(List.of("secret", "token"), fieldNames(canonical(created)));

        // keys, on the account page and cargo's API alike
        HttpResponse<String> added = b.send("POST", "/ui/api/keys", Map.of("name", "laptop", "public_key",
                new dev.sandcrate.registry.auth.PasetoSigner().paserkPublic(), "scopes", List.of("yank", "read")), true);
        JsonNode key = canonical(added).get("key");
        assertEquals("{\"key\":" + key + "}", added.body());
        assertEquals("{\"id\":" + key.get("id") + ",\"name\":\"laptop\",\"public_key\":" + key.get("public_key") + ",\"key_id\":"
                + key.get("key_id") + ",\"scopes\":[\"yank\",\"read\"],\"crates\":[],\"created_at\":" + key.get("created_at")
                + ",\"last_used_at\":null,\"revoked\":false}", key.toString());
        assertEquals("{\"keys\":[" + key + "]}", canonical(b.send("GET", "/ui/api/keys", null, false)).toString());
        assertEquals("{\"ok\":true}", canonical(b.send("DELETE", "/ui/api/keys/" + key.get("id"), null, true)).toString());
    }

    /** The parsed body of a 2xx answer, checked to be exactly what Jackson writes for it (so field order is the wire's). */
    static JsonNode canonical(HttpResponse<String> r) throws Exception {
        assertEquals(2, r.statusCode() / 100, r.body());
        JsonNode n = JSON.readTree(r.body());
        assertEquals(r.body(), JSON.writeValueAsString(n));
        return n;
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    static Set<String> fieldSet(JsonNode n) {
        return Set.copyOf(fieldNames(n));
    }

    @Test
    void hostileReadmesAreRenderedOnceWithinABudgetAndShownAsEscapedTextWhenRenderingFails() throws Exception {
        String token = registry.tokens().create(registry.users().find("alice").orElseThrow().id(), "t",
                EnumSet.allOf(Scope.class), List.of(), null).secret();
        // quadratic autolink scanning, a list nested 120000 deep, a quote nested 300000 deep
        Map<String, String> hostile = Map.of("slow-links", "<a".repeat(250_000), "deep-list", "- ".repeat(120_000),
                "deep-quote", ">".repeat(300_000));
        for (var e : hostile.entrySet()) assertEquals(200, publish(token, crate(e.getKey(), "1.0.0", "", e.getValue())).statusCode());
        assertEquals(200, publish(token, crate("fine", "1.0.0", "", "# Fine\n")).statusCode());

        Browser b = new Browser();
        assertTimeoutPreemptively(Duration.ofSeconds(150), () -> {
            for (var e : hostile.entrySet()) {
                JsonNode page = b.ok("GET", "/ui/api/crates/" + e.getKey(), null);
                String html = page.at("/version/readme_html").asText();
                if (e.getKey().equals("deep-list") && page.at("/version/readme_failure").isNull()) {
                    assertEquals("<hr />", html.strip(), "`- - - ...` is one thematic break, when the renderer copes");
                    continue;
                }
                assertTrue(html.startsWith("<pre>" + CrateDocs.escape(e.getValue().substring(0, 20))), e.getKey() + ": " + html);
                assertFalse(page.at("/version/readme_failure").isNull(), e.getKey());
            }
            assertTrue(b.ok("GET", "/ui/api/crates/fine", null).at("/version/readme_html").asText().contains("<h1>Fine</h1>"));
            // every render is stored, the failures included, so no later view renders again
            try (Database db = Database.open(tmp.resolve("data"), DatabaseConfig.EMBEDDED)) {
                while (db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM readmes").mapTo(Integer.class).one()) < 4) Thread.sleep(200);
                int failed = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM readmes WHERE failure IS NOT NULL")
                        .mapTo(Integer.class).one());
                assertTrue(failed >= 2, failed + " failed renders stored");
            }
        });
        // dependents found under cargo's name folding: `dash_lib` names the crate `dash-lib`; `_` is no wildcard for others
        assertEquals(200, publish(token, crate("dash-lib", "1.0.0", "", null)).statusCode());
        assertEquals(200, publish(token, crate("dashxlib", "1.0.0", "", null)).statusCode());
        assertEquals(200, publish(token, crate("snake-user", "0.1.0", "[dependencies]\ndash_lib = { version = \"1\", registry-index = \""
                + registry.sparseIndexUrl() + "\" }\n", null)).statusCode());
        assertEquals("[\"snake-user\"]", b.ok("GET", "/ui/api/crates/dash-lib", null).get("reverse_dependencies").findValuesAsText("name").stream()
                .map(n -> "\"" + n + "\"").toList().toString().replace(" ", ""));
        assertTrue(b.ok("GET", "/ui/api/crates/dashxlib", null).get("reverse_dependencies").isEmpty());
    }

    @Test
    void anAuthRequiredRegistryShowsNothingToAnonymousVisitors() throws Exception {
        registry.close();
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true));
        Browser b = new Browser();
        assertEquals(401, b.send("GET", "/ui/api/home", null, false).statusCode());
        assertEquals(401, b.send("GET", "/ui/api/search?q=a", null, false).statusCode());
        assertEquals(200, b.send("GET", "/", null, false).statusCode(), "the shell itself loads, to show the sign-in page");
        b.login(Map.of("login", "alice", "password", PASSWORD));
        assertEquals(200, b.send("GET", "/ui/api/home", null, false).statusCode());
        JsonNode setup = b.ok("GET", "/ui/api/setup?name=corp", null);
        assertTrue(setup.toString().contains("global-credential-providers"), setup.toString());

        // the pages also read the registry's API (precompile reports, logs, downloads) with the session, read-only
        Browser anonymous = new Browser();
        assertEquals(401, anonymous.send("GET", "/index/config.json", null, false).statusCode());
        assertEquals(200, b.send("GET", "/index/config.json", null, false).statusCode());
        assertEquals(401, anonymous.send("GET", "/api/v1/crates/nope/1.0.0/precompiled", null, false).statusCode());
        HttpResponse<String> report = b.send("GET", "/api/v1/crates/nope/1.0.0/precompiled", null, false);
        assertEquals(404, report.statusCode(), "past the read check, the crate is simply unknown: " + report.body());
        HttpResponse<String> request = b.send("POST", "/api/v1/crates/nope/1.0.0/precompiled", Map.of("features", List.of()), true);
        assertEquals(401, request.statusCode(), "changes through the API still need a token: " + request.body());
    }

    @Test
    void registriesOnOneHostUseTheirOwnSessionCookie() {
        assertNotEquals(Sessions.cookieName("http://127.0.0.1:8080"), Sessions.cookieName("http://127.0.0.1:8081"));
        assertEquals(Sessions.cookieName("https://crates.example"), Sessions.cookieName("https://crates.example/"));
    }

    @Test
    void pagesAndAssetsComeFromTheJarWithStrictHeaders() throws Exception {
        Browser b = new Browser();
        for (String page : List.of("/", "/crates/x", "/crates/x/1.0.0", "/account", "/setup", "/search")) {
            HttpResponse<String> r = b.send("GET", page, null, false);
            assertEquals(200, r.statusCode(), page);
            assertTrue(r.body().contains("<script type=\"module\" src=\"/assets/app.js\">"), page);
            assertEquals(Assets.CSP, r.headers().firstValue("Content-Security-Policy").orElseThrow());
        }
        HttpResponse<String> js = b.send("GET", "/assets/app.js", null, false);
        assertEquals(200, js.statusCode());
        assertTrue(js.headers().firstValue("Content-Type").orElseThrow().startsWith("text/javascript"));
        String etag = js.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = b.http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/assets/app.js"))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(304, again.statusCode());
        assertEquals(404, b.send("GET", "/assets/../index.html", null, false).statusCode());
        assertEquals(404, b.send("GET", "/assets/nope.js", null, false).statusCode());
        // every asset the pages reference is served, and none comes from another host
        for (String asset : List.of("lib.js", "style.css", "favicon.svg", "views/home.js", "views/crate.js", "views/account.js",
                "views/login.js", "views/admin.js", "views/setup.js", "views/search.js")) {
            HttpResponse<String> r = b.send("GET", "/assets/" + asset, null, false);
            assertEquals(200, r.statusCode(), asset);
            String body = r.body().replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
            assertFalse(body.matches("(?s).*(https?:)?//[a-z0-9.-]+\\.(com|org|net|io)/.*"), asset + " references another host");
        }
    }

    @Test
    void playgroundRefusesBadInputBeforeRunningAnything() throws Exception {
        Browser b = new Browser();
        JsonNode pg = b.ok("GET", "/ui/api/playground", null);
        assertEquals(0, pg.get("macros").size(), "nothing is verified in a fresh registry");
        assertEquals(10, pg.at("/limits/timeout_s").asInt());
        String unknown = "0".repeat(64);
        HttpResponse<String> missing = b.send("POST", "/ui/api/playground", Map.of("artifact", unknown, "kind", "derive", "name", "Serialize", "input", "struct A;"), true);
        assertEquals(404, missing.statusCode());
        assertTrue(detail(missing).contains("no verified artifact"));
        assertEquals(400, b.send("POST", "/ui/api/playground", Map.of("artifact", unknown, "kind", "derive", "name", "X", "input", " "), true).statusCode());
        assertEquals(413, b.send("POST", "/ui/api/playground", Map.of("artifact", unknown, "kind", "derive", "name", "X",
                "input", "x".repeat(Playground.MAX_INPUT_CHARS + 1)), true).statusCode());
    }

    /** A call to the admin API with a token in the Authorization header, as cargo and scripts make it. */
    HttpResponse<String> api(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(registry.url() + path)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) b.header("Authorization", token);
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAdminApiAndTheAdminPageGiveTheSamePrincipalTheSameAnswer() throws Exception {
        long root = registry.users().find("root").orElseThrow().id();
        long alice = registry.users().find("alice").orElseThrow().id();
        Map<String, String> tokens = new java.util.LinkedHashMap<>();
        tokens.put("admin, unrestricted", registry.tokens().create(root, "full", EnumSet.allOf(Scope.class), List.of(), null).secret());
        tokens.put("admin, read scope only", registry.tokens().create(root, "read", EnumSet.of(Scope.READ), List.of(), null).secret());
        tokens.put("admin, some crates", registry.tokens().create(root, "some", EnumSet.allOf(Scope.class), List.of("mine-*"), null).secret());
        tokens.put("not an admin", registry.tokens().create(alice, "full", EnumSet.allOf(Scope.class), List.of(), null).secret());
        for (var t : tokens.entrySet()) {
            Browser b = new Browser();
            b.login(Map.of("token", t.getValue()));
            HttpResponse<String> viaApi = api("GET", "/api/v1/admin/precompile/policy", t.getValue());
            HttpResponse<String> viaPage = b.send("GET", "/ui/api/admin/precompile", null, true);
            assertEquals(viaApi.statusCode(), viaPage.statusCode(), t.getKey() + ": " + viaApi.body() + " / " + viaPage.body());
            if (viaApi.statusCode() == 200) continue;
            assertEquals(403, viaApi.statusCode(), t.getKey());
            assertEquals(detail(viaApi), detail(viaPage), t.getKey());
            // the changes answer the same as the reads
            HttpResponse<String> denyViaApi = api("PUT", "/api/v1/admin/precompile/deny/foo", t.getValue());
            HttpResponse<String> denyViaPage = b.send("POST", "/ui/api/admin/precompile/policy", Map.of("action", "deny", "crate", "foo"), true);
            assertEquals(List.of(403, detail(viaApi)), List.of(denyViaApi.statusCode(), detail(denyViaApi)), t.getKey());
            assertEquals(List.of(403, detail(viaApi)), List.of(denyViaPage.statusCode(), detail(denyViaPage)), t.getKey());
            HttpResponse<String> retryViaApi = api("POST", "/api/v1/admin/precompile/jobs/x/retry", t.getValue());
            assertEquals(List.of(403, detail(viaApi)), List.of(retryViaApi.statusCode(), detail(retryViaApi)), t.getKey());
        }
        assertEquals(200, api("GET", "/api/v1/admin/precompile/policy", tokens.get("admin, unrestricted")).statusCode());
        assertTrue(detail(api("GET", "/api/v1/admin/precompile/policy", tokens.get("admin, some crates"))).contains("is restricted"));
        assertTrue(detail(api("GET", "/api/v1/admin/precompile/policy", tokens.get("not an admin"))).contains("user alice is not an admin"));

        // an empty ?version= means the whole crate, as the admin page's empty version field does
        String admin = tokens.get("admin, unrestricted");
        HttpResponse<String> deny = api("PUT", "/api/v1/admin/precompile/deny/foo?version=", admin);
        assertEquals(200, deny.statusCode(), deny.body());
        assertTrue(JSON.readTree(deny.body()).get("msg").asText().startsWith("foo denied;"), deny.body());
        Browser page = new Browser();
        page.login(Map.of("login", "root", "password", PASSWORD));
        JsonNode policy = page.ok("GET", "/ui/api/admin/precompile", null).get("policy");
        assertEquals(1, policy.size(), policy.toString());
        assertEquals("foo", policy.at("/0/entry").asText());
        HttpResponse<String> clearAgain = page.send("DELETE", "/ui/api/admin/precompile/policy?crate=foo&version=", null, true);
        assertEquals(200, clearAgain.statusCode(), clearAgain.body());
        HttpResponse<String> gone = api("DELETE", "/api/v1/admin/precompile/policy/foo?version=", admin);
        assertEquals(404, gone.statusCode());
        assertEquals(detail(gone), detail(page.send("DELETE", "/ui/api/admin/precompile/policy?crate=foo", null, true)));
        // the admin page gives a reason as the API does
        HttpResponse<String> withReason = page.send("POST", "/ui/api/admin/precompile/policy",
                Map.of("action", "deny", "crate", "foo", "reason", "expands differently on bar 1.0"), true);
        assertEquals(200, withReason.statusCode(), withReason.body());
        assertEquals("expands differently on bar 1.0", page.ok("GET", "/ui/api/admin/precompile", null).get("policy").at("/0/reason").asText());
        assertEquals(200, page.send("DELETE", "/ui/api/admin/precompile/policy?crate=foo", null, true).statusCode());
        HttpResponse<String> noJob = api("POST", "/api/v1/admin/precompile/jobs/999/retry", admin);
        assertEquals(List.of(404, detail(noJob)), List.of(page.send("POST", "/ui/api/admin/precompile/jobs/999/retry", Map.of(), true).statusCode(),
                detail(page.send("POST", "/ui/api/admin/precompile/jobs/999/retry", Map.of(), true))));
    }

    @Test
    void precompileAdministrationIsForAdminsAndChecksItsInput() throws Exception {
        Browser alice = new Browser();
        alice.login(Map.of("login", "alice", "password", PASSWORD));
        assertEquals(403, alice.send("GET", "/ui/api/admin/precompile", null, true).statusCode());
        assertEquals(403, alice.send("POST", "/ui/api/admin/precompile/policy", Map.of("action", "deny", "crate", "foo"), true).statusCode());

        Browser root = new Browser();
        root.login(Map.of("login", "root", "password", PASSWORD));
        JsonNode pc = root.ok("GET", "/ui/api/admin/precompile", null);
        assertTrue(pc.has("toolchain") && pc.get("jobs").isArray() && pc.get("policy").isEmpty(), pc.toString());
        root.ok("POST", "/ui/api/admin/precompile/policy", Map.of("action", "deny", "crate", "foo", "version", "1.0.0"));
        JsonNode policy = root.ok("GET", "/ui/api/admin/precompile", null).get("policy");
        assertEquals("foo@1.0.0", policy.at("/0/entry").asText());
        assertEquals("deny", policy.at("/0/action").asText());
        assertEquals("root", policy.at("/0/by").asText());
        assertEquals(400, root.send("POST", "/ui/api/admin/precompile/policy", Map.of("action", "maybe", "crate", "foo"), true).statusCode());
        assertEquals(400, root.send("POST", "/ui/api/admin/precompile/policy", Map.of("action", "deny"), true).statusCode());
        root.ok("DELETE", "/ui/api/admin/precompile/policy?crate=foo&version=1.0.0", null);
        assertEquals(404, root.send("DELETE", "/ui/api/admin/precompile/policy?crate=foo&version=1.0.0", null, true).statusCode());
        assertTrue(root.ok("GET", "/ui/api/admin/precompile", null).get("policy").isEmpty());
        assertEquals(404, root.send("POST", "/ui/api/admin/precompile/jobs/999/retry", Map.of(), true).statusCode());
    }


    // ---------------------------------------------------------------- helpers

    HttpResponse<String> publish(String token, String name, String version) throws Exception {
        return publish(token, crate(name, version, "", null));
    }

    HttpResponse<String> publish(String token, CratePacker.PackedCrate crate) throws Exception {
        byte[] meta = ("{\"name\":\"" + crate.name() + "\",\"vers\":\"" + crate.version() + "\",\"deps\":[],\"features\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        body.writeBytes(len.putInt(0, meta.length).array());
        body.writeBytes(meta);
        body.writeBytes(len.putInt(0, crate.bytes().length).array());
        body.writeBytes(crate.bytes());
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    CratePacker.PackedCrate crate(String name, String version, String extraToml, String readme) throws Exception {
        Path dir = Files.createTempDirectory(tmp, name);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"" + name + "\"\nversion = \"" + version
                + "\"\nedition = \"2021\"\ndescription = \"web test crate " + name + "\"\nlicense = \"MIT\"\n" + extraToml);
        Files.writeString(dir.resolve("src/lib.rs"), "pub fn f() {}\n");
        if (readme != null) Files.writeString(dir.resolve("README.md"), readme);
        return CratePacker.pack(dir);
    }
}

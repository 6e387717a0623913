package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.http.ApiJson;
import io.javalin.json.JavalinJackson;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The UI's typed answers serialize, through Javalin's JSON mapper, to the bytes the maps they replaced gave (the maps
 * are kept here as they were, and the exact JSON is spelled out once). Where the old code used {@code Map.of}, whose
 * order is not defined, the JSON is compared as a tree and the record's order is pinned by the spelled-out string.
 */
class PageJsonTest {
    private static final JavalinJackson JAVALIN = new JavalinJackson();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long T = 1_700_000_000_000L;
    private static final String AT = Instant.ofEpochMilli(T).toString();

    private static String json(Object o) {
        return JAVALIN.toJsonString(o, o.getClass());
    }

    private static void sameTree(Object old, Object now) throws Exception {
        assertEquals(JSON.readTree(json(old)), JSON.readTree(json(now)));
    }

    @Test
    void sessionsAreTheOldJson() throws Exception {
        Map<String, Object> anonymous = new LinkedHashMap<>();
        anonymous.put("auth_required", false);
        anonymous.put("url", "http://r.example");
        anonymous.put("user", null);
        assertEquals(json(anonymous), json(PageJson.Session.anonymous(false, "http://r.example")));
        assertEquals("{\"auth_required\":true,\"url\":\"http://r.example\",\"user\":null}", json(PageJson.Session.anonymous(true, "http://r.example")));

        Map<String, Object> signedIn = new LinkedHashMap<>();
        signedIn.put("auth_required", true);
        signedIn.put("url", "http://r.example");
        signedIn.put("user", Map.of("login", "alice", "admin", false));
        signedIn.put("csrf_token", "c5rf");
        signedIn.put("via_token", true);
        signedIn.put("scopes", List.of("yank", "read"));
        signedIn.put("crates", List.of("mine-*"));
        PageJson.Session session = new PageJson.Session(true, "http://r.example", new PageJson.User("alice", false), "c5rf", true,
                PageJson.labels(EnumSet.of(Scope.READ, Scope.YANK)), List.of("mine-*"));
        sameTree(signedIn, session);
        assertEquals("{\"auth_required\":true,\"url\":\"http://r.example\",\"user\":{\"login\":\"alice\",\"admin\":false},"
                + "\"csrf_token\":\"c5rf\",\"via_token\":true,\"scopes\":[\"yank\",\"read\"],\"crates\":[\"mine-*\"]}", json(session));
    }

    /** The account page's token, as the map it was. */
    static Map<String, Object> oldToken(Tokens.TokenInfo t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("scopes", t.scopes().stream().sorted().map(Scope::label).toList());
        m.put("crates", t.cratePatterns());
        m.put("created_at", Instant.ofEpochMilli(t.createdAt()).toString());
        m.put("expires_at", t.expiresAt() == null ? null : Instant.ofEpochMilli(t.expiresAt()).toString());
        m.put("last_used_at", t.lastUsedAt() == null ? null : Instant.ofEpochMilli(t.lastUsedAt()).toString());
        m.put("expired", t.expiresAt() != null && t.expiresAt() <= System.currentTimeMillis());
        m.put("revoked", t.revoked());
        return m;
    }

    @Test
    void tokensAreTheOldJson() throws Exception {
        List<Tokens.TokenInfo> infos = List.of(
                new Tokens.TokenInfo(3, "alice", "ci", EnumSet.of(Scope.YANK, Scope.PUBLISH_NEW), List.of("wire*"), null, T, null, false),
                new Tokens.TokenInfo(4, "alice", "old", EnumSet.of(Scope.READ), List.of(), T + 1, T, T + 2, true),
                new Tokens.TokenInfo(5, "alice", "later", EnumSet.allOf(Scope.class), List.of(), Long.MAX_VALUE / 2, T, null, false));
        for (Tokens.TokenInfo t : infos) assertEquals(json(oldToken(t)), json(PageJson.Token.of(t)), t.name());
        assertEquals("{\"id\":4,\"name\":\"old\",\"scopes\":[\"read\"],\"crates\":[],\"created_at\":\"" + AT + "\",\"expires_at\":\""
                + Instant.ofEpochMilli(T + 1) + "\",\"last_used_at\":\"" + Instant.ofEpochMilli(T + 2)
                + "\",\"expired\":true,\"revoked\":true}", json(PageJson.Token.of(infos.get(1))));

        List<PageJson.Token> listed = infos.stream().map(PageJson.Token::of).toList();
        sameTree(Map.of("tokens", infos.stream().map(PageJsonTest::oldToken).toList()), new PageJson.TokenList(listed));
        assertEquals("{\"tokens\":" + json(listed) + "}", json(new PageJson.TokenList(listed)));
        sameTree(Map.of("secret", "s3cret", "token", oldToken(infos.get(0))), new PageJson.CreatedToken("s3cret", listed.get(0)));
        assertEquals("{\"secret\":\"s3cret\",\"token\":" + json(listed.get(0)) + "}", json(new PageJson.CreatedToken("s3cret", listed.get(0))));
    }

    /** A registered key, as the map it was. */
    static Map<String, Object> oldKey(AsymmetricKeys.KeyInfo k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", k.id());
        m.put("name", k.name());
        m.put("public_key", k.publicKey());
        m.put("key_id", k.keyId());
        m.put("scopes", k.scopes().stream().sorted().map(Scope::label).toList());
        m.put("crates", k.cratePatterns());
        m.put("created_at", Instant.ofEpochMilli(k.createdAt()).toString());
        m.put("last_used_at", k.lastUsedAt() == null ? null : Instant.ofEpochMilli(k.lastUsedAt()).toString());
        m.put("revoked", k.revoked());
        return m;
    }

    @Test
    void keysAreTheOldJson() throws Exception {
        AsymmetricKeys.KeyInfo fresh = new AsymmetricKeys.KeyInfo(1, "alice", "laptop", "k3.public.x", "k3.pid.y",
                EnumSet.of(Scope.READ, Scope.PUBLISH_UPDATE), List.of("a*"), T, null, false);
        AsymmetricKeys.KeyInfo used = new AsymmetricKeys.KeyInfo(2, "alice", "ci", "k3.public.z", "k3.pid.w",
                EnumSet.noneOf(Scope.class), List.of(), T, T + 5, true);
        for (AsymmetricKeys.KeyInfo k : List.of(fresh, used)) assertEquals(json(oldKey(k)), json(PageJson.Key.of(k)), k.name());
        assertEquals("{\"id\":1,\"name\":\"laptop\",\"public_key\":\"k3.public.x\",\"key_id\":\"k3.pid.y\",\"scopes\":[\"publish-update\",\"read\"],"
                + "\"crates\":[\"a*\"],\"created_at\":\"" + AT + "\",\"last_used_at\":null,\"revoked\":false}", json(PageJson.Key.of(fresh)));
        sameTree(Map.of("keys", List.of(oldKey(fresh), oldKey(used))), new PageJson.KeyList(List.of(PageJson.Key.of(fresh), PageJson.Key.of(used))));
        sameTree(Map.of("key", oldKey(fresh)), new PageJson.CreatedKey(PageJson.Key.of(fresh)));
    }

    @Test
    void adminUsersAreTheOldJson() throws Exception {
        Map<String, Object> old = Map.of("login", "root", "admin", true, "created_at", AT, "has_password", false);
        PageJson.ListedUser user = new PageJson.ListedUser("root", true, AT, false);
        sameTree(Map.of("users", List.of(old)), new PageJson.UserList(List.of(user)));
        assertEquals("{\"users\":[{\"login\":\"root\",\"admin\":true,\"created_at\":\"" + AT + "\",\"has_password\":false}]}",
                json(new PageJson.UserList(List.of(user))));
        sameTree(Map.of("login", "bob", "admin", false), new PageJson.User("bob", false));
        assertEquals("{\"login\":\"bob\",\"admin\":false}", json(new PageJson.User("bob", false)));
    }

    @Test
    void homeSearchSetupAndPlaygroundAreTheOldJson() throws Exception {
        List<PageJson.Recent> recent = List.of(new PageJson.Recent("wire", "1.0.0", AT, null, false));
        CrateService.Totals totals = new CrateService.Totals(2, 3, 4);
        PrecompileViews.Stats stats = new PrecompileViews.Stats(1, 1L, Map.of("queued", 1L), null);
        sameTree(Map.of("recent", recent, "stats", totals, "precompile", stats), new PageJson.Home(recent, totals, stats));
        assertEquals("{\"recent\":" + json(recent) + ",\"stats\":{\"crates\":2,\"versions\":3,\"downloads\":4},\"precompile\":"
                + json(stats) + "}", json(new PageJson.Home(recent, totals, stats)));

        List<CrateService.SearchHit> hits = List.of(new CrateService.SearchHit("wire", "1.0.0", "d", 7));
        sameTree(Map.of("crates", hits, "total", 21, "page", 2, "per_page", 20), new PageJson.Search(hits, 21, 2, 20));
        assertEquals("{\"crates\":[{\"name\":\"wire\",\"max_version\":\"1.0.0\",\"description\":\"d\",\"downloads\":7}],"
                + "\"total\":21,\"page\":2,\"per_page\":20}", json(new PageJson.Search(hits, 21, 2, 20)));

        String url = "http://r.example";
        for (boolean auth : new boolean[]{false, true}) {
            var snippets = SetupSnippets.consumer(url, "corp", auth);
            var view = SetupSnippets.precompiledView(url, "corp", auth);
            var patch = SetupSnippets.precompiledPatch(url, "corp", auth);
            PageJson.Setup setup = new PageJson.Setup("corp", url, auth, snippets, view, patch);
            sameTree(Map.of("name", "corp", "url", url, "auth_required", auth, "snippets", snippets, "precompiled_view", view,
                    "precompiled_patch", patch), setup);
            assertEquals("{\"name\":\"corp\",\"url\":\"" + url + "\",\"auth_required\":" + auth + ",\"snippets\":" + json(snippets)
                    + ",\"precompiled_view\":" + json(view) + ",\"precompiled_patch\":" + json(patch) + "}", json(setup));
        }

        PageJson.PlaygroundLimits limits = new PageJson.PlaygroundLimits(Playground.LIMITS.maxMemoryBytes() >> 20,
                Playground.LIMITS.timeout().toSeconds(), Playground.LIMITS.maxOutputBytes() >> 10, Playground.MAX_INPUT_CHARS / 1024);
        Map<String, Object> oldLimits = Map.of("memory_mib", Playground.LIMITS.maxMemoryBytes() >> 20,
                "timeout_s", Playground.LIMITS.timeout().toSeconds(), "output_kib", Playground.LIMITS.maxOutputBytes() >> 10,
                "input_kib", Playground.MAX_INPUT_CHARS / 1024);
        sameTree(Map.of("macros", List.of(), "limits", oldLimits), new PageJson.PlaygroundChoices(List.of(), limits));
        assertEquals("{\"macros\":[],\"limits\":{\"memory_mib\":256,\"timeout_s\":10,\"output_kib\":1024,\"input_kib\":64}}",
                json(new PageJson.PlaygroundChoices(List.of(), limits)));
    }

    @Test
    void okAnswersAreTheOldJson() {
        assertEquals(json(Map.of("ok", true)), json(ApiJson.Ok.OK));
        assertEquals("{\"ok\":true,\"msg\":\"allowed foo\"}", json(new ApiJson.OkMessage("allowed foo")));
    }
}

package dev.sandcrate.registry.web;

import dev.sandcrate.registry.auth.LoginThrottle;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Passwords;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.http.Params;
import dev.sandcrate.registry.http.RequestBodies;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.index.CrateNames;
import dev.sandcrate.registry.crates.ReverseDependencies;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.precompile.PrecompileService;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The browser UI: the pages (one HTML shell plus ES modules from the {@code sandcrate-web} jar) and the JSON they
 * read under {@code /ui/api/}. Reads follow the registry's rules (an auth-required registry needs a signed-in
 * session); changes need a session and its CSRF token in the {@code X-CSRF-Token} header.
 */
public final class WebUi {
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** Paths the shell answers; the ES modules pick the view from the path. */
    static final List<String> PAGES = List.of("/", "/search", "/crates/{name}", "/crates/{name}/{version}",
            "/crates/{name}/{version}/precompiled", "/login", "/account", "/admin", "/setup", "/playground");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final org.jdbi.v3.core.Jdbi jdbi;
    private final CrateService crates;
    private final Users users;
    private final Tokens tokens;
    private final Passwords passwords;
    private final Sessions sessions;
    private final boolean authRequired;
    private final Supplier<String> publicUrl;
    private final Assets assets = new Assets();
    private final Readmes readmes;
    private final LoginThrottle throttle;

    private final PrecompileViews precompile;
    private final Playground playground;

    public WebUi(org.jdbi.v3.core.Jdbi jdbi, CrateService crates, Users users, Tokens tokens, Sessions sessions,
                 PrecompileService precompile, dev.sandcrate.registry.view.PrecompiledView view, Readmes readmes,
                 boolean authRequired, Supplier<String> publicUrl) {
        this.readmes = readmes;
        this.precompile = new PrecompileViews(precompile, view::failures);
        this.playground = new Playground(precompile);
        this.jdbi = jdbi;
        this.throttle = new LoginThrottle(jdbi);
        this.crates = crates;
        this.users = users;
        this.tokens = tokens;
        this.passwords = new Passwords(jdbi);
        this.sessions = sessions;
        this.authRequired = authRequired;
        this.publicUrl = publicUrl;
    }

    public void register(Javalin app) {
        for (String page : PAGES) app.get(page, assets::shell);
        app.get("/assets/<path>", assets::asset);

        app.before("/ui/api/*", this::checkCsrf);
        app.get("/ui/api/session", this::session);
        app.post("/ui/api/login", this::login);
        app.post("/ui/api/logout", this::logout);
        app.get("/ui/api/home", this::home);
        app.get("/ui/api/search", this::search);
        app.get("/ui/api/crates/{name}", this::crate);
        app.get("/ui/api/setup", this::setup);
        app.get("/ui/api/tokens", this::listTokens);
        app.post("/ui/api/tokens", this::createToken);
        app.delete("/ui/api/tokens/{id}", this::revokeToken);
        app.post("/ui/api/password", this::changePassword);
        app.get("/ui/api/admin/users", this::adminUsers);
        app.post("/ui/api/admin/users", this::adminAddUser);
        // who may administer precompilation is PrecompileAdmin's decision, the same as for the admin API
        app.get("/ui/api/admin/precompile", ctx -> ctx.json(precompile.admin(requireSession(ctx).principal())));
        app.post("/ui/api/admin/precompile/policy", ctx -> {
            Principal who = requireSession(ctx).principal();
            JsonNode body = jsonBody(ctx);
            ctx.json(Map.of("ok", true, "msg", precompile.setPolicy(who, text(body, "action"), text(body, "crate"), text(body, "version"))));
        });
        app.delete("/ui/api/admin/precompile/policy", ctx -> {
            precompile.clearPolicy(requireSession(ctx).principal(), ctx.queryParam("crate"), ctx.queryParam("version"));
            ctx.json(Map.of("ok", true));
        });
        app.post("/ui/api/admin/precompile/jobs/{id}/retry", ctx -> {
            Principal who = precompile.authorize(requireSession(ctx).principal()); // a non-admin learns nothing about the id
            precompile.retry(who, longParam(ctx, "id"));
            ctx.json(Map.of("ok", true));
        });
        app.get("/ui/api/playground", ctx -> {
            requireRead(ctx);
            ctx.json(Map.of("macros", playground.choices(), "limits", Map.of("memory_mib", Playground.LIMITS.maxMemoryBytes() >> 20,
                    "timeout_s", Playground.LIMITS.timeout().toSeconds(), "output_kib", Playground.LIMITS.maxOutputBytes() >> 10,
                    "input_kib", Playground.MAX_INPUT_CHARS / 1024)));
        });
        app.post("/ui/api/playground", ctx -> {
            requireRead(ctx);
            JsonNode body = jsonBody(ctx);
            ctx.json(playground.expand(text(body, "artifact"), text(body, "kind"), text(body, "name"), text(body, "input"), text(body, "args")));
        });
    }

    // ---------------------------------------------------------------- sessions and CSRF

    private Optional<Sessions.Session> currentSession(Context ctx) {
        return sessions.of(ctx, publicUrl.get());
    }

    private Sessions.Session requireSession(Context ctx) {
        return currentSession(ctx).orElseThrow(() -> new RegistryException(401, "sign in first"));
    }

    /** Reading through the UI on an auth-required registry needs a session allowed to read. */
    private void requireRead(Context ctx) {
        if (!authRequired) return;
        Sessions.Session s = requireSession(ctx);
        if (!s.principal().has(Scope.READ)) throw RegistryException.forbidden("this session's token lacks the read scope this registry requires");
    }

    /**
     * Changes must come from our own pages: JSON bodies (a cross-site form cannot send them without a CORS preflight,
     * which this server never grants), a same-origin Origin header when the browser sends one, and, once signed in,
     * the session's CSRF token echoed in a header. The cookie is also SameSite=Strict.
     */
    private void checkCsrf(Context ctx) {
        HandlerType m = ctx.method();
        if (m == HandlerType.GET || m == HandlerType.HEAD || m == HandlerType.OPTIONS) return;
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals(originOf(publicUrl.get())) && !origin.equals(ctx.scheme() + "://" + ctx.host())) {
            throw RegistryException.forbidden("cross-origin request refused");
        }
        if (m == HandlerType.POST) {
            String type = ctx.contentType();
            if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                throw RegistryException.badRequest("send a JSON body (Content-Type: application/json)");
            }
        }
        Optional<Sessions.Session> s = currentSession(ctx);
        if (s.isPresent()) {
            String sent = ctx.header(CSRF_HEADER);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    s.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                throw RegistryException.forbidden("missing or wrong CSRF token; reload the page");
            }
        }
    }

    private static String originOf(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getRawAuthority();
    }

    private void setCookie(Context ctx, String value, long maxAgeSeconds) {
        boolean secure = publicUrl.get().startsWith("https://");
        ctx.header("Set-Cookie", Sessions.cookieName(publicUrl.get()) + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : ""));
    }

    private void session(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(sessionJson(currentSession(ctx).orElse(null)));
    }

    /** What the pages know about the visitor: the registry's settings and, when signed in, who and the CSRF token. */
    private Map<String, Object> sessionJson(Sessions.Session s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("auth_required", authRequired);
        out.put("url", publicUrl.get());
        if (s == null) {
            out.put("user", null);
            return out;
        }
        out.put("user", Map.of("login", s.principal().login(), "admin", s.principal().actsAsAdmin()));
        out.put("csrf_token", s.csrfToken());
        out.put("via_token", s.viaTokenId() != null);
        out.put("scopes", s.principal().scopes().stream().sorted().map(Scope::label).toList());
        out.put("crates", s.principal().cratePatterns());
        return out;
    }

    private void login(Context ctx) {
        JsonNode body = jsonBody(ctx);
        String token = text(body, "token");
        String login = text(body, "login");
        String password = text(body, "password");
        // per login and client address: someone else's failed guesses never keep a user out
        String throttleKey = (token != null ? "token" : "login:" + (login == null ? "" : login.toLowerCase(Locale.ROOT))) + "@" + ctx.ip();
        java.time.Duration wait = throttle.waitBeforeNextTry(throttleKey);
        if (!wait.isZero()) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            ctx.header("Retry-After", Long.toString(seconds));
            throw new RegistryException(429, "too many failed sign-ins from this address; try again in " + seconds + " s");
        }
        Sessions.Opened opened;
        if (token != null) {
            Principal p = tokens.authenticate(token).orElse(null);
            Long tokenId = p == null ? null : tokenIdOf(token);
            if (p == null || tokenId == null) {
                throttle.failed(throttleKey);
                throw new RegistryException(401, "that token is invalid, expired or revoked");
            }
            opened = sessions.open(p.userId(), tokenId);
        } else {
            if (login == null || password == null) throw RegistryException.badRequest("give a login and a password, or a token");
            Optional<Users.User> user = users.find(login);
            boolean ok = user.isPresent() ? passwords.verify(user.get().id(), password) : burn(password);
            if (!ok) {
                throttle.failed(throttleKey);
                throw new RegistryException(401, "wrong login or password (an operator sets passwords with `sandcrate passwd`)");
            }
            opened = sessions.open(user.get().id(), null);
        }
        throttle.succeeded(throttleKey);
        setCookie(ctx, opened.cookieValue(), Sessions.LIFETIME.toSeconds());
        ctx.header("Cache-Control", "no-store");
        ctx.json(sessionJson(opened.session()));
    }

    private static boolean burn(String password) {
        Passwords.burnTime(password);
        return false;
    }

    /** The id of a token by its secret (the same sha256 {@link Tokens} stores). */
    private Long tokenIdOf(String authorization) {
        String secret = authorization.strip();
        if (secret.regionMatches(true, 0, "Bearer ", 0, 7)) secret = secret.substring(7).strip();
        String hash = Checksums.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
        return jdbi.withHandle(h -> h.createQuery("SELECT id FROM api_tokens WHERE token_hash = :h").bind("h", hash)
                .mapTo(Long.class).findOne().orElse(null));
    }

    private void logout(Context ctx) {
        currentSession(ctx).ifPresent(sessions::close);
        setCookie(ctx, "", 0);
        ctx.json(Map.of("ok", true));
    }

    // ---------------------------------------------------------------- pages' data

    private void home(Context ctx) {
        requireRead(ctx);
        List<Map<String, Object>> recent = jdbi.withHandle(h -> h.createQuery("""
                        SELECT c.name, v.num, v.created_at, c.description, v.yanked FROM versions v JOIN crates c ON c.id = v.crate_id
                        ORDER BY v.created_at DESC, v.id DESC LIMIT 12""")
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("name", rs.getString(1));
                    m.put("version", rs.getString(2));
                    m.put("published_at", Instant.ofEpochMilli(rs.getLong(3)).toString());
                    m.put("description", rs.getString(4));
                    m.put("yanked", rs.getBoolean(5));
                    return m;
                }).list());
        Map<String, Object> stats = jdbi.withHandle(h -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("crates", h.createQuery("SELECT COUNT(*) FROM crates").mapTo(Long.class).one());
            m.put("versions", h.createQuery("SELECT COUNT(*) FROM versions").mapTo(Long.class).one());
            m.put("downloads", h.createQuery("SELECT COALESCE(SUM(downloads), 0) FROM crates").mapTo(Long.class).one());
            return m;
        });
        ctx.json(Map.of("recent", recent, "stats", stats, "precompile", precompile.stats()));
    }

    private void search(Context ctx) {
        requireRead(ctx);
        int page = Params.intParam(ctx, "page", 1, 1, 100_000);
        CrateService.SearchResult result = crates.search(ctx.queryParam("q"), 20, page);
        List<Map<String, Object>> hits = result.hits().stream().map(CrateService.SearchHit::toJson).toList();
        ctx.json(Map.of("crates", hits, "total", result.total(), "page", page, "per_page", 20));
    }

    private void crate(Context ctx) throws IOException {
        requireRead(ctx);
        String name = ctx.pathParam("name");
        CrateService.CrateRow crate = crates.crate(name).orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
        List<CrateService.VersionRow> versions = crates.versions(crate.name());
        String wanted = ctx.queryParam("version");
        String selectedNum = wanted == null || wanted.isBlank() ? CrateService.maxVersion(versions) : wanted;
        CrateService.VersionRow selected = versions.stream().filter(v -> v.num().equals(selectedNum)).findFirst()
                .orElseThrow(() -> RegistryException.notFound("crate `" + crate.name() + "` has no version " + selectedNum));
        byte[] bytes = crates.crateBytes(crate.name(), selected.num())
                .orElseThrow(() -> RegistryException.notFound("crate `" + crate.name() + "` has no version " + selectedNum));
        CrateManifest mf = readmes.doc(selected.cksum(), bytes).manifest();
        Readmes.Readme readme = readmes.of(selected, crate.name(), bytes);

        Map<String, Object> v = new LinkedHashMap<>();
        v.put("num", selected.num());
        v.put("yanked", selected.yanked());
        v.put("published_at", Instant.ofEpochMilli(selected.createdAt()).toString());
        v.put("downloads", selected.downloads());
        v.put("cksum", selected.cksum());
        v.put("size", bytes.length);
        v.put("dl_path", "/api/v1/crates/" + crate.name() + "/" + selected.num() + "/download");
        v.put("proc_macro", mf.procMacro());
        v.put("license", mf.license());
        v.put("repository", safeLink(mf.repository()));
        v.put("homepage", safeLink(mf.homepage()));
        v.put("documentation", safeLink(mf.documentation()));
        v.put("keywords", mf.keywords());
        v.put("categories", mf.categories());
        v.put("authors", mf.authors());
        v.put("rust_version", mf.rustVersion());
        v.put("links", mf.links());
        v.put("features", selected.entry().allFeatures());
        v.put("dependencies", selected.entry().deps().stream().map(this::dependency).toList());
        v.put("readme_path", readme.path());
        v.put("readme_html", readme.html());
        v.put("readme_failure", readme.failure());

        List<Map<String, Object>> vs = new ArrayList<>();
        for (CrateService.VersionRow r : versions.reversed()) {
            vs.add(Map.of("num", r.num(), "yanked", r.yanked(), "published_at", Instant.ofEpochMilli(r.createdAt()).toString(),
                    "downloads", r.downloads()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", crate.name());
        out.put("description", crate.description());
        out.put("downloads", crate.downloads());
        out.put("max_version", CrateService.maxVersion(versions));
        out.put("version", v);
        out.put("versions", vs);
        out.put("owners", crates.owners(crate.name()).stream().map(CrateService.Owner::login).toList());
        out.put("reverse_dependencies", reverseDependencies(crate.name()));
        ctx.json(out);
    }

    /** crates.io's index URL, as index lines name it for crates.io dependencies. */
    static final String CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index";

    /**
     * Whether a dependency can come from this registry: one on this registry, or a crates.io dependency of a crate
     * this registry also holds (consumers that replace crates-io with this registry, as a mirror, get it from here).
     */
    private boolean resolvesHere(IndexDependency d) {
        if (d.registry() == null) return true;
        return d.registry().equals(CRATES_IO_INDEX) && crates.crate(d.crateName()).isPresent();
    }

    private Map<String, Object> dependency(IndexDependency d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("crate", d.crateName());
        m.put("req", d.req());
        m.put("kind", d.kind());
        m.put("optional", d.optional());
        m.put("target", d.target());
        m.put("features", d.features());
        m.put("registry", d.registry());
        m.put("local", resolvesHere(d));
        return m;
    }

    /**
     * Crates of this registry that depend on {@code name} (any kind; through this registry or, for mirrored crates,
     * crates.io), each with its newest version that does, newest first.
     */
    private List<Map<String, Object>> reverseDependencies(String name) {
        Map<Long, Map<String, Object>> byCrate = new LinkedHashMap<>();
        for (ReverseDependencies.Dependent r : ReverseDependencies.of(jdbi, name)) {
            IndexDependency d = r.dependency();
            boolean onThisRegistry = d.registry() == null || d.registry().equals(CRATES_IO_INDEX);
            if (byCrate.containsKey(r.crateId()) || !onThisRegistry) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.crateName());
            m.put("version", r.entry().vers());
            m.put("req", d.req());
            m.put("kind", d.kind());
            m.put("optional", d.optional());
            byCrate.put(r.crateId(), m);
        }
        return List.copyOf(byCrate.values());
    }

    private static String safeLink(String url) {
        return url != null && url.matches("(?i)https?://\\S+") ? url : null;
    }

    private void setup(Context ctx) {
        String name;
        try {
            name = SetupSnippets.checkName(ctx.queryParam("name"));
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        ctx.json(Map.of("name", name, "url", publicUrl.get(), "auth_required", authRequired,
                "snippets", SetupSnippets.consumer(publicUrl.get(), name, authRequired),
                "precompiled_view", SetupSnippets.precompiledView(publicUrl.get(), name, authRequired),
                "precompiled_patch", SetupSnippets.precompiledPatch(publicUrl.get(), name, authRequired)));
    }

    // ---------------------------------------------------------------- account

    private void listTokens(Context ctx) {
        Sessions.Session s = requireSession(ctx);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Tokens.TokenInfo t : tokens.list(s.principal().login())) out.add(tokenJson(t));
        ctx.header("Cache-Control", "no-store");
        ctx.json(Map.of("tokens", out));
    }

    private static Map<String, Object> tokenJson(Tokens.TokenInfo t) {
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

    private void createToken(Context ctx) {
        Sessions.Session s = requireSession(ctx);
        Principal who = s.principal();
        JsonNode body = jsonBody(ctx);
        String name = text(body, "name");
        if (name == null || name.isBlank() || name.length() > 128) throw RegistryException.badRequest("give the token a name (1-128 characters), e.g. what it is for");
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String label : stringList(body, "scopes")) {
            try {
                scopes.add(Scope.parse(label));
            } catch (IllegalArgumentException e) {
                throw RegistryException.badRequest(e.getMessage());
            }
        }
        if (scopes.isEmpty()) throw RegistryException.badRequest("pick at least one scope (" + Scope.allLabels() + ")");
        for (Scope sc : scopes) {
            if (!who.has(sc)) throw RegistryException.forbidden("you signed in with a token that lacks the " + sc.label() + " scope, so you cannot grant it");
        }
        List<String> patterns = stringList(body, "crates").stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
        if (!who.cratePatterns().isEmpty()) {
            if (patterns.isEmpty()) throw RegistryException.forbidden("you signed in with a token limited to " + String.join(", ", who.cratePatterns()) + "; limit the new token to those crates too");
            for (String p : patterns) {
                if (!patternWithin(p, who)) throw RegistryException.forbidden("crate pattern `" + p + "` is outside what your sign-in token covers (" + String.join(", ", who.cratePatterns()) + ")");
            }
        }
        Instant expires = parseExpiry(text(body, "expires"));
        Tokens.Created created;
        try {
            created = tokens.create(who.userId(), name.strip(), scopes, patterns, expires);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(201).json(Map.of("secret", created.secret(), "token", tokenJson(created.info())));
    }

    /** Whether every crate a pattern names is covered by the principal's own patterns. */
    static boolean patternWithin(String pattern, Principal who) {
        String p = CrateNames.canonical(pattern);
        for (String mine : who.cratePatterns()) {
            String q = CrateNames.canonical(mine);
            if (q.endsWith("*")) {
                String prefix = q.substring(0, q.length() - 1);
                if ((p.endsWith("*") ? p.substring(0, p.length() - 1) : p).startsWith(prefix)) return true;
            } else if (p.equals(q)) {
                return true;
            }
        }
        return false;
    }

    static Instant parseExpiry(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            return Tokens.requireFuture(LocalDate.parse(s.strip()).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        } catch (DateTimeParseException e) {
            throw RegistryException.badRequest("expiry must be a date like 2027-01-31");
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
    }

    private static long longParam(Context ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw RegistryException.badRequest("`" + name + "` must be a number");
        }
    }

    private void revokeToken(Context ctx) {
        Sessions.Session s = requireSession(ctx);
        long id = longParam(ctx, "id");
        boolean mine = tokens.list(s.principal().login()).stream().anyMatch(t -> t.id() == id);
        if (!mine) throw RegistryException.notFound("you have no token with id " + id);
        tokens.revoke(id);
        ctx.json(Map.of("ok", true));
    }

    private void changePassword(Context ctx) {
        Sessions.Session s = requireSession(ctx);
        if (s.viaTokenId() != null) throw RegistryException.forbidden("sign in with your password to change it (a token sign-in cannot)");
        JsonNode body = jsonBody(ctx);
        String current = text(body, "current");
        String next = text(body, "new");
        if (current == null || !passwords.verify(s.principal().userId(), current)) {
            throw RegistryException.forbidden("the current password is wrong");
        }
        try {
            passwords.set(s.principal().userId(), next);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        sessions.closeAllOf(s.principal().userId(), s);
        ctx.json(Map.of("ok", true));
    }

    // ---------------------------------------------------------------- admin

    /** Admin pages need an admin signed in with a password or with an unrestricted token ({@link Principal#requireAdmin}). */
    private Principal requireAdmin(Context ctx) {
        return requireSession(ctx).principal().requireAdmin("see or manage users");
    }

    private void adminUsers(Context ctx) {
        requireAdmin(ctx);
        Set<Long> withPassword = Set.copyOf(jdbi.withHandle(h -> h.createQuery("SELECT user_id FROM user_passwords").mapTo(Long.class).list()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Users.User u : users.list()) {
            out.add(Map.of("login", u.login(), "admin", u.admin(), "created_at", Instant.ofEpochMilli(u.createdAt()).toString(),
                    "has_password", withPassword.contains(u.id())));
        }
        ctx.json(Map.of("users", out));
    }

    private void adminAddUser(Context ctx) {
        requireAdmin(ctx);
        JsonNode body = jsonBody(ctx);
        String login = text(body, "login");
        String password = text(body, "password");
        boolean admin = body.path("admin").asBoolean(false);
        if (login == null) throw RegistryException.badRequest("give a login");
        if (password != null && !password.isEmpty()) {
            try {
                Passwords.checkAcceptable(password);
            } catch (IllegalArgumentException e) {
                throw RegistryException.badRequest(e.getMessage());
            }
        }
        Users.User u;
        try {
            u = users.add(login, admin);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        // the password was checked above, so setting it cannot fail on its content
        if (password != null && !password.isEmpty()) passwords.set(u.id(), password);
        ctx.status(201).json(Map.of("login", u.login(), "admin", u.admin()));
    }

    // ---------------------------------------------------------------- helpers

    static JsonNode jsonBody(Context ctx) {
        JsonNode n = RequestBodies.json(ctx);
        if (n == null || !n.isObject()) throw RegistryException.badRequest("expected a JSON object");
        return n;
    }

    static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return null;
        if (!n.isTextual()) throw RegistryException.badRequest("`" + field + "` must be a string");
        return n.asText();
    }

    static List<String> stringList(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw RegistryException.badRequest("`" + field + "` must be a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw RegistryException.badRequest("`" + field + "` must be a list of strings");
            out.add(e.asText());
        }
        return out;
    }
}

package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.LoginThrottle;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.view.PrecompiledView;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.util.List;
import java.util.function.Supplier;

/**
 * The browser UI: the pages (one HTML shell plus ES modules from the {@code sandcrate-web} jar) and the JSON they
 * read under {@code /ui/api/}. Reads follow the registry's rules (an auth-required registry needs a signed-in
 * session); changes need a session and its CSRF token in the {@code X-CSRF-Token} header ({@link WebAccess}).
 * <p>
 * Every route of the UI is registered here; the handlers live by page: {@link SignIn}, {@link CratePages},
 * {@link AccountPages}, {@link AdminPages}, and {@link AccountKeys}, which registers the account page's key routes
 * together with the API's {@code /api/v1/me/keys}.
 */
public final class WebUi {
    static final String CSRF_HEADER = "X-CSRF-Token";
    /** Paths the shell answers; the ES modules pick the view from the path. */
    static final List<String> PAGES = List.of("/", "/search", "/crates/{name}", "/crates/{name}/{version}",
            "/crates/{name}/{version}/precompiled", "/login", "/account", "/admin", "/setup", "/playground");

    private final Assets assets = new Assets();
    private final WebAccess access;
    private final SignIn signIn;
    private final CratePages cratePages;
    private final AccountPages account;
    private final AdminPages admin;
    private final Playground playground;
    private final AccountKeys keys;

    public WebUi(CrateService crates, Users users, Tokens tokens, Passwords passwords, Sessions sessions, LoginThrottle throttle,
                 AsymmetricKeys asymmetricKeys, ApiAuth auth, PrecompileService precompile, PrecompiledView view, Readmes readmes,
                 boolean authRequired, Supplier<String> publicUrl) {
        PrecompileViews precompileViews = new PrecompileViews(precompile, view::failures);
        this.access = new WebAccess(sessions, authRequired, publicUrl);
        this.signIn = new SignIn(access, sessions, users, tokens, passwords, throttle);
        this.cratePages = new CratePages(access, crates, readmes, precompileViews);
        this.account = new AccountPages(access, sessions, tokens, passwords);
        this.admin = new AdminPages(access, users, passwords, precompileViews);
        this.playground = new Playground(precompile);
        this.keys = new AccountKeys(asymmetricKeys, access, auth);
    }

    public void register(Javalin app) {
        for (String page : PAGES) app.get(page, assets::shell);
        app.get("/assets/<path>", assets::asset);

        app.before("/ui/api/*", access::checkCsrf);
        app.get("/ui/api/session", signIn::session);
        app.post("/ui/api/login", signIn::login);
        app.post("/ui/api/logout", signIn::logout);
        app.get("/ui/api/home", cratePages::home);
        app.get("/ui/api/search", cratePages::search);
        app.get("/ui/api/crates/{name}", cratePages::crate);
        app.get("/ui/api/setup", cratePages::setup);
        app.get("/ui/api/tokens", account::listTokens);
        app.post("/ui/api/tokens", account::createToken);
        app.delete("/ui/api/tokens/{id}", account::revokeToken);
        app.post("/ui/api/password", account::changePassword);
        keys.register(app); // /ui/api/keys and /api/v1/me/keys
        app.get("/ui/api/admin/users", admin::users);
        app.post("/ui/api/admin/users", admin::addUser);
        app.get("/ui/api/admin/precompile", admin::precompile);
        app.post("/ui/api/admin/precompile/policy", admin::setPolicy);
        app.delete("/ui/api/admin/precompile/policy", admin::clearPolicy);
        app.post("/ui/api/admin/precompile/jobs/{id}/retry", admin::retryJob);
        app.get("/ui/api/playground", this::playgroundChoices);
        app.post("/ui/api/playground", this::playgroundExpand);
    }

    private void playgroundChoices(Context ctx) {
        access.requireRead(ctx);
        ctx.json(new PageJson.PlaygroundChoices(playground.choices(), new PageJson.PlaygroundLimits(
                Playground.LIMITS.maxMemoryBytes() >> 20, Playground.LIMITS.timeout().toSeconds(),
                Playground.LIMITS.maxOutputBytes() >> 10, Playground.MAX_INPUT_CHARS / 1024)));
    }

    private void playgroundExpand(Context ctx) {
        access.requireRead(ctx);
        JsonNode body = JsonBodies.object(ctx);
        ctx.json(playground.expand(JsonBodies.text(body, "artifact"), JsonBodies.text(body, "kind"), JsonBodies.text(body, "name"),
                JsonBodies.text(body, "input"), JsonBodies.text(body, "args")));
    }
}

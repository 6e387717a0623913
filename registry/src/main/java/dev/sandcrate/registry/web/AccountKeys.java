package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.ApiJson;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.util.List;
import java.util.Set;

/**
 * Registering PASERK k3.public keys for cargo's asymmetric tokens ({@code -Zasymmetric-token}): from the web UI's
 * account page (signed-in session, CSRF-checked like every {@code /ui/api} change) and from the API with a registry
 * token ({@code /api/v1/me/keys}). A key can grant no scope or crate its registrar's session or token lacks.
 */
final class AccountKeys {
    private final AsymmetricKeys keys;
    private final WebAccess access;
    private final ApiAuth auth;

    AccountKeys(AsymmetricKeys keys, WebAccess access, ApiAuth auth) {
        this.keys = keys;
        this.access = access;
        this.auth = auth;
    }

    void register(Javalin app) {
        app.get("/ui/api/keys", ctx -> list(ctx, session(ctx)));
        app.post("/ui/api/keys", ctx -> add(ctx, session(ctx)));
        app.delete("/ui/api/keys/{id}", ctx -> revoke(ctx, session(ctx)));
        app.get("/api/v1/me/keys", ctx -> list(ctx, auth.requireToken(ctx)));
        app.post("/api/v1/me/keys", ctx -> add(ctx, auth.requireToken(ctx)));
        app.delete("/api/v1/me/keys/{id}", ctx -> revoke(ctx, auth.requireToken(ctx)));
    }

    private Principal session(Context ctx) {
        return access.requireSession(ctx).principal();
    }

    private void list(Context ctx, Principal who) {
        List<PageJson.Key> out = keys.list(who.login()).stream().map(PageJson.Key::of).toList();
        ctx.header("Cache-Control", "no-store");
        ctx.json(new PageJson.KeyList(out));
    }

    private void add(Context ctx, Principal who) {
        JsonNode body = JsonBodies.object(ctx);
        Set<Scope> scopes = JsonBodies.scopes(body, "scopes");
        if (!body.has("scopes")) scopes.addAll(who.scopes()); // not given: what the registrar may do
        for (Scope sc : scopes) {
            if (!who.has(sc)) throw RegistryException.forbidden("you are signed in with a token that lacks the " + sc.label() + " scope, so a key cannot have it");
        }
        List<String> patterns = JsonBodies.cratePatterns(body, "crates");
        if (!who.cratePatterns().isEmpty()) {
            if (patterns.isEmpty()) patterns = who.cratePatterns();
            for (String p : patterns) {
                if (!who.coversPattern(p)) throw RegistryException.forbidden("crate pattern `" + p + "` is outside what your token covers (" + String.join(", ", who.cratePatterns()) + ")");
            }
        }
        String name = JsonBodies.text(body, "name");
        AsymmetricKeys.KeyInfo key;
        try {
            key = keys.register(who.userId(), name == null ? "cargo" : name, JsonBodies.text(body, "public_key"), scopes, patterns);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        ctx.status(201).json(new PageJson.CreatedKey(PageJson.Key.of(key)));
    }

    private void revoke(Context ctx, Principal who) {
        long id = JsonBodies.pathLong(ctx, "id");
        if (keys.list(who.login()).stream().noneMatch(k -> k.id() == id)) throw RegistryException.notFound("you have no key with id " + id);
        keys.revoke(id);
        ctx.json(ApiJson.Ok.OK);
    }
}

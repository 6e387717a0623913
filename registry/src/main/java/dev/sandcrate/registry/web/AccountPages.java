package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.http.ApiJson;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/** The account page: the signed-in user's API tokens (list, create, revoke) and password. */
final class AccountPages {
    private final WebAccess access;
    private final Sessions sessions;
    private final Tokens tokens;
    private final Passwords passwords;

    AccountPages(WebAccess access, Sessions sessions, Tokens tokens, Passwords passwords) {
        this.access = access;
        this.sessions = sessions;
        this.tokens = tokens;
        this.passwords = passwords;
    }

    void listTokens(Context ctx) {
        Sessions.Session s = access.requireSession(ctx);
        List<PageJson.Token> out = tokens.list(s.principal().login()).stream().map(PageJson.Token::of).toList();
        ctx.header("Cache-Control", "no-store");
        ctx.json(new PageJson.TokenList(out));
    }

    void createToken(Context ctx) {
        Sessions.Session s = access.requireSession(ctx);
        Principal who = s.principal();
        JsonNode body = JsonBodies.object(ctx);
        String name = JsonBodies.text(body, "name");
        if (name == null || name.isBlank() || name.length() > 128) throw RegistryException.badRequest("give the token a name (1-128 characters), e.g. what it is for");
        Set<Scope> scopes = JsonBodies.scopes(body, "scopes");
        try {
            Tokens.requireScopes(scopes);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        for (Scope sc : scopes) {
            if (!who.has(sc)) throw RegistryException.forbidden("you signed in with a token that lacks the " + sc.label() + " scope, so you cannot grant it");
        }
        List<String> patterns = JsonBodies.cratePatterns(body, "crates");
        if (!who.cratePatterns().isEmpty()) {
            if (patterns.isEmpty()) throw RegistryException.forbidden("you signed in with a token limited to " + String.join(", ", who.cratePatterns()) + "; limit the new token to those crates too");
            for (String p : patterns) {
                if (!who.coversPattern(p)) throw RegistryException.forbidden("crate pattern `" + p + "` is outside what your sign-in token covers (" + String.join(", ", who.cratePatterns()) + ")");
            }
        }
        Instant expires = parseExpiry(JsonBodies.text(body, "expires"));
        Tokens.Created created;
        try {
            created = tokens.create(who.userId(), name.strip(), scopes, patterns, expires);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        ctx.header("Cache-Control", "no-store");
        ctx.status(201).json(new PageJson.CreatedToken(created.secret(), PageJson.Token.of(created.info())));
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

    void revokeToken(Context ctx) {
        Sessions.Session s = access.requireSession(ctx);
        long id = JsonBodies.pathLong(ctx, "id");
        boolean mine = tokens.list(s.principal().login()).stream().anyMatch(t -> t.id() == id);
        if (!mine) throw RegistryException.notFound("you have no token with id " + id);
        tokens.revoke(id);
        ctx.json(ApiJson.Ok.OK);
    }

    void changePassword(Context ctx) {
        Sessions.Session s = access.requireSession(ctx);
        if (s.viaTokenId() != null) throw RegistryException.forbidden("sign in with your password to change it (a token sign-in cannot)");
        JsonNode body = JsonBodies.object(ctx);
        String current = JsonBodies.text(body, "current");
        String next = JsonBodies.text(body, "new");
        if (current == null || !passwords.verify(s.principal().userId(), current)) {
            throw RegistryException.forbidden("the current password is wrong");
        }
        try {
            passwords.set(s.principal().userId(), next);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        sessions.closeAllOf(s.principal().userId(), s);
        ctx.json(ApiJson.Ok.OK);
    }
}

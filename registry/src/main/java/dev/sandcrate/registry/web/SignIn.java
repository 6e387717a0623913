package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.LoginThrottle;
import dev.sandcrate.registry.auth.Passwords;
import dev.sandcrate.registry.auth.Sessions;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.http.ApiJson;
import io.javalin.http.Context;

import java.util.Locale;
import java.util.Optional;

/** Signing in (password or API token, throttled per login and address), signing out, and what a page knows of its visitor. */
final class SignIn {
    private final WebAccess access;
    private final Sessions sessions;
    private final Users users;
    private final Tokens tokens;
    private final Passwords passwords;
    private final LoginThrottle throttle;

    SignIn(WebAccess access, Sessions sessions, Users users, Tokens tokens, Passwords passwords, LoginThrottle throttle) {
        this.access = access;
        this.sessions = sessions;
        this.users = users;
        this.tokens = tokens;
        this.passwords = passwords;
        this.throttle = throttle;
    }

    private void setCookie(Context ctx, String value, long maxAgeSeconds) {
        boolean secure = access.publicUrl().startsWith("https://");
        ctx.header("Set-Cookie", Sessions.cookieName(access.publicUrl()) + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : ""));
    }

    void session(Context ctx) {
        ctx.header("Cache-Control", "no-store");
        ctx.json(sessionJson(access.currentSession(ctx).orElse(null)));
    }

    /** What the pages know about the visitor: the registry's settings and, when signed in, who and the CSRF token. */
    private PageJson.Session sessionJson(Sessions.Session s) {
        if (s == null) return PageJson.Session.anonymous(access.authRequired(), access.publicUrl());
        return new PageJson.Session(access.authRequired(), access.publicUrl(),
                new PageJson.User(s.principal().login(), s.principal().actsAsAdmin()), s.csrfToken(), s.viaTokenId() != null,
                PageJson.labels(s.principal().scopes()), s.principal().cratePatterns());
    }

    void login(Context ctx) {
        JsonNode body = JsonBodies.object(ctx);
        String token = JsonBodies.text(body, "token");
        String login = JsonBodies.text(body, "login");
        String password = JsonBodies.text(body, "password");
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
            Tokens.Valid valid = tokens.valid(token).orElse(null);
            if (valid == null) {
                throttle.failed(throttleKey);
                throw new RegistryException(401, "that token is invalid, expired or revoked");
            }
            opened = sessions.open(valid.principal().userId(), valid.tokenId());
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

    void logout(Context ctx) {
        access.currentSession(ctx).ifPresent(sessions::close);
        setCookie(ctx, "", 0);
        ctx.json(ApiJson.Ok.OK);
    }
}

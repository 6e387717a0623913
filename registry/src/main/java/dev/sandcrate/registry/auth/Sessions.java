package dev.sandcrate.registry.auth;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import io.javalin.http.Context;
import org.jdbi.v3.core.Jdbi;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Browser sessions. The cookie holds a random secret; the database holds only its sha256, the user, a CSRF token
 * the pages send back in a header on every change, and, for sessions opened with an API token, that token: such a
 * session acts with the token's scopes and crate patterns and ends as soon as the token is revoked or expires.
 */
public final class Sessions {
    public static final Duration LIFETIME = Duration.ofDays(7);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Jdbi jdbi;

    /** A signed-in browser: who, what it may do, and the CSRF token its pages must echo. */
    public record Session(String idHash, Principal principal, String csrfToken, Long viaTokenId, long expiresAt) {}

    /** A new session: the cookie value (shown to the browser only) and the session. */
    public record Opened(String cookieValue, Session session) {}

    public Sessions(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * The session cookie's name for the registry at {@code publicUrl}. Cookies are per host, not per port, so two
     * registries on one host (a mirror beside the main registry, say) would otherwise overwrite each other's sessions.
     */
    public static String cookieName(String publicUrl) {
        URI u = URI.create(publicUrl);
        String origin = u.getScheme() + "://" + u.getRawAuthority();
        return "sandcrate_session_" + Checksums.sha256Hex(origin.getBytes(StandardCharsets.UTF_8)).substring(0, 8);
    }

    /** The live session of the request's cookie for the registry at {@code publicUrl}, if any. */
    public Optional<Session> of(Context ctx, String publicUrl) {
        return find(ctx.cookie(cookieName(publicUrl)));
    }

    public Opened open(long userId, Long viaTokenId) {
        String secret = randomToken();
        String csrf = randomToken();
        long now = System.currentTimeMillis();
        long expires = now + LIFETIME.toMillis();
        jdbi.useHandle(h -> {
            h.createUpdate("DELETE FROM web_sessions WHERE expires_at <= :now").bind("now", now).execute();
            h.createUpdate("""
                            INSERT INTO web_sessions (id_hash, user_id, csrf_token, via_token_id, created_at, expires_at)
                            VALUES (:id, :u, :csrf, :tok, :now, :exp)""")
                    .bind("id", hash(secret)).bind("u", userId).bind("csrf", csrf).bind("tok", viaTokenId)
                    .bind("now", now).bind("exp", expires).execute();
        });
        return new Opened(secret, find(secret).orElseThrow());
    }

    /** The live session for a cookie value, if any. */
    public Optional<Session> find(String cookieValue) {
        if (cookieValue == null || cookieValue.isBlank() || cookieValue.length() > 100) return Optional.empty();
        long now = System.currentTimeMillis();
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT s.id_hash, u.id, u.login, u.admin, s.csrf_token, s.via_token_id, s.expires_at,
                               t.scopes, t.crate_patterns
                        FROM web_sessions s JOIN users u ON u.id = s.user_id
                        LEFT JOIN api_tokens t ON t.id = s.via_token_id
                        WHERE s.id_hash = :id AND s.expires_at > :now
                          AND (s.via_token_id IS NULL
                               OR (NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > :now)))""")
                .bind("id", hash(cookieValue)).bind("now", now)
                .map((rs, ctx) -> {
                    Long via = (Long) rs.getObject(6);
                    Principal p = via == null
                            ? new Principal(rs.getLong(2), rs.getString(3), rs.getBoolean(4), EnumSet.allOf(Scope.class), List.of())
                            : new Principal(rs.getLong(2), rs.getString(3), rs.getBoolean(4), Tokens.parseScopes(rs.getString(8)),
                            rs.getString(9) == null ? List.of() : Arrays.stream(rs.getString(9).split(",")).filter(s -> !s.isBlank()).toList());
                    return new Session(rs.getString(1), p, rs.getString(5), via, rs.getLong(7));
                })
                .findOne());
    }

    public void close(Session session) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM web_sessions WHERE id_hash = :id").bind("id", session.idHash()).execute());
    }

    /** Ends every session of a user (after a password change), except the one given (may be null). */
    public void closeAllOf(long userId, Session keep) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM web_sessions WHERE user_id = :u AND id_hash <> :keep")
                .bind("u", userId).bind("keep", keep == null ? "" : keep.idHash()).execute());
    }

    private static String randomToken() {
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    }

    private static String hash(String secret) {
        return Checksums.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }
}

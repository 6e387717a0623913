package dev.sandcrate.registry.auth;

import dev.sandcrate.index.Checksums;
import org.jdbi.v3.core.Jdbi;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * API tokens. The secret is shown once at creation; only its sha256 is stored. Tokens carry scopes, optional crate
 * patterns and an optional expiry. Cargo sends the token as stored in its credentials, with or without "Bearer ".
 */
public final class Tokens {
    private static final String PREFIX = "scr_";
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * How long a successful token check is reused without asking the database: a token revoked through this process
     * stops working at once, one revoked by another process sharing the database (or that expires) within this time.
     */
    public static final java.time.Duration CHECK_REUSE = java.time.Duration.ofSeconds(2);
    private final Jdbi jdbi;
    private final java.util.concurrent.ConcurrentHashMap<String, CheckedToken> recentChecks = new java.util.concurrent.ConcurrentHashMap<>();

    private record CheckedToken(Valid token, long validUntil) {}

    /** A valid, unexpired, unrevoked token: its id and who it acts for. */
    public record Valid(long tokenId, Principal principal) {}

    public record TokenInfo(long id, String login, String name, Set<Scope> scopes, List<String> cratePatterns,
                            Long expiresAt, long createdAt, Long lastUsedAt, boolean revoked) {}

    /** A new token: the secret (shown once) and its stored description. */
    public record Created(String secret, TokenInfo info) {}

    public Tokens(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** What users ask for: an expiry must be in the future (tests and imports may still create expired tokens). */
    public static Instant requireFuture(Instant expiresAt) {
        if (expiresAt != null && !expiresAt.isAfter(Instant.now())) {
            throw new IllegalArgumentException("the expiry " + expiresAt + " is not in the future");
        }
        return expiresAt;
    }

    /** A token needs at least one scope; IllegalArgumentException otherwise. */
    public static void requireScopes(Set<Scope> scopes) {
        if (scopes.isEmpty()) throw new IllegalArgumentException("pick at least one scope (" + Scope.allLabels() + ")");
    }

    public Created create(long userId, String name, Set<Scope> scopes, List<String> cratePatterns, Instant expiresAt) {
        requireScopes(scopes);
        for (String p : cratePatterns) {
            if (!p.matches("[A-Za-z0-9_-]+\\*?")) {
                throw new IllegalArgumentException("invalid crate pattern '" + p + "': use a crate name, optionally ending in *");
            }
        }
        byte[] raw = new byte[32];
        RANDOM.nextBytes(raw);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long now = System.currentTimeMillis();
        Long expires = expiresAt == null ? null : expiresAt.toEpochMilli();
        String scopeList = scopes.stream().sorted().map(Scope::label).collect(Collectors.joining(","));
        String patterns = cratePatterns.isEmpty() ? null : String.join(",", cratePatterns);
        long id = jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO api_tokens (user_id, name, token_hash, scopes, crate_patterns, expires_at, created_at)
                        VALUES (:u, :n, :h, :s, :p, :e, :t)""")
                .bind("u", userId).bind("n", name).bind("h", hash(secret)).bind("s", scopeList)
                .bind("p", patterns).bind("e", expires).bind("t", now)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        return new Created(secret, info(id).orElseThrow());
    }

    /** The principal for an Authorization header value, if it names a valid, unexpired, unrevoked token. */
    public Optional<Principal> authenticate(String authorization) {
        return valid(authorization).map(Valid::principal);
    }

    /**
     * The token an Authorization header value names, with its id, if it is valid, unexpired and unrevoked (a browser
     * session opened with a token remembers the id, so it ends with the token).
     */
    public Optional<Valid> valid(String authorization) {
        if (authorization == null) return Optional.empty();
        String secret = authorization.strip();
        if (secret.regionMatches(true, 0, "Bearer ", 0, 7)) secret = secret.substring(7).strip();
        if (secret.isEmpty()) return Optional.empty();
        String tokenHash = hash(secret);
        long now = System.currentTimeMillis();
        CheckedToken recent = recentChecks.get(tokenHash);
        if (recent != null && now < recent.validUntil()) return Optional.of(recent.token());
        if (recentChecks.size() > 10_000) recentChecks.clear(); // a bound, not an eviction policy: checks are cheap to redo
        return jdbi.withHandle(h -> {
            Optional<Valid> p = h.createQuery("""
                            SELECT t.id, u.id, u.login, u.admin, t.scopes, t.crate_patterns, t.expires_at FROM api_tokens t
                            JOIN users u ON u.id = t.user_id
                            WHERE t.token_hash = :h AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > :now)""")
                    .bind("h", tokenHash).bind("now", now)
                    .map((rs, ctx) -> {
                        h.createUpdate("UPDATE api_tokens SET last_used_at = :now WHERE id = :id")
                                .bind("now", now).bind("id", rs.getLong(1)).execute();
                        Principal principal = new Principal(rs.getLong(2), rs.getString(3), rs.getBoolean(4),
                                parseScopes(rs.getString(5)), parsePatterns(rs.getString(6)));
                        Valid token = new Valid(rs.getLong(1), principal);
                        Long expiresAt = (Long) rs.getObject(7);
                        long reuseUntil = now + CHECK_REUSE.toMillis();
                        recentChecks.put(tokenHash, new CheckedToken(token, expiresAt == null ? reuseUntil : Math.min(reuseUntil, expiresAt)));
                        return token;
                    })
                    .findOne();
            return p;
        });
    }

    public List<TokenInfo> list(String login) {
        return jdbi.withHandle(h -> h.createQuery(SELECT_INFO + " WHERE LOWER(u.login) = LOWER(:l) ORDER BY t.id")
                .bind("l", login).map((rs, ctx) -> new TokenInfo(rs.getLong(1), rs.getString(2), rs.getString(3),
                        parseScopes(rs.getString(4)), parsePatterns(rs.getString(5)), (Long) rs.getObject(6),
                        rs.getLong(7), (Long) rs.getObject(8), rs.getBoolean(9)))
                .list());
    }

    public boolean revoke(long id) {
        boolean revoked = jdbi.withHandle(h -> h.createUpdate("UPDATE api_tokens SET revoked = TRUE WHERE id = :id")
                .bind("id", id).execute()) > 0;
        recentChecks.clear();
        return revoked;
    }

    private Optional<TokenInfo> info(long id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT_INFO + " WHERE t.id = :id").bind("id", id)
                .map((rs, ctx) -> new TokenInfo(rs.getLong(1), rs.getString(2), rs.getString(3),
                        parseScopes(rs.getString(4)), parsePatterns(rs.getString(5)), (Long) rs.getObject(6),
                        rs.getLong(7), (Long) rs.getObject(8), rs.getBoolean(9)))
                .findOne());
    }

    private static final String SELECT_INFO = """
            SELECT t.id, u.login, t.name, t.scopes, t.crate_patterns, t.expires_at, t.created_at, t.last_used_at, t.revoked
            FROM api_tokens t JOIN users u ON u.id = t.user_id""";

    static String hash(String secret) {
        return Checksums.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    public static Set<Scope> parseScopes(String list) {
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : list.split(",")) if (!s.isBlank()) scopes.add(Scope.parse(s.toLowerCase(Locale.ROOT)));
        return scopes;
    }

    static List<String> parsePatterns(String list) {
        return list == null ? List.of() : Arrays.stream(list.split(",")).filter(s -> !s.isBlank()).toList();
    }
}

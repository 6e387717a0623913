package dev.sandcrate.registry.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.ManifestDependency;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.db.Database;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Users' PASERK k3.public keys and the asymmetric tokens (RFC 3231) cargo signs with them
 * ({@code -Zasymmetric-token}, {@code credential-provider = ["cargo:paseto"]}). A token is a v3.public PASETO whose
 * footer names the registry's index URL ({@code url}) and the key ({@code kip}, its k3.pid), and whose message
 * carries {@code iat} and, for a change, what it changes ({@code mutation}, {@code name}, {@code vers}, {@code cksum}).
 * Owns the tables asymmetric_keys and asymmetric_token_uses.
 */
public final class AsymmetricKeys {
    /** How old a token for a change may be: cargo signs it just before sending. */
    public static final Duration MUTATION_MAX_AGE = Duration.ofMinutes(5);
    /** How old a read token may be: cargo signs it once per run and reuses it (e.g. while `cargo publish` verifies). */
    public static final Duration READ_MAX_AGE = Duration.ofMinutes(15);
    /** How far in the future iat may be: the client's clock may run ahead of ours. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> MESSAGE_CLAIMS = Set.of("iat", "sub", "mutation", "name", "vers", "cksum", "challenge", "v");

    private final Jdbi jdbi;

    public record KeyInfo(long id, String login, String name, String publicKey, String keyId, Set<Scope> scopes,
                          List<String> cratePatterns, long createdAt, Long lastUsedAt, boolean revoked) {}

    public AsymmetricKeys(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Registers a user's k3.public key; IllegalArgumentException names what is wrong (format, scopes, already registered). */
    public KeyInfo register(long userId, String name, String paserkPublic, Set<Scope> scopes, List<String> cratePatterns) {
        if (name == null || name.isBlank() || name.length() > 128) throw new IllegalArgumentException("give the key a name (1-128 characters)");
        if (scopes.isEmpty()) throw new IllegalArgumentException("a key needs at least one scope (" + Scope.allLabels() + ")");
        for (String p : cratePatterns) {
            if (!p.matches("[A-Za-z0-9_-]+\\*?")) {
                throw new IllegalArgumentException("invalid crate pattern '" + p + "': use a crate name, optionally ending in *");
            }
        }
        Paseto.PublicKey3 key = Paseto.parsePublicKey(paserkPublic);
        String keyId = key.pid();
        try {
            long id = jdbi.withHandle(h -> h.createUpdate("""
                            INSERT INTO asymmetric_keys (user_id, name, public_key, key_id, scopes, crate_patterns, created_at)
                            VALUES (:u, :n, :k, :kid, :s, :p, :t)""")
                    .bind("u", userId).bind("n", name.strip()).bind("k", key.paserk()).bind("kid", keyId)
                    .bind("s", scopes.stream().sorted().map(Scope::label).collect(Collectors.joining(",")))
                    .bind("p", cratePatterns.isEmpty() ? null : String.join(",", cratePatterns))
                    .bind("t", System.currentTimeMillis())
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
            return info(id).orElseThrow();
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) throw new IllegalArgumentException("this key (" + keyId + ") is already registered");
            throw e;
        }
    }

    public List<KeyInfo> list(String login) {
        return jdbi.withHandle(h -> h.createQuery(SELECT_INFO + " WHERE LOWER(u.login) = LOWER(:l) ORDER BY k.id")
                .bind("l", login).map((rs, ctx) -> infoRow(rs)).list());
    }

    public boolean revoke(long id) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE asymmetric_keys SET revoked = TRUE WHERE id = :id")
                .bind("id", id).execute()) > 0;
    }

    /** Whether an Authorization header value is an asymmetric token (as opposed to a registry token). */
    public static boolean isAsymmetric(String token) {
        return token != null && token.strip().startsWith(Paseto.V3_PUBLIC);
    }

    /**
     * The principal for an asymmetric token sent for {@code operation} to the registry whose index is
     * {@code indexUrl}; a RegistryException (401, or 403 for a token signed for another operation) says why not.
     */
    public Principal authenticate(String token, String indexUrl, CargoOperation operation, Instant now) {
        token = token.strip();
        JsonNode footer = json(footerBytes(token), "footer");
        String keyId = text(footer, "kip");
        if (keyId == null) keyId = text(footer, "kid"); // RFC 3231's drafts named it kid
        if (keyId == null || !keyId.startsWith(Paseto.K3_PID)) throw RegistryException.unauthorized("the asymmetric token's footer names no k3.pid key (kip)");
        StoredKey key = findKey(keyId).orElseThrow(() -> RegistryException.unauthorized(
                "the asymmetric token is signed by a key this registry does not know or that was revoked; register its k3.public key"));
        Paseto.Verified verified;
        try {
            verified = Paseto.verify(token, Paseto.parsePublicKey(key.publicKey()), new byte[0]);
        } catch (Paseto.InvalidTokenException e) {
            throw RegistryException.unauthorized(e.getMessage());
        }
        String url = text(footer, "url");
        if (url == null || !ManifestDependency.sameIndex(url, indexUrl)) {
            throw RegistryException.unauthorized("the asymmetric token was signed for the registry " + url + ", not " + indexUrl);
        }
        JsonNode claims = json(verified.message(), "message");
        for (var field : claims.properties()) {
            if (!MESSAGE_CLAIMS.contains(field.getKey())) throw RegistryException.unauthorized("the asymmetric token has an unknown claim `" + field.getKey() + "`");
        }
        if (claims.has("v") && !claims.get("v").asText().equals("1")) throw RegistryException.unauthorized("the asymmetric token has an unsupported version v=" + claims.get("v"));
        if (claims.has("challenge")) throw RegistryException.unauthorized("the asymmetric token answers a challenge, but this registry issues none");
        Instant iat = issuedAt(text(claims, "iat"));
        Duration maxAge = operation.isRead() ? READ_MAX_AGE : MUTATION_MAX_AGE;
        if (iat.isBefore(now.minus(maxAge))) {
            throw RegistryException.unauthorized("the asymmetric token is out of date (signed " + iat + ", older than " + maxAge.toMinutes() + " minutes)");
        }
        if (iat.isAfter(now.plus(CLOCK_SKEW))) throw RegistryException.unauthorized("the asymmetric token is signed in the future (" + iat + "); check the clock");
        checkOperation(claims, operation);
        if (!operation.isRead()) recordUse(token, iat.plus(maxAge).plus(CLOCK_SKEW), now);
        jdbi.useHandle(h -> h.createUpdate("UPDATE asymmetric_keys SET last_used_at = :t WHERE id = :id")
                .bind("t", now.toEpochMilli()).bind("id", key.id()).execute());
        return key.principal();
    }

    private static void checkOperation(JsonNode claims, CargoOperation expected) {
        CargoOperation signed = new CargoOperation(text(claims, "mutation"), text(claims, "name"), text(claims, "vers"), text(claims, "cksum"));
        boolean matches = java.util.Objects.equals(signed.mutation(), expected.mutation())
                && (expected.isRead() || (java.util.Objects.equals(signed.name(), expected.name())
                && java.util.Objects.equals(signed.vers(), expected.vers())
                && java.util.Objects.equals(signed.cksum(), expected.cksum())));
        if (!matches) {
            throw RegistryException.forbidden("the asymmetric token was signed for " + signed.describe()
                    + (signed.cksum() == null ? "" : " (cksum " + signed.cksum() + ")") + ", not for " + expected.describe());
        }
    }

    /** Refuses a mutation token seen before; forgets tokens once they are too old to be accepted anyway. */
    private void recordUse(String token, Instant keepUntil, Instant now) {
        String hash = Checksums.sha256Hex(token.getBytes(StandardCharsets.UTF_8));
        try {
            jdbi.useTransaction(h -> {
                h.createUpdate("DELETE FROM asymmetric_token_uses WHERE expires_at < :now").bind("now", now.toEpochMilli()).execute();
                h.createUpdate("INSERT INTO asymmetric_token_uses (token_hash, expires_at) VALUES (:h, :e)")
                        .bind("h", hash).bind("e", keepUntil.toEpochMilli()).execute();
            });
        } catch (RuntimeException e) {
            if (Database.isUniqueViolation(e)) throw RegistryException.unauthorized("this asymmetric token was already used; cargo signs a new one per change");
            throw e;
        }
    }

    private static Instant issuedAt(String iat) {
        if (iat == null) throw RegistryException.unauthorized("the asymmetric token has no iat claim");
        try {
            return OffsetDateTime.parse(iat).toInstant();
        } catch (DateTimeParseException e) {
            throw RegistryException.unauthorized("the asymmetric token's iat is not an RFC 3339 time: " + iat);
        }
    }

    private static byte[] footerBytes(String token) {
        try {
            return Paseto.unverifiedFooter(token);
        } catch (Paseto.InvalidTokenException e) {
            throw RegistryException.unauthorized(e.getMessage());
        }
    }

    private static JsonNode json(byte[] bytes, String what) {
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw RegistryException.unauthorized("the asymmetric token's " + what + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw RegistryException.unauthorized("the asymmetric token's " + what + " is not JSON");
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private record StoredKey(long id, String publicKey, Principal principal) {}

    private Optional<StoredKey> findKey(String keyId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT k.id, k.public_key, u.id, u.login, u.admin, k.scopes, k.crate_patterns FROM asymmetric_keys k
                        JOIN users u ON u.id = k.user_id WHERE k.key_id = :kid AND NOT k.revoked""")
                .bind("kid", keyId)
                .map((rs, ctx) -> new StoredKey(rs.getLong(1), rs.getString(2), new Principal(rs.getLong(3), rs.getString(4),
                        rs.getBoolean(5), Tokens.parseScopes(rs.getString(6)), Tokens.parsePatterns(rs.getString(7)))))
                .findOne());
    }

    private Optional<KeyInfo> info(long id) {
        return jdbi.withHandle(h -> h.createQuery(SELECT_INFO + " WHERE k.id = :id").bind("id", id)
                .map((rs, ctx) -> infoRow(rs)).findOne());
    }

    private static KeyInfo infoRow(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new KeyInfo(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                Tokens.parseScopes(rs.getString(6)), Tokens.parsePatterns(rs.getString(7)), rs.getLong(8), (Long) rs.getObject(9), rs.getBoolean(10));
    }

    private static final String SELECT_INFO = """
            SELECT k.id, u.login, k.name, k.public_key, k.key_id, k.scopes, k.crate_patterns, k.created_at, k.last_used_at, k.revoked
            FROM asymmetric_keys k JOIN users u ON u.id = k.user_id""";
}

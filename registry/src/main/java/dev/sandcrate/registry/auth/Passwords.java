package dev.sandcrate.registry.auth;

import org.jdbi.v3.core.Jdbi;

import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Passwords for signing in to the web UI. Hashed with PBKDF2-HMAC-SHA256 (in every JDK, FIPS-approved) at
 * 600,000 iterations, OWASP's current recommendation for it; the iteration count is stored with each hash so it can
 * be raised later without invalidating existing passwords.
 */
public final class Passwords {
    static final int ITERATIONS = 600_000;
    static final int MIN_LENGTH = 10;
    private static final int MAX_LENGTH = 1024;
    private static final String ALGORITHM = "pbkdf2-sha256";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Jdbi jdbi;

    public Passwords(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Sets (or replaces) a user's password. Throws IllegalArgumentException for a password too short or too long. */
    public void set(long userId, String password) {
        String hash = hash(password, ITERATIONS);
        long now = System.currentTimeMillis();
        jdbi.useTransaction(h -> {
            int updated = h.createUpdate("UPDATE user_passwords SET hash = :h, updated_at = :t WHERE user_id = :u")
                    .bind("h", hash).bind("t", now).bind("u", userId).execute();
            if (updated == 0) {
                h.createUpdate("INSERT INTO user_passwords (user_id, hash, updated_at) VALUES (:u, :h, :t)")
                        .bind("u", userId).bind("h", hash).bind("t", now).execute();
            }
        });
    }

    /** Whether the user has a password and it is this one. Takes the same time for users without a password. */
    public boolean verify(long userId, String password) {
        Optional<String> stored = jdbi.withHandle(h -> h.createQuery("SELECT hash FROM user_passwords WHERE user_id = :u")
                .bind("u", userId).mapTo(String.class).findOne());
        if (stored.isEmpty()) {
            burnTime(password);
            return false;
        }
        return matches(stored.get(), password);
    }

    /** The ids of the users who have a password (the others sign in with a token only). */
    public java.util.Set<Long> usersWithPassword() {
        return java.util.Set.copyOf(jdbi.withHandle(h -> h.createQuery("SELECT user_id FROM user_passwords").mapTo(Long.class).list()));
    }

    /** Runs one hash for nothing, so that unknown logins cost as much time as wrong passwords. */
    public static void burnTime(String password) {
        String p = password == null ? "" : password.substring(0, Math.min(password.length(), MAX_LENGTH));
        derive(p, new byte[16], ITERATIONS);
    }

    public static String hash(String password, int iterations) {
        checkAcceptable(password);
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        byte[] dk = derive(password, salt, iterations);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return ALGORITHM + "$" + iterations + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(dk);
    }

    public static boolean matches(String stored, String password) {
        if (password == null || password.length() > MAX_LENGTH) return false;
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(ALGORITHM)) {
            throw new IllegalStateException("unknown password hash format in the database");
        }
        int iterations = Integer.parseInt(parts[1]);
        byte[] salt = Base64.getDecoder().decode(parts[2]);
        byte[] expected = Base64.getDecoder().decode(parts[3]);
        return MessageDigest.isEqual(expected, derive(password, salt, iterations));
    }

    public static void checkAcceptable(String password) {
        if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
            throw new IllegalArgumentException("a password needs at least " + MIN_LENGTH + " characters");
        }
        if (password.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a password may have at most " + MAX_LENGTH + " characters");
        }
    }

    private static byte[] derive(String password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }
}

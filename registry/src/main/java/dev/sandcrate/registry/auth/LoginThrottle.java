package dev.sandcrate.registry.auth;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.registry.db.Database;
import org.jdbi.v3.core.Jdbi;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Slows down password and token guessing without locking anyone out: failures are counted per key (the login, or
 * "token", together with the client address), and after {@link #FREE_FAILURES} each further try must wait twice as
 * long as the one before, up to {@link #MAX_DELAY}. Failures from one address never delay another; a success, or
 * {@link #FORGET_AFTER} without failures, clears the count. The counts live in the database (table
 * {@code web_login_failures}), so every replica behind a load balancer applies the same backoff.
 */
public final class LoginThrottle {
    public static final int FREE_FAILURES = 5;
    public static final Duration MAX_DELAY = Duration.ofMinutes(1);
    static final Duration FORGET_AFTER = Duration.ofMinutes(15);
    private final Jdbi jdbi;

    private record Failures(int count, long last) {}

    public LoginThrottle(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** How long this key must still wait before its next try (zero when it may try now). */
    public Duration waitBeforeNextTry(String key) {
        Optional<Failures> f = jdbi.withHandle(h -> h.createQuery("SELECT failures, last_failure_at FROM web_login_failures WHERE key_hash = :k")
                .bind("k", hash(key)).map((rs, ctx) -> new Failures(rs.getInt(1), rs.getLong(2))).findOne());
        if (f.isEmpty()) return Duration.ZERO;
        long since = System.currentTimeMillis() - f.get().last();
        if (since > FORGET_AFTER.toMillis()) return Duration.ZERO;
        return Duration.ofMillis(Math.max(0, delay(f.get().count()).toMillis() - since));
    }

    /** The wait after {@code count} failures in a row: none for the first few, then 1 s, 2 s, 4 s, ... up to {@link #MAX_DELAY}. */
    public static Duration delay(int count) {
        if (count < FREE_FAILURES) return Duration.ZERO;
        int doublings = Math.min(count - FREE_FAILURES, 30);
        Duration d = Duration.ofSeconds(1L << doublings);
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    public void failed(String key) {
        long now = System.currentTimeMillis();
        long forgotten = now - FORGET_AFTER.toMillis();
        String k = hash(key);
        for (int attempt = 0; ; attempt++) {
            try {
                jdbi.useTransaction(h -> {
                    h.createUpdate("DELETE FROM web_login_failures WHERE last_failure_at < :f").bind("f", forgotten).execute();
                    int n = h.createUpdate("UPDATE web_login_failures SET failures = failures + 1, last_failure_at = :t WHERE key_hash = :k")
                            .bind("t", now).bind("k", k).execute();
                    if (n == 0) {
                        h.createUpdate("INSERT INTO web_login_failures (key_hash, failures, last_failure_at) VALUES (:k, 1, :t)")
                                .bind("k", k).bind("t", now).execute();
                    }
                });
                return;
            } catch (RuntimeException e) {
                // another replica inserted the same key's first failure meanwhile: count ours on top of it
                if (!Database.isUniqueViolation(e) || attempt > 0) throw e;
            }
        }
    }

    public void succeeded(String key) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM web_login_failures WHERE key_hash = :k").bind("k", hash(key)).execute());
    }

    private static String hash(String key) {
        return Checksums.sha256Hex(key.getBytes(StandardCharsets.UTF_8));
    }
}

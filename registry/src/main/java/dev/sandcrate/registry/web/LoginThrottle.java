package dev.sandcrate.registry.web;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password and token guessing without locking anyone out: failures are counted per key (the login, or
 * "token", together with the client address), and after {@link #FREE_FAILURES} each further try must wait twice as
 * long as the one before, up to {@link #MAX_DELAY}. Failures from one address never delay another; a success, or
 * {@link #FORGET_AFTER} without failures, clears the count.
 */
final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final Duration MAX_DELAY = Duration.ofMinutes(1);
    static final Duration FORGET_AFTER = Duration.ofMinutes(15);
    private static final int MAX_KEYS = 10_000;

    private record Failures(int count, long last) {}

    private final Map<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > MAX_KEYS;
        }
    };

    /** How long this key must still wait before its next try (zero when it may try now). */
    synchronized Duration waitBeforeNextTry(String key) {
        Failures f = failures.get(key);
        if (f == null) return Duration.ZERO;
        long since = System.currentTimeMillis() - f.last();
        if (since > FORGET_AFTER.toMillis()) {
            failures.remove(key);
            return Duration.ZERO;
        }
        return Duration.ofMillis(Math.max(0, delay(f.count()).toMillis() - since));
    }

    /** The wait after {@code count} failures in a row: none for the first few, then 1 s, 2 s, 4 s, ... up to {@link #MAX_DELAY}. */
    static Duration delay(int count) {
        if (count < FREE_FAILURES) return Duration.ZERO;
        int doublings = Math.min(count - FREE_FAILURES, 30);
        Duration d = Duration.ofSeconds(1L << doublings);
        return d.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : d;
    }

    synchronized void failed(String key) {
        Failures f = failures.get(key);
        failures.put(key, new Failures(f == null ? 1 : f.count() + 1, System.currentTimeMillis()));
    }

    synchronized void succeeded(String key) {
        failures.remove(key);
    }
}

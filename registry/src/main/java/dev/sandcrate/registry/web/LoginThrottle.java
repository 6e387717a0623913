package dev.sandcrate.registry.web;

import dev.sandcrate.registry.RegistryException;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/** Refuses sign-ins for a login (or, for token sign-ins, a client address) after repeated failures. */
final class LoginThrottle {
    static final int MAX_FAILURES = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);
    private static final int MAX_KEYS = 10_000;
    private final Map<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
            return size() > MAX_KEYS;
        }
    };

    synchronized void check(String key) {
        Deque<Long> times = failures.get(key);
        if (times == null) return;
        long cutoff = System.currentTimeMillis() - WINDOW.toMillis();
        while (!times.isEmpty() && times.peekFirst() < cutoff) times.pollFirst();
        if (times.size() >= MAX_FAILURES) {
            throw new RegistryException(429, "too many failed sign-ins; try again in " + WINDOW.toMinutes() + " minutes");
        }
    }

    synchronized void failed(String key) {
        failures.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(System.currentTimeMillis());
    }

    synchronized void succeeded(String key) {
        failures.remove(key);
    }
}

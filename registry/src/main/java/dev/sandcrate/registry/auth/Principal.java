package dev.sandcrate.registry.auth;

import java.util.List;
import java.util.Set;

/**
 * The user behind a valid API token, with what the token allows.
 *
 * @param cratePatterns crate names the token is limited to ({@code foo}, or {@code foo*} for a prefix); empty = all
 */
public record Principal(long userId, String login, boolean admin, Set<Scope> scopes, List<String> cratePatterns) {

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** Whether the token's crate patterns cover this crate (names compared like crates.io: case and -/_ folded). */
    public boolean coversCrate(String crateName) {
        if (cratePatterns.isEmpty()) return true;
        String canonical = canonical(crateName);
        for (String pattern : cratePatterns) {
            String p = canonical(pattern);
            if (p.endsWith("*") ? canonical.startsWith(p.substring(0, p.length() - 1)) : canonical.equals(p)) return true;
        }
        return false;
    }

    private static String canonical(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    }
}

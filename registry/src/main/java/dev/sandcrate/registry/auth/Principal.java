package dev.sandcrate.registry.auth;

import dev.sandcrate.index.CrateNames;
import dev.sandcrate.registry.RegistryException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The user behind a valid API token, with what the token allows.
 *
 * @param cratePatterns crate names the token is limited to ({@code foo}, or {@code foo*} for a prefix); empty = all
 */
public record Principal(long userId, String login, boolean admin, Set<Scope> scopes, List<String> cratePatterns) {

    /**
     * The one admin rule, for the API and the web UI alike: the user is an admin and signed in with a password or a
     * token restricted neither by scopes nor by crate patterns. A restricted token of an admin acts as a plain user.
     */
    public boolean actsAsAdmin() {
        return admin && scopes.containsAll(EnumSet.allOf(Scope.class)) && cratePatterns.isEmpty();
    }

    /**
     * This principal, if it {@linkplain #actsAsAdmin() acts as an admin}; otherwise a 403 that says why not. Every
     * admin-only action checks with this, whether it came through the API (a token) or the web UI (a session).
     *
     * @param mayWhat what only admins may do, for the message ("change precompilation")
     */
    public Principal requireAdmin(String mayWhat) {
        if (!actsAsAdmin()) {
            throw RegistryException.forbidden("only registry admins, signed in with a password or with a token restricted neither by scopes"
                    + " nor by crates, may " + mayWhat + (admin ? " (this token of " + login + " is restricted)" : " (user " + login + " is not an admin)"));
        }
        return this;
    }

    public boolean has(Scope scope) {
        return scopes.contains(scope);
    }

    /** Whether the token's crate patterns cover this crate (names compared like crates.io: case and -/_ folded). */
    public boolean coversCrate(String crateName) {
        if (cratePatterns.isEmpty()) return true;
        String canonical = CrateNames.canonical(crateName);
        for (String pattern : cratePatterns) {
            String p = CrateNames.canonical(pattern);
            if (p.endsWith("*") ? canonical.startsWith(p.substring(0, p.length() - 1)) : canonical.equals(p)) return true;
        }
        return false;
    }

    /**
     * Whether every crate a pattern ({@code foo} or {@code foo*}) names is covered by these crate patterns: what a
     * new token or key may be limited to when its creator signed in with a limited token. A {@code foo*} pattern is
     * covered only by a prefix pattern it extends; that is {@link #coversCrate} applied to the pattern itself.
     */
    public boolean coversPattern(String pattern) {
        return coversCrate(pattern);
    }
}

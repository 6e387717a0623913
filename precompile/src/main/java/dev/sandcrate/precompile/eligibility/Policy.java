package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.CrateNames;
import java.util.List;

/**
 * The operator's overrides: {@code deny} keeps crates from being precompiled (and served) whatever the analysis
 * says; {@code allow} records that the operator looked at a crate whose sources are flagged (host APIs), and lifts a deny.
 * Entries are {@code name} (every version) or {@code name@version}; names compare like cargo's ({@code -}/{@code _}
 * and case folded). Allow cannot override hard failures (not a proc-macro, unresolvable dependencies): those builds
 * cannot be made to work.
 *
 * @param nativeDependencyMacros the operator lets macro crates build whose dependencies include other proc-macro
 *                               crates: cargo builds those for the host and rustc runs them natively, inside the same
 *                               bubblewrap sandbox and limits that already run build scripts. Off: such crates are refused.
 */
public record Policy(List<String> allow, List<String> deny, boolean nativeDependencyMacros) {
    public enum Decision { ALLOW, DENY, NONE }

    public Policy(List<String> allow, List<String> deny) {
        this(allow, deny, false);
    }

    public Policy {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        for (String e : allow) validate(e);
        for (String e : deny) validate(e);
    }

    public static Policy none() {
        return new Policy(List.of(), List.of());
    }

    public Policy withNativeDependencyMacros(boolean allowed) {
        return new Policy(allow, deny, allowed);
    }

    public Decision decide(String name, String version) {
        if (deny.stream().anyMatch(e -> covers(e, name, version))) return Decision.DENY;
        if (allow.stream().anyMatch(e -> covers(e, name, version))) return Decision.ALLOW;
        return Decision.NONE;
    }

    public Policy plus(Policy other) {
        return new Policy(concat(allow, other.allow), concat(deny, other.deny), nativeDependencyMacros || other.nativeDependencyMacros);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().toList();
    }

    public static boolean covers(String entry, String name, String version) {
        int at = entry.indexOf('@');
        String n = at < 0 ? entry : entry.substring(0, at);
        return CrateNames.canonical(n).equals(CrateNames.canonical(name)) && (at < 0 || entry.substring(at + 1).equals(version));
    }

    private static void validate(String entry) {
        if (!entry.matches("[A-Za-z][A-Za-z0-9_-]{0,63}(@[0-9A-Za-z.+-]+)?")) {
            throw new IllegalArgumentException("invalid allow/deny entry '" + entry + "': use a crate name or name@version");
        }
    }
}

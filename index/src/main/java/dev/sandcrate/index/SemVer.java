package dev.sandcrate.index;

import java.math.BigInteger;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A semantic version (semver.org 2.0.0): validates published versions, orders them, and is what version requirements
 * are matched against. Build metadata is kept for display and ignored for identity and order.
 */
public record SemVer(BigInteger major, BigInteger minor, BigInteger patch, List<String> pre, String build)
        implements Comparable<SemVer> {

    // The regular expression recommended by semver.org.
    private static final Pattern SEMVER = Pattern.compile(
            "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                    + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    + "(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$");

    private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    public static SemVer parse(String version) {
        Matcher m = SEMVER.matcher(version == null ? "" : version);
        if (!m.matches()) {
            throw new IllegalArgumentException("`" + version + "` is not a valid semantic version (MAJOR.MINOR.PATCH[-pre][+build])");
        }
        BigInteger major = new BigInteger(m.group(1)), minor = new BigInteger(m.group(2)), patch = new BigInteger(m.group(3));
        // cargo's semver crate holds each in a u64 and silently skips versions that do not fit
        if (major.bitLength() > 64 || minor.bitLength() > 64 || patch.bitLength() > 64) {
            throw new IllegalArgumentException("`" + version + "` is not a version cargo can use: MAJOR, MINOR and PATCH must each be at most "
                    + U64_MAX);
        }
        return new SemVer(major, minor, patch, m.group(4) == null ? List.of() : List.of(m.group(4).split("\\.")), m.group(5));
    }

    /** The version without build metadata, which semver ignores for identity. */
    public String withoutBuild() {
        return major + "." + minor + "." + patch + (pre.isEmpty() ? "" : "-" + String.join(".", pre));
    }

    public boolean isPrerelease() {
        return !pre.isEmpty();
    }

    /** Same major.minor.patch (pre-release and build aside). */
    public boolean samePatchLevel(SemVer o) {
        return major.equals(o.major) && minor.equals(o.minor) && patch.equals(o.patch);
    }

    /** This version without its pre-release and build parts. */
    public SemVer release() {
        return new SemVer(major, minor, patch, List.of(), null);
    }

    @Override
    public int compareTo(SemVer o) {
        int c = major.compareTo(o.major);
        if (c == 0) c = minor.compareTo(o.minor);
        if (c == 0) c = patch.compareTo(o.patch);
        if (c != 0) return c;
        if (pre.isEmpty() || o.pre.isEmpty()) return Boolean.compare(pre.isEmpty(), o.pre.isEmpty());
        for (int i = 0; i < Math.min(pre.size(), o.pre.size()); i++) {
            String a = pre.get(i), b = o.pre.get(i);
            boolean an = a.chars().allMatch(Character::isDigit), bn = b.chars().allMatch(Character::isDigit);
            c = an && bn ? new BigInteger(a).compareTo(new BigInteger(b)) : an ? -1 : bn ? 1 : a.compareTo(b);
            if (c != 0) return c;
        }
        return Integer.compare(pre.size(), o.pre.size());
    }
}

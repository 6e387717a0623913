package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.SemVer;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versions and version requirements as cargo reads them ({@code 1.0}, {@code ^1.2.3}, {@code ~1.2}, {@code =1.0.0},
 * {@code >=1.2, <2}, {@code 1.*}, {@code *}): enough to pick, like cargo, the highest published version a
 * dependency declaration accepts.
 */
public final class CargoSemver {
    private CargoSemver() {
    }

    private record Comparator(String op, SemVer bound, int given) {
    }

    private static final Pattern COMPARATOR = Pattern.compile(
            "(\\^|~|=|>=|<=|>|<)?\\s*v?(\\d+|\\*|x|X)(?:\\.(\\d+|\\*|x|X))?(?:\\.(\\d+|\\*|x|X))?(?:-([0-9A-Za-z.-]+))?(?:\\+[0-9A-Za-z.-]+)?");

    /** Whether {@code version} satisfies the requirement {@code req} (cargo's rules, including pre-releases). */
    public static boolean matches(String req, String version) {
        SemVer v = SemVer.parse(version);
        List<Comparator> comparators = parseReq(req);
        for (Comparator c : comparators) {
            if (!holds(c, v)) return false;
        }
        // a pre-release only matches a requirement that names a pre-release of the same major.minor.patch
        return v.pre().isEmpty() || comparators.stream().anyMatch(c -> !c.bound().pre().isEmpty() && c.bound().samePatchLevel(v));
    }

    private static List<Comparator> parseReq(String req) {
        List<Comparator> out = new ArrayList<>();
        String r = req.strip();
        if (r.isEmpty() || r.equals("*")) return out;
        for (String part : r.split(",")) {
            Matcher m = COMPARATOR.matcher(part.strip());
            if (!m.matches()) throw new IllegalArgumentException("not a version requirement: " + req);
            String op = m.group(1) == null ? "^" : m.group(1);
            int given = 0;
            BigInteger[] nums = new BigInteger[3];
            for (int i = 0; i < 3; i++) {
                String g = m.group(2 + i);
                if (g == null || g.equals("*") || g.equalsIgnoreCase("x")) break;
                nums[i] = new BigInteger(g);
                given++;
            }
            if (given == 0) continue; // "*" inside a list
            List<String> pre = m.group(5) == null ? List.of() : List.of(m.group(5).split("\\."));
            SemVer bound = new SemVer(nums[0], nums[1] == null ? BigInteger.ZERO : nums[1], nums[2] == null ? BigInteger.ZERO : nums[2], pre, null);
            // a wildcard ("1.*", "1.2.*") is a range over the given parts, like "~" with that precision
            boolean wildcard = m.group(2 + given) != null && given < 3;
            out.add(new Comparator(wildcard && op.equals("^") ? "=" : op, bound, given));
        }
        return out;
    }

    private static boolean holds(Comparator c, SemVer v) {
        SemVer b = c.bound();
        int cmp = compareIgnoringPre(v, b);
        return switch (c.op()) {
            case "=" -> c.given() == 3 ? v.compareTo(b) == 0 : prefixEquals(v, b, c.given());
            case ">" -> c.given() == 3 ? v.compareTo(b) > 0 : greaterThanPrefix(v, b, c.given());
            case ">=" -> v.compareTo(b) >= 0;
            case "<" -> v.compareTo(b) < 0;
            case "<=" -> c.given() == 3 ? v.compareTo(b) <= 0 : cmp <= 0 || prefixEquals(v, b, c.given());
            case "~" -> v.compareTo(b) >= 0 && prefixEquals(v, b, Math.min(c.given(), 2) == 0 ? 1 : Math.min(c.given(), 2));
            default -> v.compareTo(b) >= 0 && prefixEquals(v, b, caretPrecision(b, c.given()));
        };
    }

    /** How many leading parts must stay equal under {@code ^}: up to and including the first non-zero part. */
    private static int caretPrecision(SemVer b, int given) {
        if (b.major().signum() != 0 || given == 1) return 1;
        if (b.minor().signum() != 0 || given == 2) return 2;
        return 3;
    }

    private static boolean prefixEquals(SemVer v, SemVer b, int parts) {
        if (!v.major().equals(b.major())) return false;
        if (parts >= 2 && !v.minor().equals(b.minor())) return false;
        return parts < 3 || v.patch().equals(b.patch());
    }

    private static boolean greaterThanPrefix(SemVer v, SemVer b, int parts) {
        int c = v.major().compareTo(b.major());
        if (c != 0 || parts == 1) return c > 0;
        return v.minor().compareTo(b.minor()) > 0;
    }

    private static int compareIgnoringPre(SemVer v, SemVer b) {
        return v.release().compareTo(b.release());
    }
}

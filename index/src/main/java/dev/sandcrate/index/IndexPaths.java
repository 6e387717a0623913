package dev.sandcrate.index;

import java.util.Locale;

/** Where a crate's index file lives, relative to the index root (same layout for sparse and git indexes). */
public final class IndexPaths {
    private IndexPaths() {}

    /** {@code 1/a}, {@code 2/ab}, {@code 3/a/abc}, {@code se/rd/serde}, always lower-cased. */
    public static String pathOf(String crateName) {
        String n = crateName.toLowerCase(Locale.ROOT);
        return switch (n.length()) {
            case 0 -> throw new IllegalArgumentException("empty crate name");
            case 1 -> "1/" + n;
            case 2 -> "2/" + n;
            case 3 -> "3/" + n.charAt(0) + "/" + n;
            default -> n.substring(0, 2) + "/" + n.substring(2, 4) + "/" + n;
        };
    }

    /**
     * The crate name an index path asks for, or null if the path is not a well-formed index file path
     * (the inverse of {@link #pathOf}, so {@code 3/x/abc} is rejected).
     */
    public static String crateNameOf(String path) {
        int slash = path.lastIndexOf('/');
        if (slash < 0) return null;
        String name = path.substring(slash + 1);
        if (name.isEmpty()) return null;
        return pathOf(name).equals(path.toLowerCase(Locale.ROOT)) ? name : null;
    }
}

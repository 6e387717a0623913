package dev.sandcrate.index;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Crate-name rules as crates.io applies them, and the one canonical form under which names are the same crate. */
public final class CrateNames {
    public static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z][A-Za-z0-9_-]*");
    /** Names of the standard library's crates (which cargo resolves specially) and names Windows cannot use as file names. */
    private static final Set<String> RESERVED = Set.of(
            "alloc", "core", "std", "proc_macro", "test",
            "con", "prn", "aux", "nul",
            "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
            "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

    /**
     * Names a new crate may not take here: crates.io's reserved names (its {@code reserved_crate_names}), cargo's names
     * for the standard library's crates, and cargo's own name. Imports of existing crates.io crates (which has, for
     * instance, {@code cargo} and {@code compiler_builtins}) and publishes by an admin are not held to this.
     */
    private static final Set<String> RESERVED_FOR_PUBLISH = Set.of(
            "alloc", "arena", "ast", "builtins", "collections", "compiler_builtins", "compiler_rt", "compiletest", "core",
            "coretest", "debug", "driver", "flate", "fmt_macros", "grammar", "graphviz", "macro", "macros", "proc_macro",
            "rbml", "rust_installer", "rustbook", "rustc", "rustc_back", "rustc_borrowck", "rustc_driver", "rustc_llvm",
            "rustc_resolve", "rustc_trans", "rustc_typeck", "rustdoc", "rustllvm", "rustuv", "serialize", "std", "syntax",
            "test", "unicode", "cargo");

    private CrateNames() {}

    /** {@link #validate}, and the name must not be one {@link #RESERVED_FOR_PUBLISH reserved} for the Rust project. */
    public static void validateNew(String name) {
        validate(name);
        if (RESERVED_FOR_PUBLISH.contains(canonical(name))) {
            throw new IllegalArgumentException("the crate name `" + name + "` is reserved (crates.io reserves it for the Rust project)");
        }
    }

    /** Throws IllegalArgumentException naming the problem if {@code name} cannot be a crate name. */
    public static void validate(String name) {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("the crate name is empty");
        if (name.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("the crate name `" + name + "` is longer than " + MAX_LENGTH + " characters");
        }
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid crate name `" + name
                    + "`: it must start with an ASCII letter and contain only ASCII letters, digits, `-` and `_`");
        }
        if (RESERVED.contains(canonical(name)) || RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("the crate name `" + name + "` is reserved");
        }
    }

    /** Whether two names are the same crate ({@link #canonical}). */
    public static boolean same(String a, String b) {
        return canonical(a).equals(canonical(b));
    }

    /** Names equal after this are the same crate: {@code Foo-Bar} and {@code foo_bar}. */
    public static String canonical(String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }
}

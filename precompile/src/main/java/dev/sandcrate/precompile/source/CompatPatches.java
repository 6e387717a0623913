package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Versioned source patches for old versions of the token crates that switch off their {@code proc_macro}
 * support on wasm32 (proc-macro2 &lt; 1.0.59 in build.rs; syn &lt; 2.0.18, quote &lt; 1.0.28 and synstructure 0.12 by
 * cfg; getrandom 0.2 refuses wasm32-unknown-unknown). Inside the
 * sandbox the real proc_macro is there (our bridge), so the wasm32 test is replaced by one that never matches.
 * One more makes a macro expand as on the 64-bit hosts consumers build on: rand 0.8's {@code SmallRng}, which
 * picks its algorithm by pointer width (phf_macros and cssparser-macros seed it to lay out their tables).
 * A patch that finds nothing to replace in a version it claims is an error: silently building a macro that
 * cannot see its input, or that expands differently, would be worse. And one makes a crate build whose wasm32-only
 * dependency its Debian package drops: fastrand 1.x's instant.
 */
public final class CompatPatches {
    /** Bump when a patch changes: it is part of the build recipe recorded in every manifest. */
    public static final int VERSION = 4;

    record Replace(String file, String from, String to) {
    }

    /**
     * Applies to versions from {@code from} (inclusive) below {@code below}. A required patch that finds nothing to
     * replace is an error; an optional one is for crates whose unpatched build fails loudly on its own.
     */
    record Patch(String crate, int[] from, int[] below, List<Replace> replacements, boolean required, String what) {
        Patch(String crate, int[] from, int[] below, List<Replace> replacements) {
            this(crate, from, below, replacements, true, WASM_GUARD);
        }

        boolean appliesTo(String crateName, String version) {
            return crate.equals(crateName) && compare(parse(version), from) >= 0 && compare(parse(version), below) < 0;
        }
    }

    private static final int[] ANY = {0, 0, 0};
    private static final String WASM_GUARD = "wasm32 guard";

    private static final String SYN_WASM = "not(all(target_arch = \"wasm32\", any(target_os = \"unknown\", target_os = \"wasi\")))";
    private static final String QUOTE_WASM = "not(all(target_arch = \"wasm32\", target_os = \"unknown\"))";
    private static final String ALWAYS = "all()";

    static final List<Patch> PATCHES = List.of(
            new Patch("proc-macro2", ANY, new int[]{1, 0, 59}, List.of(
                    new Replace("build.rs", "target.contains(\"wasm32\")", "false /* sandcrate: proc_macro is available in the sandbox */"))),
            new Patch("syn", ANY, new int[]{2, 0, 18}, List.of(
                    new Replace("src/lib.rs", SYN_WASM, ALWAYS), new Replace("src/export.rs", SYN_WASM, ALWAYS),
                    new Replace("src/parse.rs", SYN_WASM, ALWAYS), new Replace("src/buffer.rs", SYN_WASM, ALWAYS))),
            new Patch("quote", ANY, new int[]{1, 0, 28}, List.of(new Replace("src/lib.rs", QUOTE_WASM, ALWAYS))),
            // decl_derive! needs macros::TokenStream/parse and MacroResult::into_stream, which 0.12 hides on wasm32
            new Patch("synstructure", new int[]{0, 12, 0}, new int[]{0, 13, 0}, List.of(
                    new Replace("src/lib.rs", SYN_WASM, ALWAYS), new Replace("src/macros.rs", SYN_WASM, ALWAYS))),
            // getrandom 0.2 refuses to compile for wasm32-unknown-unknown (rand's std feature pulls it into phf_macros):
            // in the sandbox it compiles and every call fails with Error::UNSUPPORTED, like file or network access;
            // the rest of the compile_error! message stays behind as an unused string constant
            new Patch("getrandom", new int[]{0, 2, 0}, new int[]{0, 3, 0}, List.of(new Replace("src/lib.rs",
                    "compile_error!(\"the wasm32-unknown-unknown target is not supported by \\",
                    "mod imp { pub fn getrandom_inner(_: &mut [u8]) -> Result<(), crate::Error> { Err(crate::Error::UNSUPPORTED) } }"
                            + " const _SANDCRATE_NO_RANDOMNESS: &str = (\"the wasm32-unknown-unknown target is not supported by \\")),
                    false, WASM_GUARD),
            // SmallRng is Xoshiro256++ where pointers are 64 bits wide and Xoshiro128++ elsewhere: a seeded SmallRng
            // (phf_generator's fixed seed) must give the numbers it gives on the consumer's x86_64/aarch64 host
            new Patch("rand", new int[]{0, 8, 0}, new int[]{0, 9, 0}, List.of(
                    new Replace("src/rngs/mod.rs", "#[cfg(all(feature = \"small_rng\", target_pointer_width = \"64\"))]", "#[cfg(feature = \"small_rng\")]"),
                    new Replace("src/rngs/mod.rs", "#[cfg(all(feature = \"small_rng\", not(target_pointer_width = \"64\")))]", "#[cfg(any())]"),
                    new Replace("src/rngs/small.rs", "#[cfg(target_pointer_width = \"64\")]", "#[cfg(all())]"),
                    new Replace("src/rngs/small.rs", "#[cfg(not(target_pointer_width = \"64\"))]", "#[cfg(any())]")),
                    true, "64-bit SmallRng"),
            // fastrand 1.x reads the clock on wasm32 through the instant crate, a wasm32-only dependency that Debian's
            // package drops from its Cargo.toml (debian/patches/no-wasm.patch), so `use instant::Instant` does not
            // resolve (rsass's random() pulls it into rsass-macros). Without instant's wasm-bindgen or stdweb feature,
            // which no macro's build turns on, instant's clock is an `env.now` import, and a module that imports anything is
            // rejected: std's Instant compiles everywhere, and in the sandbox reading it fails like any clock access
            new Patch("fastrand", new int[]{1, 0, 0}, new int[]{2, 0, 0}, List.of(
                    new Replace("src/lib.rs", "use instant::Instant;", "use std::time::Instant;")),
                    false, "std clock on wasm32"));

    private CompatPatches() {
    }

    /** Patches an unpacked crate in place if a patch covers its version; returns a description of what changed. */
    public static List<String> apply(String crateName, String version, Path crateDir) {
        List<String> applied = new ArrayList<>();
        for (Patch patch : PATCHES) {
            if (!patch.appliesTo(crateName, version)) continue;
            int total = 0;
            for (Replace r : patch.replacements()) {
                Path file = crateDir.resolve(r.file());
                if (!Files.isRegularFile(file)) continue;
                try {
                    String text = Files.readString(file);
                    int count = occurrences(text, r.from());
                    if (count > 0) {
                        Files.writeString(file, text.replace(r.from(), r.to()));
                        applied.add(crateName + " " + version + ": " + r.file() + " (" + count + "x " + patch.what() + ")");
                        total += count;
                    }
                } catch (IOException e) {
                    throw new PrecompileException("cannot patch " + file + ": " + e.getMessage(), e);
                }
            }
            if (total == 0 && patch.required()) {
                throw new PrecompileException(crateName + " " + version + " should carry the code its compat patch (" + patch.what()
                        + ") replaces, but the patch found none; extend CompatPatches for this version");
            }
        }
        return applied;
    }

    private static int occurrences(String text, String needle) {
        int count = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) count++;
        return count;
    }

    static int[] parse(String version) {
        String core = version.split("[-+]", 2)[0];
        String[] parts = core.split("\\.");
        int[] v = new int[3];
        for (int i = 0; i < 3 && i < parts.length; i++) v[i] = Integer.parseInt(parts[i]);
        return v;
    }

    private static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) if (a[i] != b[i]) return Integer.compare(a[i], b[i]);
        return 0;
    }
}

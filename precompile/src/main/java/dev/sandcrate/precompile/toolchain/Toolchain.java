package dev.sandcrate.precompile.toolchain;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.sandbox.Bubblewrap;
import dev.sandcrate.precompile.sandbox.ProcessRunner;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pinned wasm toolchain: Debian's rustc-web/cargo-web 1.96 at /usr/bin with rust-web-src's std sources,
 * wasm-ld from lld, and bubblewrap. (The rustup toolchain usually first on PATH has no wasm target, so
 * everything here calls absolute paths.) Its identity is {@code rustc -vV}; the wasm std build is keyed by it.
 */
public record Toolchain(Path rustc, Path cargo, Path wasmLd, Path stdSources, String rustcVersion, String cargoVersion) {
    /** The rustc release whose proc_macro bridge the in-wasm server implements. */
    public static final String PINNED_RELEASE = "1.96";
    public static final List<String> DEBIAN_PACKAGES = List.of("rustc-web", "cargo-web", "rust-web-src", "lld", "bubblewrap");
    private static final Path RUSTC = Path.of("/usr/bin/rustc");
    private static final Path CARGO = Path.of("/usr/bin/cargo");
    private static final Path WASM_LD = Path.of("/usr/bin/wasm-ld");

    /** Finds the toolchain or fails with a message naming what is missing and how to install it. */
    public static Toolchain detect() {
        List<String> missing = new ArrayList<>();
        for (Path tool : List.of(RUSTC, CARGO, WASM_LD, Bubblewrap.BWRAP, Bubblewrap.PRLIMIT)) {
            if (!Files.isExecutable(tool)) missing.add(tool.toString());
        }
        if (!missing.isEmpty()) {
            throw new PrecompileException("wasm toolchain incomplete, missing " + String.join(", ", missing)
                    + "; install it with `apt-get install " + String.join(" ", DEBIAN_PACKAGES)
                    + "` (scripts/setup.sh does) or run with --install-toolchain");
        }
        String rustcVersion = run(RUSTC, "-vV");
        String cargoVersion = run(CARGO, "-V").strip();
        String release = rustcVersion.lines().filter(l -> l.startsWith("release: ")).findFirst()
                .map(l -> l.substring("release: ".length()).strip())
                .orElseThrow(() -> new PrecompileException("cannot read the release from `rustc -vV`:\n" + rustcVersion));
        if (!release.startsWith(PINNED_RELEASE + ".")) {
            throw new PrecompileException("/usr/bin/rustc is " + release + " but the in-wasm proc_macro server is written for "
                    + PINNED_RELEASE + ".x (Debian rustc-web); install rustc-web " + PINNED_RELEASE);
        }
        Path stdSources = Path.of("/usr/src/rustc-" + release, "library");
        if (!Files.isDirectory(stdSources.resolve("vendor")) || !Files.isDirectory(stdSources.resolve("std"))) {
            throw new PrecompileException("no std sources at " + stdSources + "; install rust-web-src");
        }
        return new Toolchain(RUSTC, CARGO, WASM_LD, stdSources, rustcVersion.strip(), cargoVersion);
    }

    /** Installs the missing Debian packages (needs root, or sudo), then detects. */
    public static Toolchain install(Progress progress) {
        List<String> missing = DEBIAN_PACKAGES.stream().filter(p -> !installed(p)).toList();
        if (!missing.isEmpty()) {
            progress.step("installing the pinned toolchain: apt-get install " + String.join(" ", missing));
            List<String> command = new ArrayList<>();
            if (!"root".equals(System.getProperty("user.name"))) command.add("sudo");
            command.addAll(List.of("apt-get", "install", "-y", "-q"));
            command.addAll(missing);
            ProcessRunner.Result r = ProcessRunner.capture(command, null,
                    Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND", "noninteractive"), Duration.ofMinutes(15));
            if (!r.ok()) throw new PrecompileException("apt-get install failed:\n" + r.output());
        }
        return detect();
    }

    private static boolean installed(String debianPackage) {
        ProcessRunner.Result r = ProcessRunner.capture(List.of("dpkg-query", "-W", "-f=${Status}", debianPackage), null,
                Map.of("PATH", "/usr/bin:/bin"), Duration.ofSeconds(30));
        return r.ok() && r.output().contains("install ok installed");
    }

    private static String run(Path tool, String arg) {
        ProcessRunner.Result r = ProcessRunner.capture(List.of(tool.toString(), arg), null,
                Map.of("PATH", "/usr/bin"), Duration.ofSeconds(60));
        if (!r.ok()) throw new PrecompileException(tool + " " + arg + " failed:\n" + r.output());
        return r.output();
    }

    /** Short, stable key of this toolchain (rustc + cargo identity and the std build recipe) for cache paths. */
    public String identityHash() {
        return identityHash(rustcVersion, cargoVersion, WasmStd.RECIPE_VERSION);
    }

    /** The same key from an artifact manifest's toolchain and std recipe (what a build on that toolchain was queued for). */
    public static String identityHash(String rustcVersion, String cargoVersion, int stdRecipe) {
        return Checksums.sha256Hex(rustcVersion + "\n" + cargoVersion + "\nstd-recipe " + stdRecipe).substring(0, 16);
    }

    /** The cfg set of the wasm target ({@code rustc --print cfg}), for evaluating cfg attributes on macros. */
    public java.util.Set<String> targetCfg() {
        ProcessRunner.Result r = ProcessRunner.capture(List.of(rustc.toString(), "--print", "cfg", "--target", WasmStd.TARGET),
                null, Map.of("PATH", "/usr/bin"), Duration.ofSeconds(60));
        if (!r.ok()) throw new PrecompileException("rustc --print cfg failed:\n" + r.output());
        return java.util.Set.copyOf(r.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
    }

    public String release() {
        return rustcVersion.lines().filter(l -> l.startsWith("release: ")).findFirst().orElseThrow().substring(9).strip();
    }
}

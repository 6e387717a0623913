package dev.sandcrate.precompile.toolchain;

import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.sandbox.Bubblewrap;
import dev.sandcrate.precompile.sandbox.BuildFolder;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.sandbox.ProcessRunner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Std for wasm32-unknown-unknown, built once per toolchain from the Debian std sources with
 * {@code -Zbuild-std=std,panic_abort} (which also builds the real {@code proc_macro}), and published as a
 * sysroot under {@code <cache>/toolchain/<identity>/sysroot}. Every macro build then passes
 * {@code --sysroot} instead of rebuilding std. The build itself runs under bubblewrap at fixed mount
 * points so every machine with the same toolchain gets the same rlibs. Rlibs keep both object code and
 * bitcode ({@code -Cembed-bitcode=yes}) so macro builds may use LTO.
 *
 * <p>Inside the sandbox only, four std sources are changed ({@link #CHANGES}). Three are replaced so that a macro sees
 * the explicit inputs of its request and nothing else of the host: the environment (an in-memory map the bridge
 * server fills per expansion), the file system (a read-only view of the files the consumer gave, which the bridge
 * server holds) and the working directory. Upstream has none of them on this target. The fourth, core's
 * {@code Hasher}, hashes {@code usize} and {@code isize} as 64-bit integers, as on the 64-bit hosts macros run on
 * natively: macros that name items by a {@code DefaultHasher} hash (cpp_macros, wasm-bindgen-macro) then expand
 * as natively. The build refuses std sources whose original files are not the ones the changes were written against.
 */
public final class WasmStd {
    /** Bump when the way std is built changes: it is part of the cache key. */
    public static final int RECIPE_VERSION = 5;

    /** A std source file Sandcrate changes, and the sha256 of the upstream file the change was written against. */
    sealed interface StdChange permits Replacement, Edit {
        String stdFile();

        String upstreamSha256();

        /** The file the build sees instead of the upstream one. */
        byte[] apply(byte[] upstream) throws IOException;
    }

    /** The whole file replaced by a resource of this package. */
    record Replacement(String stdFile, String resource, String upstreamSha256) implements StdChange {
        @Override
        public byte[] apply(byte[] upstream) throws IOException {
            try (var in = WasmStd.class.getResourceAsStream(resource)) {
                return in.readAllBytes();
            }
        }
    }

    /** Text of the upstream file replaced: each {@code before} occurs exactly once. */
    record Edit(String stdFile, String upstreamSha256, List<Substitution> substitutions) implements StdChange {
        record Substitution(String before, String after) {
        }

        @Override
        public byte[] apply(byte[] upstream) {
            String text = new String(upstream, StandardCharsets.UTF_8);
            for (Substitution s : substitutions) {
                int at = text.indexOf(s.before());
                if (at < 0 || text.indexOf(s.before(), at + 1) >= 0) {
                    throw new PrecompileException(stdFile + " does not contain exactly one " + s.before().strip().lines().findFirst().orElse(""));
                }
                text = text.substring(0, at) + s.after() + text.substring(at + s.before().length());
            }
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }

    static final List<StdChange> CHANGES = List.of(
            new Replacement("std/src/sys/env/unsupported.rs", "std-env-unsupported.rs",
                    "98dfdc48510c03fa3cbab5886ff1f2fc7497c0caa362da44a7ae75936d116bb1"),
            new Replacement("std/src/sys/fs/unsupported.rs", "std-fs-unsupported.rs",
                    "b173c5b64f6bb235254f2106a80d900e1f67706100b2f2d21de7ecce17d511c9"),
            new Replacement("std/src/sys/paths/unsupported.rs", "std-paths-unsupported.rs",
                    "9d8936d020e26b76da68094e41bef0dcbd78a932eaa0052e02d3299ff64cdc44"),
            new Edit("core/src/hash/mod.rs", "3933785a52fe51baa926f922cc9d06d0871d4e9ec3e2438c52ea9a06482935be", List.of(
                    new Edit.Substitution("""
                                fn write_usize(&mut self, i: usize) {
                                    self.write(&i.to_ne_bytes())
                                }
                            """, """
                                fn write_usize(&mut self, i: usize) {
                                    // Sandcrate: 8 bytes, as on the 64-bit hosts macros run on natively
                                    self.write(&(i as u64).to_ne_bytes())
                                }
                            """),
                    new Edit.Substitution("""
                                fn write_isize(&mut self, i: isize) {
                                    self.write_usize(i as usize)
                                }
                            """, """
                                fn write_isize(&mut self, i: isize) {
                                    // Sandcrate: sign-extended to 8 bytes, as on 64-bit hosts
                                    self.write(&(i as i64).to_ne_bytes())
                                }
                            """),
                    // a slice of usize or isize hashes element by element (the trait's default), not as its raw
                    // bytes, which are 4 per element in wasm32
                    new Edit.Substitution("""
                                    (usize, write_usize),
                            """, ""),
                    new Edit.Substitution("""
                                    (isize, write_isize),
                            """, ""),
                    new Edit.Substitution("""
                                impl_write! {
                            """, """
                                #[stable(feature = "rust1", since = "1.0.0")]
                                impl Hash for usize {
                                    #[inline]
                                    fn hash<H: Hasher>(&self, state: &mut H) {
                                        state.write_usize(*self)
                                    }
                                }

                                #[stable(feature = "rust1", since = "1.0.0")]
                                impl Hash for isize {
                                    #[inline]
                                    fn hash<H: Hasher>(&self, state: &mut H) {
                                        state.write_isize(*self)
                                    }
                                }

                                impl_write! {
                            """))));
    public static final String TARGET = "wasm32-unknown-unknown";
    private static final Object IN_PROCESS_LOCK = new Object();

    /** A published sysroot and the sha256 over its rlibs (recorded in every artifact's manifest). */
    public record Sysroot(Path path, String sha256) {
    }

    private WasmStd() {
    }

    public static Path cacheRoot() {
        String env = System.getenv("SANDCRATE_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "sandcrate");
    }

    /** Returns the cached sysroot for {@code toolchain}, building it first if this machine has none yet. */
    public static Sysroot ensure(Toolchain toolchain, Path cacheRoot, Progress progress) {
        Path dir = cacheRoot.resolve("toolchain").resolve(toolchain.identityHash());
        Path sysroot = dir.resolve("sysroot");
        Path hashFile = dir.resolve("sysroot.sha256");
        try {
            if (Files.isRegularFile(hashFile)) return new Sysroot(sysroot, Files.readString(hashFile).strip());
            Files.createDirectories(dir);
            synchronized (IN_PROCESS_LOCK) {
                try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = lockFile.lock()) {
                    if (Files.isRegularFile(hashFile)) return new Sysroot(sysroot, Files.readString(hashFile).strip());
                    return build(toolchain, dir, progress);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Sysroot build(Toolchain toolchain, Path dir, Progress progress) throws IOException {
        progress.step("building std for " + TARGET + " once for toolchain " + toolchain.identityHash()
                + " (" + toolchain.release() + ") into " + dir + "; later builds reuse it");
        long start = System.nanoTime();
        Path work = dir.resolve("build-" + UUID.randomUUID());
        Files.createDirectories(work.resolve("src"));
        Files.createDirectories(work.resolve(".cargo"));
        Files.writeString(work.resolve("Cargo.toml"), """
                [package]
                name = "sandcrate-std-probe"
                version = "0.0.0"
                edition = "2021"

                [lib]
                crate-type = ["cdylib"]

                [profile.release]
                panic = "abort"
                codegen-units = 1
                debug = 0
                """);
        Files.writeString(work.resolve("src/lib.rs"), "extern crate proc_macro;\n#[no_mangle]\npub extern \"C\" fn probe() -> i32 { proc_macro::is_available() as i32 }\n");
        Files.writeString(work.resolve(".cargo/config.toml"), """
                [source.crates-io]
                replace-with = "rust-std-vendor"

                [source.rust-std-vendor]
                directory = "%s"

                [target.wasm32-unknown-unknown]
                linker = "/usr/bin/wasm-ld"
                """.formatted(toolchain.stdSources().resolve("vendor")));
        Path log = dir.resolve("std-build.log");
        Files.deleteIfExists(log);
        Bubblewrap sandbox = new Bubblewrap().bind(work, "/build").workDir("/build");
        for (StdChange change : CHANGES) {
            Path original = toolchain.stdSources().resolve(change.stdFile());
            if (!Checksums.sha256Hex(original).equals(change.upstreamSha256())) {
                throw new PrecompileException(original + " is not the file Sandcrate's std changes (sha256 " + Checksums.sha256Hex(original)
                        + "); update WasmStd.CHANGES for this release");
            }
            Path changed = work.resolve("std-changes").resolve(change.stdFile());
            Files.createDirectories(changed.getParent());
            Files.write(changed, change.apply(Files.readAllBytes(original)));
            sandbox.readOnly(changed, original.toString());
        }
        sandbox.env("CARGO_HOME", "/tmp/cargo-home").env("RUSTC", toolchain.rustc().toString())
                .env("RUSTC_BOOTSTRAP", "1").env("RUSTFLAGS", "-Cembed-bitcode=yes")
                .env("SOURCE_DATE_EPOCH", "0").env("CARGO_BUILD_JOBS", "2");
        ProcessRunner.Result r = sandbox.run(List.of(toolchain.cargo().toString(), "build", "--release", "--offline",
                "--target", TARGET, "-Zbuild-std=std,panic_abort"), BuildLimits.defaults(), log);
        if (!r.ok()) {
            throw new PrecompileException("building std for " + TARGET + " failed (" + r.failure(BuildLimits.defaults().wallClock()) + ")"
                    + "; see " + log + "\n" + BuildFolder.tail(log, 30));
        }
        Path staged = work.resolve("sysroot");
        Path libDir = staged.resolve("lib/rustlib").resolve(TARGET).resolve("lib");
        Files.createDirectories(libDir);
        List<Path> rlibs;
        try (Stream<Path> s = Files.list(work.resolve("target").resolve(TARGET).resolve("release/deps"))) {
            rlibs = s.filter(p -> p.getFileName().toString().endsWith(".rlib")).sorted().toList();
        }
        StringBuilder digests = new StringBuilder();
        for (Path rlib : rlibs) {
            Files.copy(rlib, libDir.resolve(rlib.getFileName()));
            digests.append(rlib.getFileName()).append(' ').append(Checksums.sha256Hex(rlib)).append('\n');
        }
        Files.writeString(staged.resolve("rlibs.sha256"), digests);
        String sha = Checksums.sha256Hex(digests.toString());
        Path sysroot = dir.resolve("sysroot");
        FileTrees.delete(sysroot);
        try {
            Files.move(staged, sysroot, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staged, sysroot);
        }
        // the hash file is the "ready" marker: written last, atomically
        Path tmpHash = dir.resolve("sysroot.sha256.tmp");
        Files.writeString(tmpHash, sha + "\n");
        Files.move(tmpHash, dir.resolve("sysroot.sha256"), StandardCopyOption.ATOMIC_MOVE);
        FileTrees.delete(work);
        progress.step("std for " + TARGET + " built in " + (System.nanoTime() - start) / 1_000_000 + " ms: "
                + rlibs.size() + " rlibs, sha256 " + sha.substring(0, 16) + ", log " + log);
        return new Sysroot(sysroot, sha);
    }
}

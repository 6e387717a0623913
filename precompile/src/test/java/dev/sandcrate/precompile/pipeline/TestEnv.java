package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.source.CompatPatches;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.UnpackedCrateFolderSource;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Expensive things shared by the tests of one run (and across runs through the cache): the toolchain, the wasm
 * std sysroot, and precompiled artifacts of real crates, cached by everything that determines their bytes.
 */
public final class TestEnv {
    public static final Path DEBIAN_REGISTRY = Path.of("/usr/share/cargo/registry");
    static final Path TEST_CRATES = Path.of("src/test/resources/crates");
    static final Progress LOG = m -> System.out.println("[precompile-test] " + m);
    private static Toolchain toolchain;
    private static WasmStd.Sysroot sysroot;
    private static CrateSource debian;
    private static Path debianCorpus;

    private TestEnv() {
    }

    static synchronized Toolchain toolchain() {
        if (toolchain == null) toolchain = Toolchain.detect();
        return toolchain;
    }

    static synchronized WasmStd.Sysroot sysroot() {
        if (sysroot == null) sysroot = WasmStd.ensure(toolchain(), WasmStd.cacheRoot(), LOG);
        return sysroot;
    }

    public static synchronized CrateSource debian() {
        if (debian == null) debian = new UnpackedCrateFolderSource(DEBIAN_REGISTRY);
        return debian;
    }

    /** Every crate Debian packages (scripts/debian-corpus.sh: fetched by `scripts/setup.sh --test`, cached after). */
    public static synchronized Path debianCorpus() throws IOException, InterruptedException {
        if (debianCorpus == null) {
            Process p = new ProcessBuilder("bash", Path.of("../scripts/debian-corpus.sh").toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) throw new IllegalStateException("scripts/debian-corpus.sh failed (see its messages above)");
            debianCorpus = Path.of(out.substring(out.lastIndexOf('\n') + 1));
        }
        return debianCorpus;
    }

    static Precompiler precompiler(Path out) {
        return new Precompiler(toolchain(), sysroot(), out, BuildLimits.defaults(), LOG);
    }

    /**
     * The verified artifact of {@code macro} with {@code features}, built once and then reused from
     * {@code <cache>/fixtures/<key>/} where the key covers the crate, features, toolchain, std, bridge sources
     * and recipe versions.
     */
    public static synchronized BuildRecord artifact(MacroCrate macro, FeatureSet features, CrateSource deps) {
        return BuildRecord.read(recordFile(macro, features, deps));
    }

    /** The module file of that artifact (its record's {@code artifact}, beside the record). */
    public static synchronized Path artifactFile(MacroCrate macro, FeatureSet features, CrateSource deps) {
        Path record = recordFile(macro, features, deps);
        return record.resolveSibling(BuildRecord.read(record).artifact());
    }

    private static Path recordFile(MacroCrate macro, FeatureSet features, CrateSource deps) {
        try {
            Path tmp = Files.createTempDirectory("sandcrate-rust-sha");
            String rustSha = RustSources.copyTo(tmp);
            FileTrees.delete(tmp);
            String key = Checksums.sha256Hex(String.join("\n", macro.sha256(), features.key(), toolchain().identityHash(),
                    sysroot().sha256(), rustSha, "build " + BuildWorkspace.RECIPE_VERSION, "patches " + CompatPatches.VERSION)).substring(0, 24);
            Path dir = WasmStd.cacheRoot().resolve("fixtures").resolve(macro.name() + "-" + macro.version() + "-" + features.key() + "-" + key);
            Path record = dir.resolve(macro.name() + "-" + macro.version() + "-" + features.key() + ".wasm.build.json");
            if (Files.isRegularFile(record)) {
                LOG.step("reusing fixture " + dir);
                return record;
            }
            Path staging = dir.resolveSibling(dir.getFileName() + ".tmp-" + UUID.randomUUID());
            BuildRecord built = precompiler(staging).precompile(macro, features, deps);
            if (!built.verified()) throw new AssertionError("fixture " + macro.label() + " was rejected: " + built.rejection());
            FileTrees.delete(staging.resolve("work"));
            Files.move(staging, dir);
            return record;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

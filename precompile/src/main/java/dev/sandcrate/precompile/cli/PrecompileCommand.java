package dev.sandcrate.precompile.cli;

import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.DependencyCache;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.pipeline.MacroCrate;
import dev.sandcrate.precompile.pipeline.Precompiler;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.CrateSources;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code sandcrate precompile <crate.crate|dir> [--features ...]}: build, verify twice, print the hash. */
@Command(name = "precompile", mixinStandardHelpOptions = true,
        description = {"Precompile a proc-macro crate to sandboxed WebAssembly.",
                "Builds it twice under bubblewrap with the pinned toolchain; the artifact is kept only if both builds are bit-identical."})
public final class PrecompileCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CRATE", description = "a .crate file or an unpacked crate folder")
    Path crate;

    @Option(names = "--features", paramLabel = "LIST", description = "comma-separated features to enable")
    String features;

    @Option(names = "--no-default-features", description = "do not enable the crate's default features")
    boolean noDefaultFeatures;

    @Option(names = "--crates", paramLabel = "DIR", description = "where dependencies come from: a folder of .crate files "
            + "or of unpacked crates (repeatable; default: /usr/share/cargo/registry)")
    List<Path> crateDirs;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "sandcrate-artifacts",
            description = "output folder for the artifact, its build record and logs (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "20", description = "wall-clock limit per build")
    long timeoutMinutes;

    @Option(names = "--dependency-cache", paramLabel = "DIR", description = "verified dependency builds to reuse and add to "
            + "(default: <SANDCRATE_CACHE>/dependencies)")
    Path dependencyCache;

    @Option(names = "--no-dependency-cache", description = "compile every dependency in both builds, reusing and storing nothing")
    boolean noDependencyCache;

    @Option(names = "--install-toolchain", description = "apt-get install the pinned toolchain if it is missing")
    boolean installToolchain;

    @Override
    public Integer call() {
        try {
            Progress progress = Progress.toStderr();
            Toolchain toolchain = installToolchain ? Toolchain.install(progress) : Toolchain.detect();
            progress.step("toolchain " + toolchain.release() + " (" + toolchain.identityHash() + "), " + toolchain.cargoVersion());
            WasmStd.Sysroot sysroot = WasmStd.ensure(toolchain, WasmStd.cacheRoot(), progress);
            MacroCrate macro = MacroCrate.load(crate);
            Precompiler precompiler = new Precompiler(toolchain, sysroot, out.toAbsolutePath(), limits(timeoutMinutes), progress);
            if (!noDependencyCache) {
                precompiler.withDependencyCache(DependencyCache.folder(dependencyCache != null ? dependencyCache
                        : WasmStd.cacheRoot().resolve("dependencies")));
            }
            BuildRecord record = precompiler.precompile(macro, FeatureSet.parse(features, noDefaultFeatures), sources(crateDirs));
            return report(record, out);
        } catch (PrecompileException | IllegalArgumentException e) {
            System.err.println("sandcrate precompile: " + e.getMessage());
            return 1;
        }
    }

    static BuildLimits limits(long timeoutMinutes) {
        BuildLimits d = BuildLimits.defaults();
        return new BuildLimits(Duration.ofMinutes(timeoutMinutes), Math.max(d.cpuSeconds(), timeoutMinutes * 60 * 2),
                d.addressSpaceBytes(), d.maxFileBytes());
    }

    static CrateSource sources(List<Path> dirs) {
        List<Path> list = dirs == null || dirs.isEmpty() ? List.of(Path.of("/usr/share/cargo/registry")) : dirs;
        return CrateSources.layered(list.stream().map(CrateSources::open).toList());
    }

    static int report(BuildRecord record, Path out) {
        if (!record.verified()) {
            System.err.println("sandcrate: " + record.manifest().label() + " rejected: " + record.rejection());
            return 2;
        }
        System.out.println(record.artifactSha256() + "  " + out.resolve(record.artifact()));
        return 0;
    }
}

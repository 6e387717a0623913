package dev.sandcrate.precompile.cli;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.Precompiler;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sandcrate rebuild <artifact.wasm | artifact.build.json>}: rebuild an artifact from the inputs its manifest
 * names (crate, lockfile, features, toolchain) and check that the result is the same bytes.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = {"Reproduce a precompiled artifact bit for bit from its manifest.",
                "Exit status 0 when the rebuilt module is identical, 3 when it differs."})
public final class RebuildCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ARTIFACT", description = "the .wasm artifact or its .build.json record")
    Path artifact;

    @Option(names = "--crates", paramLabel = "DIR", description = "where the crate and its locked dependencies come from "
            + "(repeatable; default: /usr/share/cargo/registry)")
    List<Path> crateDirs;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "sandcrate-rebuild", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--timeout", paramLabel = "MINUTES", defaultValue = "20", description = "wall-clock limit per build")
    long timeoutMinutes;

    @Override
    public Integer call() {
        try {
            if (!Files.isRegularFile(artifact)) {
                throw new PrecompileException(artifact + " does not exist or is not a file (expected a .wasm artifact or its .build.json)");
            }
            Progress progress = Progress.toStderr();
            ArtifactManifest manifest;
            String expectedSha;
            if (artifact.getFileName().toString().endsWith(".json")) {
                BuildRecord original = BuildRecord.read(artifact);
                manifest = original.manifest();
                expectedSha = original.artifactSha256();
                if (!original.verified()) {
                    throw new PrecompileException(artifact + " records a rejected build (" + original.rejection() + "): there is no artifact to reproduce");
                }
            } else {
                byte[] wasm = Files.readAllBytes(artifact);
                manifest = ArtifactManifest.of(wasm);
                expectedSha = Checksums.sha256Hex(wasm);
            }
            progress.step("rebuilding " + manifest.label() + ", expecting sha256 " + expectedSha);
            Toolchain toolchain = Toolchain.detect();
            WasmStd.Sysroot sysroot = WasmStd.ensure(toolchain, WasmStd.cacheRoot(), progress);
            if (!sysroot.sha256().equals(manifest.toolchain().wasmStdSha256())) {
                progress.step("note: this machine's wasm std build (" + sysroot.sha256().substring(0, 16)
                        + ") differs from the original's (" + manifest.toolchain().wasmStdSha256().substring(0, 16) + ")");
            }
            BuildRecord record = new Precompiler(toolchain, sysroot, out.toAbsolutePath(), PrecompileCommand.limits(timeoutMinutes), progress)
                    .rebuild(manifest, PrecompileCommand.sources(crateDirs));
            if (!record.verified()) return PrecompileCommand.report(record, out);
            if (!expectedSha.equals(record.artifactSha256())) {
                System.err.println("sandcrate rebuild: NOT reproduced: rebuilt " + record.artifactSha256() + " but expected " + expectedSha);
                return 3;
            }
            System.out.println("reproduced " + record.artifactSha256() + "  " + out.resolve(record.artifact()));
            return 0;
        } catch (PrecompileException | IOException e) {
            System.err.println("sandcrate rebuild: " + e.getMessage());
            return 1;
        }
    }
}

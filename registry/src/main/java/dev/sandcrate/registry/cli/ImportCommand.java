package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.mirror.CrateImporter;
import dev.sandcrate.registry.mirror.ImportProgress;
import dev.sandcrate.registry.storage.BlobStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Import crates into the registry: .crate files (kept byte for byte), unpacked crate folders"
                + " (e.g. /usr/share/cargo/registry, a `cargo vendor` directory; packed deterministically) or a bundle"
                + " from `sandcrate export` (with the verified precompiled artifacts it carries). Safe to re-run:"
                + " versions already here are skipped, so an interrupted import resumes.",
                "Exit status: 0 if everything was imported or already present, 1 if anything failed."})
public final class ImportCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Parameters(paramLabel = "PATH", arity = "1..*",
            description = "A .crate file, a crate folder, a folder holding either (searched recursively), or a bundle.")
    List<Path> paths;

    @Option(names = "--as", paramLabel = "LOGIN", defaultValue = CrateImporter.DEFAULT_IMPORTER,
            description = "The user the import is recorded under (created if missing; default: ${DEFAULT-VALUE}).")
    String importer;

    @Option(names = "--public-url", paramLabel = "URL",
            description = "The registry's public URL, so dependencies that name its index are recorded as local ones.")
    String publicUrl;

    @Option(names = "--max-upload-mib", defaultValue = "10", description = "Largest .crate accepted (default: ${DEFAULT-VALUE} MiB).")
    long maxUploadMib;

    @Option(names = "--max-unpacked-mib", defaultValue = "512", description = "Largest unpacked size of a .crate (default: ${DEFAULT-VALUE} MiB).")
    long maxUnpackedMib;

    @Option(names = "--no-artifacts", description = "Leave out the precompiled artifacts a bundle carries (this registry builds its own).")
    boolean noArtifacts;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        for (Path p : paths) {
            if (!p.toFile().exists()) {
                System.err.println("sandcrate import: " + p + " does not exist");
                return 2;
            }
        }
        if (maxUploadMib <= 0 || maxUnpackedMib <= 0) {
            System.err.println("sandcrate import: size limits must be positive");
            return 2;
        }
        int failed = 0;
        try (Services s = data.openServices(Services.Publishing.at(publicUrl, maxUploadMib << 20, maxUnpackedMib << 20))) {
            CrateImporter imports = new CrateImporter(s.database().jdbi(), s.crates(),
                    CrateImporter.importerPrincipal(s.users(), importer), quiet ? ImportProgress.silent() : ImportProgress.stderr(),
                    noArtifacts ? null : s.store(BlobStorage.Area.ARTIFACTS));
            for (Path p : paths) {
                CrateImporter.Summary summary;
                try {
                    summary = imports.importPath(p);
                } catch (IllegalArgumentException e) {
                    System.err.println("sandcrate import: " + e.getMessage());
                    failed++;
                    continue;
                }
                System.out.println(p + ": " + summary.describe());
                failed += summary.failures().size();
            }
        }
        return failed == 0 ? 0 : 1;
    }
}

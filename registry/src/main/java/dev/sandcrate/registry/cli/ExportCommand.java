package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.mirror.MirrorBundle;
import dev.sandcrate.registry.storage.BlobStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the registry's crates and index to a bundle (one tar file) that `sandcrate import` reads,"
                + " e.g. to carry it into an air-gapped site.")
public final class ExportCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "The bundle to write (e.g. mirror.tar).")
    Path output;

    @Option(names = "--since", paramLabel = "BUNDLE",
            description = "An earlier bundle: leave out the .crate files it already carries (the index stays complete).")
    Path since;

    @Override
    public Integer call() throws Exception {
        if (data.database().embedded() && !Files.isDirectory(data.dataDir.resolve("db"))) {
            System.err.println("sandcrate export: " + data.dataDir + " holds no registry (no db/ folder)");
            return 2;
        }
        if (since != null && !Files.isRegularFile(since)) {
            System.err.println("sandcrate export: --since " + since + " does not exist");
            return 2;
        }
        try (Services s = data.openServices()) {
            MirrorBundle.ExportSummary summary = MirrorBundle.export(s.database().jdbi(), s.crates(),
                    s.store(BlobStorage.Area.ARTIFACTS), output, since,
                    data.dataDir.toAbsolutePath().normalize().toString());
            System.out.println(summary.describe());
            return 0;
        } catch (IllegalArgumentException e) {
            System.err.println("sandcrate export: " + e.getMessage());
            return 2;
        }
    }
}

package dev.sandcrate.registry.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --data-dir}, shared by every command that works on a registry's data. */
public final class DataDirOption {
    @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
            description = "Holds the H2 database and the blobs (default: ${DEFAULT-VALUE}).")
    public Path dataDir;
}

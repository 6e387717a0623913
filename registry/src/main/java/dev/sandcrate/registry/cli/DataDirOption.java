package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.db.DatabaseConfig;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --data-dir} and the database options, shared by every command that works on a registry's data. The data dir
 * always holds the blobs and artifacts; the rows live in its embedded H2 database unless {@code --database-url} names a
 * PostgreSQL server (then every process of the registry must see the same data dir contents: shared storage).
 */
public final class DataDirOption {
    @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
            description = "Holds the blobs, artifacts and (without --database-url) the H2 database (default: ${DEFAULT-VALUE}).")
    public Path dataDir;

    @Option(names = "--database-url", paramLabel = "URL", defaultValue = "${env:SANDCRATE_DATABASE_URL}",
            description = {"A PostgreSQL database instead of the embedded H2: jdbc:postgresql://host[:port]/db[?sslmode=...]"
                    + " or postgresql://[user[:password]@]host[:port]/db (env SANDCRATE_DATABASE_URL)."})
    String databaseUrl;

    @Option(names = "--database-user", paramLabel = "USER", defaultValue = "${env:SANDCRATE_DATABASE_USER}",
            description = "The PostgreSQL user (env SANDCRATE_DATABASE_USER; default: the URL's, else the driver's).")
    String databaseUser;

    @Option(names = "--database-password-file", paramLabel = "FILE",
            description = "Read the PostgreSQL password from this file's first line (or set env SANDCRATE_DATABASE_PASSWORD;"
                    + " else the URL's password, else ~/.pgpass).")
    Path databasePasswordFile;

    /** Which database the options name: the one place commands decide between H2 in the data dir and PostgreSQL. */
    public DatabaseConfig database() {
        String password = System.getenv("SANDCRATE_DATABASE_PASSWORD");
        if (databasePasswordFile != null) {
            try {
                password = Files.readAllLines(databasePasswordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read --database-password-file " + databasePasswordFile + ": " + e.getMessage());
            }
        }
        return DatabaseConfig.parse(databaseUrl, blankToNull(databaseUser), blankToNull(password));
    }

    /** Opens (migrating if needed) the database these options name. */
    public Database openDatabase() {
        return Database.open(dataDir, database());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

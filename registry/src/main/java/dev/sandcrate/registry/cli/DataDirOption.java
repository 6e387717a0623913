package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.storage.BlobStorage;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --data-dir}, the database and the blob options, shared by every command that works on a registry's data. The
 * rows live in the data dir's embedded H2 database unless {@code --database-url} names a PostgreSQL server; the blobs
 * and artifacts live in the data dir unless {@code --blob-url} names an S3-compatible bucket (with PostgreSQL, every
 * process of the registry must see the same blobs: the bucket, or shared storage for the data dir).
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

    @Option(names = "--blob-url", paramLabel = "URL", defaultValue = "${env:SANDCRATE_BLOB_URL}",
            description = {"Keep blobs (crates, artifacts, logs, shims, upstream cache) in an S3-compatible bucket instead of"
                    + " the data dir: s3://bucket[/prefix][?endpoint=http://host:port&region=R&path-style=true|false]"
                    + " (env SANDCRATE_BLOB_URL; credentials from the AWS chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws)."})
    String blobUrl;

    /** Which blob storage the options name: the one place commands decide between the data dir and a bucket. */
    public BlobStorage blobs() {
        return BlobStorage.parse(blobUrl);
    }

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

    /** Opens (migrating if needed) the database these options name, with the other services over it and these blobs. */
    public Services openServices(Services.Publishing publishing) {
        return Services.open(dataDir, database(), this::blobs, publishing);
    }

    /** The services of a command that does not publish. */
    public Services openServices() {
        return openServices(Services.Publishing.NONE);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

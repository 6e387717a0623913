package dev.sandcrate.e2e;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.db.PostgresCluster;
import dev.sandcrate.registry.storage.BlobStorage;
import dev.sandcrate.registry.storage.BlobStore;
import dev.sandcrate.registry.storage.S3MockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Blobs in an S3-compatible bucket (Adobe S3Mock in its own process) with the real cargo: the publish/consume suite,
 * two registries that share only a PostgreSQL database and the bucket, and the operator's --blob-url.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class S3Test {
    static S3MockServer s3;
    static final AtomicInteger prefixes = new AtomicInteger();
    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        s3 = S3MockServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (s3 != null) s3.close();
    }

    @Nested
    class PublishAndConsume extends PublishAndConsumeTest {
        @Override
        protected BlobStorage blobStorage() {
            return s3.storage("publish-" + prefixes.incrementAndGet());
        }
    }

    /**
     * Two registries with their own data dirs, sharing only the database and the bucket (no shared file system): a crate
     * published through one is downloaded and built through the other, and its .crate is an object in the bucket.
     */
    @Test
    void twoRegistriesOnOneDatabaseAndOneBucket() throws Exception {
        BlobStorage storage = s3.storage("two-registries");
        try (PostgresCluster cluster = PostgresCluster.start()) {
            DatabaseConfig db = cluster.newDatabase();
            try (Registry a = Registry.start(RegistryConfig.loopback(tmp.resolve("a")).withDatabase(db).withBlobs(storage));
                 Registry b = Registry.start(RegistryConfig.loopback(tmp.resolve("b")).withDatabase(db).withBlobs(storage))) {
                long alice = a.users().add("alice", false).id();
                String token = a.tokens().create(alice, "ci", java.util.EnumSet.allOf(dev.sandcrate.registry.auth.Scope.class), List.of(), null).secret();
                Cargo viaA = Cargo.withRegistry(tmp.resolve("cargo-a"), a.sparseIndexUrl(), "");
                viaA.login(token);
                Cargo viaB = Cargo.withRegistry(tmp.resolve("cargo-b"), b.sparseIndexUrl(), "");

                Path lib = Cargo.project(tmp.resolve("bucket-lib"), """
                        [package]
                        name = "bucket-lib"
                        version = "0.1.0"
                        edition = "2021"
                        description = "Published through registry A, its .crate in the bucket"
                        license = "MIT"
                        """, Map.of("src/lib.rs", "pub fn answer() -> u32 { 42 }\n"));
                viaA.ok(lib, "publish", "--registry", "sandcrate", "--allow-dirty");
                Path app = Cargo.project(tmp.resolve("app"), """
                        [package]
                        name = "app"
                        version = "0.1.0"
                        edition = "2021"
                        publish = false

                        [dependencies]
                        bucket-lib = { version = "0.1", registry = "sandcrate" }
                        """, Map.of("src/main.rs", "fn main() { println!(\"{}\", bucket_lib::answer()); }\n"));
                assertEquals("42", viaB.ok(app, "run", "-q").output().strip());

                String cksum = b.crates().versions("bucket-lib").getFirst().cksum();
                BlobStore crates = storage.open(tmp, BlobStorage.Area.CRATES);
                assertEquals(java.util.Set.of(cksum), crates.keys());
                for (Path dataDir : List.of(tmp.resolve("a"), tmp.resolve("b"))) {
                    try (Stream<Path> files = Files.walk(dataDir)) {
                        assertEquals(List.of(), files.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().equals(cksum)).toList(),
                                "no blob files in " + dataDir);
                    }
                }
            }
        }
    }

    /**
     * The operator's commands with --blob-url and credentials from the AWS chain (here its system properties): import
     * stores the .crate in the bucket and export reads it back; a missing bucket or a bad URL is a one-line error.
     */
    @Test
    void blobUrlOnTheCommandLine() throws Exception {
        String key = System.setProperty("aws.accessKeyId", "test-key");
        String secret = System.setProperty("aws.secretAccessKey", "test-secret");
        try {
            String data = tmp.resolve("data").toString();
            List<String> options = List.of("--data-dir", data, "--blob-url", s3.blobUrl("cli"));
            PostgresTest.sandcrate(options, "import", "--quiet", "/usr/share/cargo/registry/cfg-if-1.0.0");
            BlobStore crates = s3.storage("cli").open(tmp, BlobStorage.Area.CRATES);
            assertEquals(1, crates.keys().size(), "the imported .crate is in the bucket");
            String export = PostgresTest.sandcrate(options, "export", "--output", tmp.resolve("bundle.tar").toString());
            assertTrue(export.contains(": 1 crates, 1 versions, 1 .crate files"), export);

            List<String> err = new ArrayList<>();
            int exit = PostgresTest.sandcrate(List.of("--data-dir", data, "--port", "0", "--blob-url", "s3://no-such-bucket?endpoint=" + s3.endpoint()),
                    err, "serve");
            assertEquals(1, exit);
            assertTrue(err.getLast().startsWith("sandcrate serve: cannot use S3 bucket s3://no-such-bucket at " + s3.endpoint()), err.getLast());
            assertFalse(err.getLast().contains("\tat "), "no stack trace: " + err.getLast());

            exit = PostgresTest.sandcrate(List.of("--data-dir", data, "--blob-url", "s3://b0b?acl=private"), err, "user", "list");
            assertEquals(0, exit, "user list opens no blob store");
            exit = PostgresTest.sandcrate(List.of("--data-dir", data, "--port", "0", "--blob-url", "s3://b0b?acl=private"), err, "serve");
            assertEquals(1, exit);
            assertEquals("sandcrate serve: --blob-url: unknown parameter acl (known: endpoint, region, path-style)", err.getLast());
        } finally {
            restore("aws.accessKeyId", key);
            restore("aws.secretAccessKey", secret);
        }
    }

    private static void restore(String name, String value) {
        if (value == null) System.clearProperty(name);
        else System.setProperty(name, value);
    }
}

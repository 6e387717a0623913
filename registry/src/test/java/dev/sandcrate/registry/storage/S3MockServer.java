package dev.sandcrate.registry.storage;

import dev.sandcrate.registry.CleanupOnce;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real S3-compatible server for tests: Adobe S3Mock's runnable jar from Maven Central (registry/pom.xml fetches it;
 * surefire passes its path as {@code sandcrate.s3mock.jar}), started as a separate JVM on a free loopback port with its
 * objects in a temp folder, stopped and deleted by {@link #close} (or, if the JVM ends first, by a shutdown hook).
 */
public final class S3MockServer implements AutoCloseable {
    public static final String BUCKET = "sandcrate-test";
    private final Process process;
    private final Path dir;
    private final int port;
    private final CleanupOnce cleanup;

    private S3MockServer(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.cleanup = new CleanupOnce("s3mock-cleanup", this::stopAndDelete);
    }

    /** Starts the server with {@link #BUCKET}; fails (never skips) when the jar is missing or the server does not come up. */
    public static S3MockServer start() throws IOException, InterruptedException {
        String jar = System.getProperty("sandcrate.s3mock.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Mock jar not found (" + jar + "): build with Maven, which fetches com.adobe.testing:s3mock:exec");
        }
        Path dir = Files.createTempDirectory("sandcrate-s3-");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(List.of(java.toString(), "-XX:TieredStopAtLevel=1", "-Xmx256m", "-jar", jar,
                "--server.port=0", "--server.address=127.0.0.1",
                "--com.adobe.testing.s3mock.http-port=" + port,
                "--com.adobe.testing.s3mock.store.root=" + dir.resolve("store"),
                "--com.adobe.testing.s3mock.store.initial-buckets=" + BUCKET,
                "--spring.main.banner-mode=off"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
        S3MockServer server = new S3MockServer(p, dir, port);
        try {
            server.awaitReady();
            return server;
        } catch (IOException | RuntimeException e) {
            String log = Files.isRegularFile(dir.resolve("log")) ? Files.readString(dir.resolve("log")) : "";
            server.close();
            throw new IOException(e.getMessage() + "\nS3Mock log:\n" + log, e);
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("S3Mock exited with " + process.exitValue());
            try {
                HttpURLConnection c = (HttpURLConnection) endpoint().resolve("/" + BUCKET).toURL().openConnection();
                c.setRequestMethod("HEAD");
                if (c.getResponseCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IOException("S3Mock did not answer on port " + port + " within 90 s");
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The bucket under {@code prefix} with fixed test credentials (S3Mock accepts any), listing {@code pageSize} keys per request. */
    public S3BlobStore.Location location(String prefix, int pageSize) {
        return new S3BlobStore.Location(BUCKET, prefix, endpoint(), "us-east-1", true,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test-key", "test-secret")), pageSize);
    }

    public BlobStorage storage(String prefix) {
        return new BlobStorage(location(prefix, 1000));
    }

    /** The {@code --blob-url} an operator would give for {@code prefix}. */
    public String blobUrl(String prefix) {
        return "s3://" + BUCKET + "/" + prefix + "?endpoint=" + endpoint();
    }

    @Override
    public void close() {
        cleanup.close();
    }

    private void stopAndDelete() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        } catch (IOException e) {
            System.err.println("S3Mock: cannot delete " + dir + ": " + e.getMessage());
        }
    }
}

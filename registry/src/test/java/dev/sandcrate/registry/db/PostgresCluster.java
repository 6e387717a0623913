package dev.sandcrate.registry.db;

import dev.sandcrate.registry.CleanupOnce;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for tests: Debian's {@code postgresql} package (scripts/setup.sh --test), initdb into a
 * temp folder, started on a free loopback port with password authentication, stopped and deleted by {@link #close}
 * (or, if the JVM ends first, by a shutdown hook). PostgreSQL refuses to run as root, so as root the folder belongs to
 * the {@code postgres} OS user and every command runs through {@code runuser -u postgres}.
 */
public final class PostgresCluster implements AutoCloseable {
    static final String SUPERUSER = "sandcrate";
    static final String PASSWORD = "test-secret";

    private final Path dir;
    private final Path bin;
    private final boolean asPostgres;
    private final int port;
    private final CleanupOnce cleanup;
    private final AtomicInteger databases = new AtomicInteger();

    private PostgresCluster(Path dir, Path bin, boolean asPostgres, int port) {
        this.dir = dir;
        this.bin = bin;
        this.asPostgres = asPostgres;
        this.port = port;
        this.cleanup = new CleanupOnce("postgres-cluster-cleanup", this::stopAndDelete);
    }

    /** initdb + pg_ctl start; fails (never skips) when PostgreSQL is not installed. */
    public static PostgresCluster start() throws IOException, InterruptedException {
        Path bin = findBin();
        boolean asPostgres = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("sandcrate-pg-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        if (asPostgres) {
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
        }
        Path pwfile = dir.resolve("pwfile");
        PostgresCluster cluster = null;
        try {
            Files.writeString(pwfile, PASSWORD + "\n");
            if (asPostgres) Files.setOwner(pwfile, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
            run(bin, asPostgres, dir, "initdb", "-D", dir.resolve("data").toString(), "-U", SUPERUSER, "--pwfile=" + pwfile,
                    "--auth=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
            int port = freePort();
            cluster = new PostgresCluster(dir, bin, asPostgres, port);
            run(bin, asPostgres, dir, "pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("log").toString(), "-w", "-t", "60",
                    "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
                            + " -c full_page_writes=off -c max_connections=200", "start");
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            String log = Files.isRegularFile(dir.resolve("log")) ? Files.readString(dir.resolve("log")) : "";
            if (cluster != null) cluster.close();
            else deleteTree(dir);
            throw new IOException(e.getMessage() + (log.isEmpty() ? "" : "\nserver log:\n" + log), e);
        }
    }

    /** A new, empty database on this server, as the registry connects to it. */
    public DatabaseConfig newDatabase() throws SQLException {
        String name = "registry_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, PASSWORD)) {
            c.createStatement().execute("CREATE DATABASE " + name);
        }
        return new DatabaseConfig(jdbcUrl(name), SUPERUSER, PASSWORD);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        cleanup.close();
    }

    private void stopAndDelete() {
        try {
            if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
                run(bin, asPostgres, dir, "pg_ctl", "-D", dir.resolve("data").toString(), "-m", "immediate", "-w", "stop");
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            System.err.println("postgres test cluster: stop failed: " + e.getMessage());
        } finally {
            deleteTree(dir);
        }
    }

    private static Path findBin() {
        // Debian installs the server outside PATH, one folder per major version
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
                if (found.isPresent()) return found.get();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!p.isEmpty() && Files.isExecutable(Path.of(p, "pg_ctl")) && Files.isExecutable(Path.of(p, "initdb"))) return Path.of(p);
        }
        throw new IllegalStateException("PostgreSQL is not installed (no pg_ctl/initdb): run scripts/setup.sh --test, which installs Debian's postgresql");
    }

    private static void run(Path bin, boolean asPostgres, Path cwd, String tool, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        cmd.add(bin.resolve(tool).toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("pg-" + tool, ".out");
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(tool + " did not finish in 120 s: " + Files.readString(out));
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("postgres test cluster: cannot delete " + dir + ": " + e.getMessage());
        }
    }
}

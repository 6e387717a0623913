package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.db.PostgresCluster;
import dev.sandcrate.registry.storage.S3MockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The deployment of docs/deploy.md, started for real: Debian's HAProxy with {@code deploy/haproxy.cfg} in front of
 * three {@code sandcrate serve} processes started with the command of {@code deploy/sandcrate-serve@.service}, one
 * PostgreSQL, one S3-compatible bucket (S3Mock). Real cargo publishes through the balancer and another project
 * builds through it with the sparse and with the git index (round robin: a git fetch's two requests land on
 * different replicas); a replica killed with SIGKILL in the middle of a publish loses nothing and leaves nothing half
 * published, and publishing again succeeds; a worker killed with SIGKILL in the middle of a build leaves its job to
 * the other worker, which finishes it.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ReplicasDeploymentTest {
    static final Path DEPLOY = repoRoot().resolve("deploy");
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();
    final List<Process> processes = new ArrayList<>();
    PostgresCluster cluster;
    S3MockServer s3;

    @AfterEach
    void stopEverything() {
        for (Process p : processes) p.destroyForcibly();
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (s3 != null) s3.close();
        if (cluster != null) cluster.close();
    }

    static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        throw new IllegalStateException("no deploy/ above " + Path.of("").toAbsolutePath());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * The unit's ExecStart as a command for this test: the JVM options and the sandcrate arguments as written, with
     * the instance ({@code %i}), the variables of the environment file and the state directory filled in; the jar
     * is this build's classes.
     */
    static List<String> unitCommand(String unit, String instance, Map<String, String> env, Path stateRoot) throws IOException {
        String exec = Files.readAllLines(DEPLOY.resolve(unit)).stream().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length());
        List<String> words = List.of(exec.split(" "));
        int jar = words.indexOf("-jar");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(words.subList(1, jar));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sandcrate.registry.cli.SandcrateCommand"));
        for (String w : words.subList(jar + 2, words.size())) {
            String v = w.replace("%i", instance).replace("/var/lib/sandcrate", stateRoot.toString());
            Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(v);
            cmd.add(m.replaceAll(r -> Matcher.quoteReplacement(env.get(r.group(1)))));
        }
        return cmd;
    }

    Process start(List<String> cmd, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(java.time.Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    void awaitStatus(String url, int expected, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (status(url) != expected) {
            if (System.nanoTime() > deadline) fail(url + " never answered " + expected + "; log:\n" + (log == null ? "" : Files.readString(log)));
            Thread.sleep(200);
        }
    }

    String head(int port) throws Exception {
        String refs = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/git/index/info/refs?service=git-upload-pack")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("([0-9a-f]{40}) refs/heads/master").matcher(refs);
        assertTrue(m.find(), refs);
        return m.group(1);
    }

    @Test
    void threeReplicasBehindHaproxyOnePostgresOneBucket() throws Exception {
        cluster = PostgresCluster.start();
        s3 = S3MockServer.start();
        DatabaseConfig db = cluster.newDatabase();
        int lb = freePort();
        String publicUrl = "http://127.0.0.1:" + lb;
        String token;
        // the operator's first steps, on the shared database: a user and a token
        try (Registry setup = Registry.start(RegistryConfig.loopback(tmp.resolve("setup")).withDatabase(db).withBlobs(s3.storage("deploy")))) {
            long alice = setup.users().add("alice", false).id();
            token = setup.tokens().create(alice, "ci", EnumSet.allOf(Scope.class), List.of(), null).secret();
        }

        // /etc/sandcrate/sandcrate.env, as deploy/sandcrate.env lists it
        Map<String, String> env = new HashMap<>(Map.of(
                "SANDCRATE_PUBLIC_URL", publicUrl, "SANDCRATE_HOST", "127.0.0.1",
                "SANDCRATE_DATABASE_URL", db.url(), "SANDCRATE_DATABASE_USER", db.user(), "SANDCRATE_DATABASE_PASSWORD", db.password(),
                "SANDCRATE_BLOB_URL", s3.blobUrl("deploy"), "AWS_ACCESS_KEY_ID", "test-key", "AWS_SECRET_ACCESS_KEY", "test-secret",
                "SANDCRATE_LOG_FORMAT", "json"));
        for (String key : Files.readAllLines(DEPLOY.resolve("sandcrate.env")).stream().filter(l -> l.contains("=") && !l.startsWith("#"))
                .map(l -> l.substring(0, l.indexOf('='))).toList()) {
            assertTrue(env.containsKey(key), "the test sets " + key + " of sandcrate.env");
        }
        int[] ports = {freePort(), freePort(), freePort()};
        List<List<String>> commands = new ArrayList<>();
        Process[] replicas = new Process[3];
        for (int i = 0; i < 3; i++) {
            commands.add(unitCommand("sandcrate-serve@.service", Integer.toString(ports[i]), env, tmp.resolve("state")));
            replicas[i] = start(commands.get(i), env, tmp.resolve("replica" + i + ".log"));
        }
        Path adminSocket = tmp.resolve("haproxy-admin.sock");
        Map<String, String> lbEnv = new HashMap<>(Map.of("SANDCRATE_LB_BIND", "127.0.0.1:" + lb, "SANDCRATE_LB_ADMIN", adminSocket.toString()));
        for (int i = 0; i < 3; i++) lbEnv.put("SANDCRATE_REPLICA_" + (i + 1), "127.0.0.1:" + ports[i]);
        for (int i = 0; i < 3; i++) awaitStatus("http://127.0.0.1:" + ports[i] + "/ready", 200, tmp.resolve("replica" + i + ".log"));
        start(List.of("/usr/sbin/haproxy", "-db", "-f", DEPLOY.resolve("haproxy.cfg").toString()), lbEnv, tmp.resolve("haproxy.log"));
        awaitStatus(publicUrl + "/ready", 200, tmp.resolve("haproxy.log"));
        assertEquals(404, status(publicUrl + "/metrics"), "metrics stay off the public side");
        assertEquals(200, status("http://127.0.0.1:" + ports[0] + "/metrics"));
        assertTrue(Files.readString(tmp.resolve("replica0.log")).lines().anyMatch(l -> l.startsWith("{\"timestamp\"")), "JSON logs");

        // real cargo publishes through the balancer
        Cargo publisher = Cargo.withRegistry(tmp.resolve("cargo-publisher"), "sparse+" + publicUrl + "/index/", "");
        publisher.login(token);
        for (String version : List.of("0.1.0", "0.2.0")) {
            Path lib = Cargo.project(tmp.resolve("lib-" + version), """
                    [package]
                    name = "balanced-lib"
                    version = "%s"
                    edition = "2021"
                    description = "Published through HAProxy"
                    license = "MIT"
                    """.formatted(version), Map.of("src/lib.rs", "pub fn version() -> &'static str { \"" + version + "\" }\n"));
            publisher.ok(lib, "publish", "--registry", "sandcrate", "--allow-dirty");
        }

        // another project builds through it, with the sparse index and with the git index
        for (String index : List.of("sparse+" + publicUrl + "/index/", publicUrl + "/git/index")) {
            String kind = index.startsWith("sparse+") ? "sparse" : "git";
            Cargo consumer = Cargo.withRegistry(tmp.resolve("cargo-" + kind), index, "");
            Path app = Cargo.project(tmp.resolve("app-" + kind), """
                    [package]
                    name = "app"
                    version = "0.1.0"
                    edition = "2021"
                    publish = false

                    [dependencies]
                    balanced-lib = { version = "0.2", registry = "sandcrate" }
                    """, Map.of("src/main.rs", "fn main() { println!(\"{}\", balanced_lib::version()); }\n"));
            assertEquals("0.2.0", consumer.ok(app, "run", "-q").output().strip(), kind);
        }
        String head = head(ports[0]);
        assertEquals(head, head(ports[1]));
        assertEquals(head, head(ports[2]), "every replica serves the same git index commits");

        // the crate exists first: two replicas creating the same new crate at once is a race the database settles
        // with a 409 "publish again" for the loser, which is not what this step is about
        CratePacker.PackedCrate first = new CratePacker.PackedCrate("crashy", "0.9.0", CrashDuringPublishTest.bigCrate(tmp.resolve("big-first"), "0.9.0", 9));
        HttpResponse<String> created = http.send(publishRequest(publicUrl, token, first), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, created.statusCode(), created.body());
        // three big publishes at once: round robin gives one to each replica; replica 1 is killed while it reads its upload
        List<CratePacker.PackedCrate> crates = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            crates.add(new CratePacker.PackedCrate("crashy", "1.0." + i, CrashDuringPublishTest.bigCrate(tmp.resolve("big" + i), "1.0." + i, i)));
            pending.add(http.sendAsync(publishRequest(publicUrl, token, crates.get(i)), HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(150);
        replicas[1].destroyForcibly().waitFor(); // SIGKILL
        int failed = 0;
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = pending.get(i).handle((resp, e) -> resp).join();
            if (r == null || r.statusCode() != 200) failed++;
        }
        System.out.printf("publishes cut off by the SIGKILL: %d of 3%n", failed);
        assertTrue(failed <= 1, "only the killed replica's publish may fail: " + failed);
        // publishing again (what a user does after cargo's error) succeeds, or finds the version already complete
        for (CratePacker.PackedCrate crate : crates) {
            HttpResponse<String> again = http.send(publishRequest(publicUrl, token, crate), HttpResponse.BodyHandlers.ofString());
            assertTrue(again.statusCode() == 200 || again.statusCode() == 409 && again.body().contains("already exists"), again.body());
            byte[] downloaded = http.send(HttpRequest.newBuilder(URI.create(publicUrl + "/api/v1/crates/crashy/" + crate.version() + "/download"))
                    .build(), HttpResponse.BodyHandlers.ofByteArray()).body();
            assertEquals(Checksums.sha256Hex(crate.bytes()), Checksums.sha256Hex(downloaded), "all of " + crate.version());
        }
        String index = http.send(HttpRequest.newBuilder(URI.create(publicUrl + "/index/cr/as/crashy")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertEquals(4, index.lines().count(), index);

        // systemd restarts the killed replica: it rejoins with the same git index as the others
        replicas[1] = start(commands.get(1), env, tmp.resolve("replica1-restarted.log"));
        awaitStatus("http://127.0.0.1:" + ports[1] + "/ready", 200, tmp.resolve("replica1-restarted.log"));
        assertEquals(head(ports[0]), head(ports[1]));
        assertEquals(head(ports[0]), head(ports[2]));

        // two workers; the one building the macro's job is killed mid-build, the other one finishes it
        Process[] workers = new Process[2];
        Path[] workerLogs = new Path[2];
        for (int i = 0; i < 2; i++) {
            workerLogs[i] = tmp.resolve("worker" + i + ".log");
            workers[i] = start(unitCommand("sandcrate-worker@.service", Integer.toString(i + 1), env, tmp.resolve("state")), env, workerLogs[i]);
        }
        CratePacker.PackedCrate macro = PrecompileHarness.smallMacro(tmp, "shouting", false);
        HttpResponse<String> published = http.send(publishRequest(publicUrl, token, macro), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, published.statusCode(), published.body());
        int building = awaitBuilding(tmp.resolve("state"), workers, workerLogs);
        workers[building].destroyForcibly().waitFor();
        System.out.println("killed worker " + (building + 1) + " in the middle of its build");
        JsonNode set = awaitVerified(publicUrl, workerLogs[1 - building]);
        assertEquals(2, set.path("attempts").asInt(), "the killed attempt counts, the other worker finished it");
        byte[] wasm = http.send(HttpRequest.newBuilder(URI.create(set.path("artifact").path("url").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertEquals(set.path("artifact").path("sha256").asText(), Checksums.sha256Hex(wasm));

        // cargo publish through the balancer, the replica that has its upload killed: cargo fails, publishing again succeeds
        haproxy(adminSocket, "set server replicas/replica1 state maint");
        haproxy(adminSocket, "set server replicas/replica2 state maint"); // so the publish goes to replica 3
        Path big = tmp.resolve("big-lib");
        Files.createDirectories(big.resolve("src"));
        Files.writeString(big.resolve("Cargo.toml"), String.join("\n", "[package]", "name = \"big-lib\"", "version = \"1.0.0\"",
                "edition = \"2021\"", "description = \"A few MiB, so that its publish takes a while\"", "license = \"MIT\"", ""));
        Files.writeString(big.resolve("src/lib.rs"), "pub static DATA: &[u8] = include_bytes!(\"data.bin\");\n");
        byte[] noise = new byte[3 << 20];
        new java.util.Random(7).nextBytes(noise);
        Files.write(big.resolve("src/data.bin"), noise);
        CompletableFuture<Cargo.Result> publishing = CompletableFuture.supplyAsync(() -> {
            try {
                return publisher.run(big, null, "publish", "--registry", "sandcrate", "--allow-dirty", "--no-verify");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        awaitPutOn(adminSocket, "replica3", publishing);
        replicas[2].destroyForcibly().waitFor(); // SIGKILL while it has the publish
        Cargo.Result cut = publishing.join();
        assertNotEquals(0, cut.exit(), "cargo saw the replica die:\n" + cut.output());
        haproxy(adminSocket, "set server replicas/replica1 state ready");
        haproxy(adminSocket, "set server replicas/replica2 state ready");
        awaitStatus(publicUrl + "/ready", 200, null);
        Cargo.Result again = publisher.run(big, null, "publish", "--registry", "sandcrate", "--allow-dirty", "--no-verify");
        assertTrue(again.exit() == 0 || again.output().contains("already exists"), again.output());
        String line = http.send(HttpRequest.newBuilder(URI.create(publicUrl + "/index/bi/g-/big-lib")).build(), HttpResponse.BodyHandlers.ofString()).body();
        String cksum = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line.strip()).path("cksum").asText();
        byte[] crate = http.send(HttpRequest.newBuilder(URI.create(publicUrl + "/api/v1/crates/big-lib/1.0.0/download")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        assertEquals(cksum, Checksums.sha256Hex(crate), "the version is complete");
        System.out.println("cargo publish cut off by the SIGKILL, then published " + (again.exit() == 0 ? "again" : "already: it had committed"));
    }

    /** A command to HAProxy's runtime API; returns its answer. */
    static String haproxy(Path socket, String command) throws IOException {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
            ch.write(java.nio.ByteBuffer.wrap((command + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Waits until HAProxy holds a PUT to {@code server} whose response has not begun: a publish in the replica's hands. */
    static void awaitPutOn(Path socket, String server, CompletableFuture<?> client) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            assertFalse(client.isDone(), "the publish ended before it was seen at " + server);
            for (String session : haproxy(socket, "show sess all").split("\n(?=0x)")) {
                if (session.contains("server=" + server + " ") && session.contains("meth=4 ") && session.contains("rsp.st=MSG_RPBEFORE")) return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no publish reached " + server);
    }

    /** Waits until a worker is inside the sandboxed build (its progress log reached cargo); returns which one. */
    static int awaitBuilding(Path stateRoot, Process[] workers, Path[] logs) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < workers.length; i++) {
                if (!workers[i].isAlive()) fail("worker " + (i + 1) + " exited:\n" + Files.readString(logs[i]));
                Path work = stateRoot.resolve("worker-" + (i + 1)).resolve("precompiled/work");
                if (!Files.isDirectory(work)) continue;
                try (var dirs = Files.list(work)) {
                    for (Path dir : dirs.toList()) {
                        Path progress = dir.resolve("progress.log");
                        if (Files.isRegularFile(progress) && Files.readString(progress).contains("cargo build")) return i;
                    }
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no worker started building within 4 minutes");
    }

    JsonNode awaitVerified(String publicUrl, Path workerLog) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        JsonNode set = null;
        while (System.nanoTime() < deadline) {
            String body = http.send(HttpRequest.newBuilder(URI.create(publicUrl + "/api/v1/crates/shouting/0.1.0/precompiled")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            set = PrecompileHarness.defaultSet(new com.fasterxml.jackson.databind.ObjectMapper().readTree(body));
            if (PrecompileHarness.finished(set)) {
                assertEquals("verified", set.path("state").asText(), set.toPrettyString() + "\n" + Files.readString(workerLog));
                return set;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("the job did not finish; last status:\n" + (set == null ? "" : set.toPrettyString()) + "\n" + Files.readString(workerLog));
    }

    static HttpRequest publishRequest(String url, String token, CratePacker.PackedCrate crate) {
        return HttpRequest.newBuilder(URI.create(url + "/api/v1/crates/new")).header("Authorization", token)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(crate))).build();
    }
}

package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.index.git.GitIndexRepository;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The git index with real cargo: crates published over HTTP appear as commits in the git repository served at
 * /git/index, cargo resolves and builds a project from it with libgit2 and with the git CLI
 * ({@code net.git-fetch-with-cli}), a yank is a commit too, and a deleted repository is rebuilt from the database's change log. On an
 * auth-required registry cargo and git fetch it with the user's git credential (a token) and download with cargo's.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class GitIndexTest {
    static final List<String> CRATES = List.of("serde", "itoa", "ryu", "serde_json");
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;
    final HttpClient http = HttpClient.newHttpClient();

    @Test
    void cargoBuildsFromTheGitIndexWithLibgit2AndWithTheGitCliAndTheHistoryIsAnAuditLog() throws Exception {
        Path data = tmp.resolve("data");
        try (Registry registry = Registry.start(RegistryConfig.loopback(data))) {
            long id = registry.users().add("alice", false).id();
            String token = registry.tokens().create(id, "publish", EnumSet.allOf(Scope.class), List.of(), null).secret();
            for (String name : CRATES) publish(registry, token, name);
            String gitUrl = registry.url() + "/git/index";

            for (boolean cli : List.of(false, true)) {
                Cargo cargo = new Cargo(tmp.resolve("home-" + cli), """
                        [registries.sandcrate]
                        index = "%s"

                        [source.crates-io]
                        replace-with = "sandcrate"

                        [net]
                        retry = 0
                        git-fetch-with-cli = %s

                        [build]
                        jobs = 2
                        """.formatted(gitUrl, cli));
                Path app = Cargo.project(tmp.resolve("app-" + cli), """
                        [package]
                        name = "app"
                        version = "0.1.0"
                        edition = "2021"

                        [dependencies]
                        serde_json = { version = "1", registry = "sandcrate" }
                        """, Map.of("src/main.rs", """
                        fn main() {
                            let v = serde_json::json!({"via": "git", "n": [1, 2]});
                            println!("{v}");
                        }
                        """));
                Cargo.Result run = cargo.ok(app, "run", "-q");
                assertEquals("{\"n\":[1,2],\"via\":\"git\"}", run.output().strip(), "git-fetch-with-cli = " + cli);
                String lock = Files.readString(app.resolve("Cargo.lock"));
                String cksum = registry.crates().versions("serde_json").getFirst().cksum();
                assertTrue(lock.contains("checksum = \"" + cksum + "\""), lock);
                assertTrue(lock.contains("source = \"registry+" + gitUrl + "\""), "the lockfile names the git index:\n" + lock);
            }

            // the same files as the sparse index
            GitIndexRepository repo = registry.gitIndex().repository();
            for (String name : CRATES) {
                byte[] sparse = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/index/" + IndexPaths.pathOf(name))).build(),
                        HttpResponse.BodyHandlers.ofByteArray()).body();
                assertArrayEquals(sparse, repo.read(IndexPaths.pathOf(name)).orElseThrow(), name);
            }

            String itoa = registry.crates().versions("itoa").getFirst().num();
            HttpResponse<String> yank = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/itoa/" + itoa + "/yank"))
                    .header("Authorization", token).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, yank.statusCode(), yank.body());
            registry.gitIndex().sync(); // as a fetch would
            assertTrue(new String(repo.read(IndexPaths.pathOf("itoa")).orElseThrow(), StandardCharsets.UTF_8).contains("\"yanked\":true"));

            // the history, as anyone sees it with git itself over HTTP
            Path clone = tmp.resolve("clone");
            String log = git(tmp, "clone", "-q", gitUrl, clone.toString()) + git(clone, "log", "--reverse", "--format=%an: %s");
            List<String> lines = log.strip().lines().toList();
            assertEquals("sandcrate: Set config.json: downloads and API at " + registry.url(), lines.getFirst());
            List<String> expected = new ArrayList<>();
            for (String name : CRATES) expected.add("alice: Publish " + name + " " + registry.crates().versions(name).getFirst().num());
            expected.add("alice: Yank itoa " + itoa);
            assertEquals(expected, lines.subList(1, lines.size()));
            assertTrue(Files.readString(clone.resolve("config.json")).contains("\"dl\" : \"" + registry.url() + "/api/v1/crates\""));
            assertTrue(Files.readString(clone.resolve("config.json")).contains("\"auth-required\" : false"));

            HttpResponse<String> push = http.send(HttpRequest.newBuilder(URI.create(gitUrl + "/info/refs?service=git-receive-pack")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, push.statusCode(), "the git index is read-only");
            assertTrue(push.body().contains("\"detail\""), push.body());
        }

        // a lost repository is rebuilt from the database's change log, commit for commit
        deleteTree(data.resolve("git-index"));
        try (Registry registry = Registry.start(RegistryConfig.loopback(data))) {
            registry.gitIndex().sync();
            GitIndexRepository repo = registry.gitIndex().repository();
            List<GitIndexRepository.Commit> log = repo.log(10);
            assertEquals("Yank itoa " + registry.crates().versions("itoa").getFirst().num(), log.getFirst().message().lines().findFirst().orElseThrow());
            assertEquals("alice", log.getFirst().author());
            assertEquals(1 + CRATES.size() + 1, log.size(), "config.json, then one commit per publish and the yank");
            assertTrue(new String(repo.read(IndexPaths.pathOf("itoa")).orElseThrow(), StandardCharsets.UTF_8).contains("\"yanked\":true"));
        }
    }

    @Test
    void anAuthRequiredRegistryServesTheGitIndexToGitCredentials() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true))) {
            long id = registry.users().add("carol", false).id();
            publish(registry, registry.tokens().create(id, "publish", EnumSet.allOf(Scope.class), List.of(), null).secret(), "itoa");
            Tokens.Created reader = registry.tokens().create(id, "reader", EnumSet.of(Scope.READ), List.of(), null);
            String gitUrl = registry.url() + "/git/index";

            // the user's git credential, kept the usual way: `credential.helper = store`, filled in by git itself
            Path userHome = Files.createDirectories(tmp.resolve("user-home"));
            Files.writeString(userHome.resolve(".gitconfig"), "[credential]\n\thelper = store\n");
            git(tmp, userHome, "protocol=http\nhost=" + URI.create(registry.url()).getAuthority()
                    + "\nusername=cargo\npassword=" + reader.secret() + "\n\n", "credential", "approve").expectSuccess("git credential approve");
            Path strangerHome = Files.createDirectories(tmp.resolve("stranger-home"));

            for (boolean cli : List.of(false, true)) {
                // the token in cargo's credentials is for downloads: config.json says auth-required, so cargo sends it
                String config = """
                        [registries.sandcrate]
                        index = "%s"
                        credential-provider = "cargo:token"

                        [net]
                        retry = 0
                        git-fetch-with-cli = %s

                        [build]
                        jobs = 2
                        """.formatted(gitUrl, cli);
                Cargo cargo = new Cargo(tmp.resolve("cargo-home-" + cli), config).withUserHome(userHome);
                cargo.login(reader.secret());
                Path app = itoaApp(tmp.resolve("app-" + cli));
                assertEquals("42", cargo.ok(app, "run", "-q").output().strip(), "git-fetch-with-cli = " + cli);
                assertTrue(Files.readString(app.resolve("Cargo.lock")).contains("source = \"registry+" + gitUrl + "\""));

                // no credentials (`cargo login` itself fetches the index, so it fails the same way): the fetch is refused
                Cargo stranger = new Cargo(tmp.resolve("stranger-cargo-home-" + cli), config).withUserHome(strangerHome);
                Cargo.Result denied = stranger.run(itoaApp(tmp.resolve("stranger-app-" + cli)), null, "generate-lockfile");
                assertNotEquals(0, denied.exit());
                // what each fetcher prints: libgit2 found no credential; git would have prompted for one
                assertTrue(denied.output().contains(cli ? "could not read Username for '" + registry.url() + "'" : "failed to authenticate"),
                        denied.output());
            }

            Path clone = tmp.resolve("clone");
            git(tmp, userHome, null, "clone", "-q", gitUrl, clone.toString()).expectSuccess("git clone");
            String gitConfig = Files.readString(clone.resolve("config.json"));
            assertTrue(gitConfig.contains("\"auth-required\" : true"), gitConfig);
            assertEquals(JSON.readTree(gitConfig), JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/index/config.json"))
                    .header("Authorization", reader.secret()).build(), HttpResponse.BodyHandlers.ofString()).body()), "the same config.json as the sparse index");

            // a revoked token: 401, and git says so
            registry.tokens().revoke(reader.info().id());
            HttpResponse<String> refused = http.send(HttpRequest.newBuilder(URI.create(gitUrl + "/info/refs?service=git-upload-pack"))
                    .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(("cargo:" + reader.secret()).getBytes(StandardCharsets.UTF_8)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, refused.statusCode());
            assertTrue(refused.body().contains("revoked"), refused.body());
            Cargo.Result fetch = git(clone, userHome, null, "fetch");
            assertNotEquals(0, fetch.exit());
            assertTrue(fetch.output().contains("Authentication failed for '" + gitUrl + "/'"), fetch.output());
        }
    }

    static void publish(Registry registry, String token, String debianCrate) throws Exception {
        CratePacker.PackedCrate packed = CratePacker.pack(DebianCratesTest.debianFolder(debianCrate));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                .header("Authorization", token)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    static Path itoaApp(Path dir) throws Exception {
        return Cargo.project(dir, """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                itoa = { version = "1", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() { println!(\"{}\", itoa::Buffer::new().format(42)); }\n"));
    }

    static String git(Path dir, String... args) throws Exception {
        return git(dir, null, null, args).expectSuccess("git " + String.join(" ", args)).output();
    }

    /** Runs git; with {@code home}, git reads the .gitconfig and credentials there and never prompts. */
    static Cargo.Result git(Path dir, Path home, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        if (home != null) {
            pb.environment().put("HOME", home.toString());
            pb.environment().put("GIT_TERMINAL_PROMPT", "0");
        }
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new Cargo.Result(p.exitValue(), out);
    }

    static void deleteTree(Path dir) throws Exception {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}

package dev.sandcrate.e2e;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Index fields that nightly cargo publishes and reads: public dependencies ({@code -Zpublic-dependency}), artifact
 * dependencies ({@code -Zbindeps}), and the crates.io fields pubtime, rust_version, links and v 2 features2.
 * Publishes with the rustup nightly cargo and builds consumers with it.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class NightlyIndexFieldsTest {
    @TempDir
    Path tmp;
    Registry registry;
    Cargo nightly;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")));
        long alice = registry.users().add("alice", false).id();
        String token = registry.tokens().create(alice, "laptop", EnumSet.allOf(Scope.class), List.of(), null).secret();
        nightly = Cargo.withRegistry(tmp.resolve("cargo-home"), registry.sparseIndexUrl(), "").nightly();
        nightly.login(token);
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    String indexFile(String crate) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/index/" + IndexPaths.pathOf(crate))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }

    private Path lib(String name, String version, String extraToml, Map<String, String> files) throws Exception {
        return Cargo.project(tmp.resolve(name + "-" + version), """
                [package]
                name = "%s"
                version = "%s"
                edition = "2021"
                description = "nightly fields test"
                license = "MIT"
                %s
                """.formatted(name, version, extraToml), files);
    }

    @Test
    void publicDependencyIsWrittenAndSeenByNightlyCargo() throws Exception {
        nightly.ok(lib("pub-base", "0.1.0", "", Map.of("src/lib.rs", "pub struct Token(pub u32);\n")),
                "publish", "--registry", "sandcrate", "--allow-dirty");
        String before = indexFile("pub-base");

        nightly.ok(lib("pub-facade", "0.1.0", """
                [dependencies]
                pub-base = { version = "0.1", registry = "sandcrate", public = true }
                """, Map.of("src/lib.rs", "pub fn token() -> pub_base::Token { pub_base::Token(7) }\n")),
                "-Zpublic-dependency", "publish", "--registry", "sandcrate", "--allow-dirty");

        String line = indexFile("pub-facade").strip();
        assertTrue(line.contains(
                "{\"name\":\"pub-base\",\"req\":\"0.1\",\"features\":[],\"optional\":false,\"default_features\":true,"
                        + "\"target\":null,\"kind\":\"normal\",\"public\":true}"), line);
        assertEquals(before, indexFile("pub-base"), "a line without public deps is unchanged");
        assertFalse(before.contains("public"), before);

        // nightly cargo resolves it and builds pub-facade with pub-base as a public extern: cargo takes this from the
        // index line (checked: with the field dropped from the index it passes --extern 'priv:pub_base=...')
        Path app = Cargo.project(tmp.resolve("pub-app"), """
                [package]
                name = "pub-app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                pub-facade = { version = "0.1", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() { println!(\"token={}\", pub_facade::token().0); }\n"));
        Cargo.Result build = nightly.ok(app, "-Zpublic-dependency", "build", "-v");
        String facadeRustc = build.output().lines().filter(l -> l.contains("--crate-name pub_facade")).findFirst().orElseThrow();
        assertTrue(facadeRustc.contains("--extern pub_base="), facadeRustc);
        assertFalse(facadeRustc.contains("priv:pub_base"), facadeRustc);
        assertEquals("token=7", nightly.ok(app, "-Zpublic-dependency", "run", "-q").output().strip());
    }

    @Test
    void cratesIoFieldsRoundTripAndPubtimeSurvivesYank() throws Exception {
        nightly.ok(lib("opt-helper", "1.0.0", "[features]\nstd = []\n", Map.of("src/lib.rs", "pub const HELP: u32 = 5;\n")),
                "publish", "--registry", "sandcrate", "--allow-dirty");
        nightly.ok(lib("fields-demo", "0.3.0", """
                rust-version = "1.70"
                links = "fieldsdemo"
                build = "build.rs"

                [dependencies]
                opt-helper = { version = "1", registry = "sandcrate", optional = true }

                [features]
                default = ["std"]
                std = []
                helper = ["dep:opt-helper"]
                weak = ["opt-helper?/std"]
                """, Map.of("build.rs", "fn main() {}\n", "src/lib.rs", """
                #[cfg(feature = "helper")]
                pub fn value() -> u32 { opt_helper::HELP }
                """)), "publish", "--registry", "sandcrate", "--allow-dirty");

        String line = indexFile("fields-demo").strip();
        IndexEntry entry = IndexFile.parseLine(line);
        assertTrue(line.matches("\\{\"name\":\"fields-demo\",\"vers\":\"0.3.0\",\"deps\":\\[.*\\],\"cksum\":\"[0-9a-f]{64}\","
                + "\"features\":\\{\"default\":\\[\"std\"\\],\"std\":\\[\\]\\},"
                + "\"features2\":\\{\"helper\":\\[\"dep:opt-helper\"\\],\"weak\":\\[\"opt-helper\\?/std\"\\]\\},"
                + "\"yanked\":false,\"links\":\"fieldsdemo\",\"rust_version\":\"1.70\","
                + "\"pubtime\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\",\"v\":2\\}"), line);
        assertEquals(line, IndexFile.line(entry), "the line re-renders byte for byte");

        Path app = Cargo.project(tmp.resolve("fields-app"), """
                [package]
                name = "fields-app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                fields-demo = { version = "0.3", registry = "sandcrate", features = ["helper"] }
                """, Map.of("src/main.rs", "fn main() { println!(\"value={}\", fields_demo::value()); }\n"));
        assertEquals("value=5", nightly.ok(app, "run", "-q").output().strip());

        Thread.sleep(1100); // a rewritten pubtime would differ from the original by at least a second
        nightly.ok(app, "yank", "--registry", "sandcrate", "--version", "0.3.0", "fields-demo");
        IndexEntry yanked = IndexFile.parseLine(indexFile("fields-demo").strip());
        assertTrue(yanked.yanked());
        assertEquals(entry.pubtime(), yanked.pubtime(), "yanking keeps the publication time");
        assertEquals(entry.withYanked(true), yanked);
    }

    @Test
    void artifactDependencyIsPublishedAndBuiltByNightlyCargo() throws Exception {
        nightly.ok(lib("gen-tool", "0.1.0", "", Map.of(
                        "src/lib.rs", "pub const MAGIC: u32 = 41;\n",
                        "src/main.rs", "fn main() { println!(\"pub const GENERATED: u32 = {};\", gen_tool::MAGIC + 1); }\n")),
                "publish", "--registry", "sandcrate", "--allow-dirty");
        String host = hostTriple();
        nightly.ok(lib("uses-tool", "0.1.0", """
                [build-dependencies]
                gen-tool = { version = "0.1", registry = "sandcrate", artifact = "bin", lib = true, target = "%s" }
                """.formatted(host), Map.of("build.rs", """
                use std::process::Command;
                fn main() {
                    let tool = std::env::var("CARGO_BIN_FILE_GEN_TOOL").expect("cargo passes the artifact's path");
                    let out = Command::new(tool).output().expect("runs the tool");
                    assert_eq!(gen_tool::MAGIC, 41, "lib = true links the library too");
                    let dest = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("generated.rs");
                    std::fs::write(dest, out.stdout).unwrap();
                }
                """, "src/lib.rs", "include!(concat!(env!(\"OUT_DIR\"), \"/generated.rs\"));\n")),
                "-Zbindeps", "publish", "--registry", "sandcrate", "--allow-dirty");

        String line = indexFile("uses-tool").strip();
        assertTrue(line.contains("{\"name\":\"gen-tool\",\"req\":\"0.1\",\"features\":[],\"optional\":false,\"default_features\":true,"
                + "\"target\":null,\"kind\":\"build\",\"artifact\":[\"bin\"],\"bindep_target\":\"" + host + "\",\"lib\":true}"), line);
        assertTrue(line.endsWith(",\"v\":3}"), "cargo without -Zbindeps must skip the version: " + line);

        Path app = Cargo.project(tmp.resolve("tool-app"), """
                [package]
                name = "tool-app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                uses-tool = { version = "0.1", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() { println!(\"generated={}\", uses_tool::GENERATED); }\n"));
        assertEquals("generated=42", nightly.ok(app, "-Zbindeps", "run", "-q").output().strip());

        // without -Zbindeps cargo does not pretend the artifact dependency is an ordinary one: it cannot select the version
        Path plain = Cargo.project(tmp.resolve("tool-app-plain"), """
                [package]
                name = "tool-app-plain"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                uses-tool = { version = "0.1", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() {}\n"));
        Cargo.Result refused = nightly.run(plain, null, "generate-lockfile");
        assertNotEquals(0, refused.exit(), refused.output());
        assertTrue(refused.output().contains("uses-tool"), refused.output());
    }

    private String hostTriple() throws Exception {
        Process p = new ProcessBuilder("rustc", "-vV").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.lines().filter(l -> l.startsWith("host: ")).map(l -> l.substring(6).strip()).findFirst().orElseThrow();
    }
}

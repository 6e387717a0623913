package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.auth.Scope;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Shared steps of the precompile end-to-end tests: publishing, polling the precompiled API, small macro crates, the
 * runtime bundle and its install, and running cargo with a consumer's environment.
 */
final class PrecompileHarness {
    static final String CARGO = System.getenv().getOrDefault("SANDCRATE_TEST_CARGO", "cargo");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private PrecompileHarness() {
    }

    static String token(Registry r, String login, boolean admin) {
        long id = r.users().find(login).orElseGet(() -> r.users().add(login, admin)).id();
        return r.tokens().create(id, login, EnumSet.allOf(Scope.class), List.of(), null).secret();
    }

    static void publish(Registry r, String token, CratePacker.PackedCrate packed) throws Exception {
        HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(r.url() + "/api/v1/crates/new"))
                .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(DebianCratesTest.publishBody(packed))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) throw new AssertionError("publishing " + packed.name() + " failed: " + resp.body());
    }

    static void publishDebian(Registry r, String token, String... names) throws Exception {
        for (String name : names) publish(r, token, CratePacker.pack(DebianCratesTest.debianFolder(name)));
    }

    static JsonNode status(Registry r, String crate, String version) throws Exception {
        HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(URI.create(r.url() + "/api/v1/crates/" + crate + "/" + version + "/precompiled"))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) throw new AssertionError(resp.statusCode() + " " + resp.body());
        return JSON.readTree(resp.body());
    }

    static JsonNode defaultSet(JsonNode status) {
        for (JsonNode set : status.path("feature_sets")) if (set.path("key").asText().equals("default")) return set;
        return JSON.missingNode();
    }

    /** Polls the default feature set of a version until {@code done} holds for it (or fails after {@code timeout}). */
    static JsonNode awaitDefault(Registry r, String crate, String version, Duration timeout, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode set = JSON.missingNode();
        while (System.nanoTime() < deadline) {
            set = defaultSet(status(r, crate, version));
            if (done.test(set)) return set;
            Thread.sleep(500);
        }
        throw new AssertionError(crate + " " + version + " did not get there within " + timeout + "; last status:\n" + set.toPrettyString());
    }

    static boolean finished(JsonNode set) {
        return List.of("verified", "rejected", "failed").contains(set.path("state").asText());
    }

    static HttpResponse<byte[]> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * A dependency-free proc-macro crate that builds in seconds: {@code shout!} upper-cases identifiers. With
     * {@code bakeJobId}, it also embeds the builder's SANDCRATE_JOB_ID, so its two verification builds differ.
     */
    static CratePacker.PackedCrate smallMacro(Path work, String name, boolean bakeJobId) throws Exception {
        Path dir = work.resolve(name);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), """
                [package]
                name = "%s"
                version = "0.1.0"
                edition = "2021"
                description = "a small macro for the precompile tests"

                [lib]
                proc-macro = true
                """.formatted(name));
        Files.writeString(dir.resolve("src/lib.rs"), """
                use proc_macro::{Ident, TokenStream, TokenTree};

                #[proc_macro]
                pub fn shout(input: TokenStream) -> TokenStream {
                    input.into_iter().map(|t| match t {
                        TokenTree::Ident(i) => TokenTree::Ident(Ident::new(&i.to_string().to_uppercase(), i.span())),
                        other => other,
                    }).collect()
                }
                """ + (bakeJobId ? """

                /// The build's job id, different in each of the two verification builds.
                #[proc_macro]
                pub fn built_by(_input: TokenStream) -> TokenStream {
                    format!("{:?}", option_env!("SANDCRATE_JOB_ID").unwrap_or("")).parse().unwrap()
                }
                """ : ""));
        return CratePacker.pack(dir);
    }

    /** A {@code sandcrate worker} process on the data dir (the test JVM's classpath, like the packaged jar). */
    static Process startWorker(Path data, int leaseSeconds, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.sandcrate.registry.cli.SandcrateCommand", "worker", "--data-dir", data.toString(),
                "--lease-seconds", String.valueOf(leaseSeconds), "--concurrency", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The one-line install exactly as the README shows it, into {@code home} (a temp HOME); returns it. */
    static Path installRuntime(Registry r, Path home) throws Exception {
        Files.createDirectories(home);
        Proc install = run(home, Map.of("HOME", home.toString()), "sh", "-c", "curl -fsSL " + r.url() + "/runtime/install.sh | sh");
        if (install.exit() != 0 || !Files.isExecutable(home.resolve(".sandcrate/runtime/bin/sandcrate-runtime"))) {
            throw new AssertionError("installing the runtime failed:\n" + install.all());
        }
        if (!Files.isRegularFile(home.resolve(".sandcrate/runtime/lib/runtime.aot"))) { // the launcher's JVM start cache
            throw new AssertionError("the install made no AOT cache:\n" + install.all());
        }
        return home;
    }

    /** The bundle built by sandbox-runtime/bundle/build.sh, built now if this checkout has none yet. */
    static Path runtimeBundle() throws Exception {
        Path root = Checkout.root();
        Path dir = root.resolve("sandbox-runtime/target/bundle");
        Path file = dir.resolve("sandcrate-runtime-linux-" + arch() + ".tar.gz");
        if (!Files.isRegularFile(file) || olderThanTheRuntimeJar(file, root)) {
            Proc build = run(root, Map.of(), "bash", root.resolve("sandbox-runtime/bundle/build.sh").toString());
            if (build.exit() != 0) throw new AssertionError("building the runtime bundle failed:\n" + build.all());
        }
        return file;
    }

    /** A bundle older than the runtime it packs (the checkout was rebuilt since) would test an old runtime. */
    private static boolean olderThanTheRuntimeJar(Path bundle, Path root) throws java.io.IOException {
        try (var jars = Files.newDirectoryStream(root.resolve("sandbox-runtime/target"), "sandcrate-sandbox-runtime-*.jar")) {
            for (Path jar : jars) {
                if (Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(bundle)) > 0) return true;
            }
        }
        return false;
    }

    static String arch() throws Exception {
        return run(Path.of("."), Map.of(), "uname", "-m").out.strip();
    }

    /**
     * An isolated CARGO_HOME whose crates-io is replaced by {@code index} (the source index or the precompiled view),
     * with HOME where the runtime was installed ({@code home}) and the runtime's socket directory (or null).
     */
    static Map<String, String> cargoEnv(Path cargoHome, String index, Path home, Path runtimeDir) throws IOException {
        Cargo.withRegistry(cargoHome, index, "[source.crates-io]\nreplace-with = \"sandcrate\"\n"); // writes its config.toml
        Map<String, String> env = new java.util.HashMap<>();
        env.put("CARGO_HOME", cargoHome.toString());
        env.put("CARGO_TARGET_DIR", cargoHome.resolve("target").toString());
        env.put("HOME", home.toString());
        if (runtimeDir != null) env.put("SANDCRATE_RUNTIME_DIR", runtimeDir.toString());
        return env;
    }

    /** Whether cargo's verbose output shows rustc compiling {@code crate} (its --crate-name, with - as _). */
    static boolean compiled(Proc cargo, String crate) {
        return cargo.err.contains("--crate-name " + crate.replace('-', '_') + " ");
    }

    record Proc(int exit, String out, String err) {
        String all() {
            return out + "\n--- stderr ---\n" + err;
        }
    }

    static Proc cargo(Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CARGO));
        cmd.addAll(List.of(args));
        return run(dir, env, cmd.toArray(String[]::new));
    }

    static Proc cargoOk(Path dir, Map<String, String> env, String... args) throws Exception {
        Proc p = cargo(dir, env, args);
        if (p.exit() != 0) throw new AssertionError("cargo " + String.join(" ", args) + " failed with exit " + p.exit() + ":\n" + p.all());
        return p;
    }

    static Proc run(Path dir, Map<String, String> env, String... cmd) throws Exception {
        Path out = Files.createTempFile("sandcrate-proc-", ".out");
        Path err = Files.createTempFile("sandcrate-proc-", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("CARGO_TERM_COLOR", "never");
            pb.environment().put("CARGO_TERM_PROGRESS_WHEN", "never");
            pb.environment().remove("SANDCRATE_RUNTIME");
            pb.environment().remove("RUSTC_BOOTSTRAP");
            // rustup's proxies find their toolchains through RUSTUP_HOME, which defaults to $HOME/.rustup
            pb.environment().putIfAbsent("RUSTUP_HOME", Path.of(System.getProperty("user.home"), ".rustup").toString());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " timed out:\n" + Files.readString(out) + Files.readString(err));
            }
            return new Proc(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}

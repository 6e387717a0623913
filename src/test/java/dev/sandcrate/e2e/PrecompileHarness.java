package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.auth.Scope;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.function.Predicate;

/** Shared steps of the precompile end-to-end tests: publishing, polling the precompiled API, small macro crates. */
final class PrecompileHarness {
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
}

package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.view.RuntimeBundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.sandcrate.e2e.PrecompileHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 13: an async app using {@code futures} gets futures-macro as a shim. Debian's futures-macro 0.3.21 has no
 * features; futures-util asks for it without default features, which used to be a second job of the same effective
 * set, and two verified artifacts of one set made every shim generation fail, so syn was compiled for every such app.
 * Here the real crates from the Debian corpus are published, precompiled by the service, and a consumer using
 * {@code futures::join!} builds through the view without compiling syn, quote or proc-macro2;
 * {@code sandcrate-runtime why} (from the installed bundle) says so.
 */
class FuturesShimTest {
    static final List<String> CRATES = List.of("unicode-ident-1.0.0", "proc-macro2-1.0.47", "quote-1.0.21", "syn-1.0.107",
            "futures-macro-0.3.21", "futures-core-0.3.21", "futures-task-0.3.21", "futures-sink-0.3.21", "futures-io-0.3.21",
            "futures-channel-0.3.21", "futures-util-0.3.21", "futures-executor-0.3.21", "futures-0.3.21",
            "memchr-2.5.0", "pin-project-lite-0.2.9", "pin-utils-0.1.0", "slab-0.4.4");

    @Test
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void anAsyncAppUsingFuturesGetsFuturesMacroAsAShimAndNoSyn() throws Exception {
        Path corpus = DebianMirrorTest.corpus();
        Path tmp = Files.createTempDirectory("sandcrate-futures-");
        RuntimeBundle bundle = RuntimeBundle.of(runtimeBundle());
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")), PrecompileConfig.defaults())) {
            registry.precompiledView().serveRuntime(bundle);
            String token = token(registry, "debian", false);
            for (String folder : CRATES) publish(registry, token, CratePacker.pack(corpus.resolve(folder)));

            JsonNode set = awaitDefault(registry, "futures-macro", "0.3.21", Duration.ofMinutes(25), PrecompileHarness::finished);
            assertEquals("verified", set.path("state").asText(), set.toPrettyString());
            // futures-util's request (default-features = false) is the same effective set: one job, not two
            JsonNode status = status(registry, "futures-macro", "0.3.21");
            List<String> keys = new java.util.ArrayList<>();
            status.path("feature_sets").forEach(featureSet -> keys.add(featureSet.path("key").asText()));
            assertEquals(List.of("default"), keys, status.toPrettyString());

            Path home = installRuntime(registry, tmp.resolve("home"));
            Path runtimeDir = Files.createDirectories(tmp.resolve("run"));
            Files.setPosixFilePermissions(runtimeDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            Path app = Cargo.project(tmp.resolve("async-app"), """
                    [package]
                    name = "async-app"
                    version = "0.1.0"
                    edition = "2021"

                    [dependencies]
                    futures = "0.3"
                    """, Map.of("src/main.rs", """
                    fn main() {
                        let (a, b) = futures::executor::block_on(async { futures::join!(async { 20 }, async { 22 }) });
                        println!("joined {}", a + b);
                    }
                    """));
            Map<String, String> env = cargoEnv(tmp.resolve("cargo-view"), "sparse+" + registry.url() + "/precompiled/index/", home, runtimeDir);
            try {
                Proc build = cargoOk(app, env, "build", "-v");
                for (String dep : List.of("syn", "quote", "proc-macro2")) {
                    assertFalse(compiled(build, dep), dep + " must not be compiled:\n" + build.all());
                }
                assertTrue(compiled(build, "futures_macro"), "the shim is compiled:\n" + build.all());
                assertEquals("joined 42", cargoOk(app, env, "run", "-q").out().strip());

                Path launcher = home.resolve(".sandcrate/runtime/bin/sandcrate-runtime");
                Proc why = run(app, Map.of("HOME", home.toString(), "CARGO_HOME", env.get("CARGO_HOME")), launcher.toString(), "why");
                assertEquals(0, why.exit(), why.all());
                assertTrue(why.out().contains("proc-macro crates in Cargo.lock: 1 (1 as shims, 0 from source)"), why.all());
                assertTrue(why.out().contains("  shim    futures-macro 0.3.21"), why.all());
                assertTrue(why.out().contains("syn, quote and proc-macro2 are not in this Cargo.lock"), why.all());
            } finally {
                run(tmp, Map.of("HOME", home.toString()), home.resolve(".sandcrate/runtime/bin/sandcrate-runtime").toString(),
                        "stop", "--dir", runtimeDir.toString());
            }
        }
    }
}

package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateContents;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.view.PrecompiledView;
import dev.sandcrate.runtime.shim.ShimSources;
import dev.sandcrate.registry.view.RuntimeBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.sandcrate.e2e.PrecompileHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A consumer opts in to sandboxed macros: Debian's serde, serde_derive, thiserror and thiserror-impl are published
 * and precompiled for real, the runtime is installed with the one-line installer the registry serves, and a crate
 * that derives Serialize/Deserialize/Error builds through the precompiled view (source replacement) with real cargo,
 * without compiling syn, quote or proc-macro2, passes its tests and expands exactly like the from-source build.
 * A macro that panics shows its own message; one that loops forever is stopped. A macro that reads files sees those of
 * the crate being compiled, as natively, and nothing outside it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 40, unit = TimeUnit.MINUTES)
class ConsumerOptInTest {
    private static final List<String> MACRO_DEPS = List.of("syn", "quote", "proc-macro2");

    private Path tmp;
    private Registry registry;
    private RuntimeBundle bundle;
    private Path home;
    private final List<Path> runtimeDirs = new ArrayList<>();

    @BeforeAll
    void publishPrecompileAndInstallRuntime() throws Exception {
        tmp = Files.createTempDirectory("sandcrate-optin-");
        bundle = RuntimeBundle.of(runtimeBundle());
        registry = startRegistry();
        String token = token(registry, "debian", false);
        publishDebian(registry, token, "unicode-ident", "proc-macro2", "quote", "syn", "serde_derive", "serde",
                "thiserror-impl", "thiserror", "itoa", "ryu", "serde_json");
        publish(registry, token, faultyMacro(tmp));
        publish(registry, token, smallMacro(tmp, "shouty", false));
        publish(registry, token, filesMacro(tmp));

        long t0 = System.nanoTime();
        for (String[] macro : new String[][]{{"sandcrate-faulty", "0.1.0"}, {"shouty", "0.1.0"}, {"sandcrate-files", "0.1.0"}, {"thiserror-impl", "1.0.38"}, {"serde_derive", "1.0.152"}}) {
            JsonNode set = awaitDefault(registry, macro[0], macro[1], Duration.ofMinutes(20), PrecompileHarness::finished);
            assertEquals("verified", set.path("state").asText(), set.toPrettyString());
        }
        System.out.printf("precompiled and verified after %d s%n", (System.nanoTime() - t0) / 1_000_000_000);

        // the one-line install, exactly as the README shows it, into a temp HOME
        home = installRuntime(registry, tmp.resolve("home"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            for (Path dir : runtimeDirs) {
                run(tmp, Map.of("HOME", home.toString()), home.resolve(".sandcrate/runtime/bin/sandcrate-runtime").toString(),
                        "stop", "--dir", dir.toString());
            }
        } finally {
            if (registry != null) registry.close();
            deleteTree(tmp);
        }
    }

    @Test
    void theViewServesShimsForVerifiedVersionsAndTheSourceLinesForEverythingElse() throws Exception {
        // every crate that has no shim is byte-identical to the source index
        for (String crate : List.of("serde", "syn", "thiserror", "serde_json")) {
            assertArrayEquals(get(registry.url() + "/index/" + indexPath(crate)).body(), get(registry.url() + "/precompiled/index/" + indexPath(crate)).body(), crate);
        }
        JsonNode config = JSON.readTree(get(registry.url() + "/precompiled/index/config.json").body());
        assertEquals(registry.url() + "/precompiled/dl/{crate}/{version}", config.path("dl").asText());

        HttpResponse<byte[]> serdeDerive = get(registry.url() + "/precompiled/index/" + indexPath("serde_derive"));
        IndexEntry source = IndexFile.parse(new String(get(registry.url() + "/index/" + indexPath("serde_derive")).body(), StandardCharsets.UTF_8)).getFirst();
        IndexEntry shim = IndexFile.parse(new String(serdeDerive.body(), StandardCharsets.UTF_8)).getFirst();
        assertFalse(source.deps().isEmpty());
        assertEquals(List.of(ShimSources.SUPPORT_CRATE + " =" + ShimSources.supportVersion() + " from this registry"),
                shim.deps().stream().map(d -> d.name() + " " + d.req() + (d.registry() == null ? " from this registry" : " from " + d.registry())).toList(),
                "the shim depends on the support crate only");
        assertNull(shim.links());
        assertEquals(source.name(), shim.name());
        assertEquals(source.vers(), shim.vers());
        assertEquals(source.pubtime(), shim.pubtime());
        assertEquals(source.allFeatures().keySet(), shim.allFeatures().keySet(), "feature names stay valid");
        assertNotEquals(source.cksum(), shim.cksum());

        // the download is the shim: a proc-macro crate whose sha256 is the line's cksum
        byte[] crate = get(registry.url() + "/precompiled/dl/serde_derive/1.0.152").body();
        assertEquals(shim.cksum(), Checksums.sha256Hex(crate));
        CrateContents contents = CrateArchive.read(crate, CrateLimits.DEFAULT);
        assertTrue(contents.manifest().procMacro());
        assertEquals(List.of(ShimSources.SUPPORT_CRATE), contents.manifest().dependencies().stream().map(d -> d.name()).toList());
        IndexEntry support = IndexFile.parse(new String(get(registry.url() + "/precompiled/index/" + indexPath(ShimSources.SUPPORT_CRATE)).body(),
                StandardCharsets.UTF_8)).getFirst();
        assertEquals(ShimSources.supportVersion(), support.vers());
        assertEquals(support.cksum(), Checksums.sha256Hex(get(registry.url() + "/precompiled/dl/" + ShimSources.SUPPORT_CRATE + "/" + support.vers()).body()));
        assertTrue(contents.entries().stream().anyMatch(e -> e.path().endsWith(".wasm")), "the artifact is embedded");
        PrecompiledView.ShimInfo info = registry.precompiledView().shim("serde_derive", "1.0.152").orElseThrow();
        assertEquals(List.of("default"), info.featureSets());
        assertEquals(defaultSet(status(registry, "serde_derive", "1.0.152")).path("artifact").path("sha256").asText(), info.artifacts().getFirst());

        // versions without a shim download the original bytes
        assertArrayEquals(registry.crates().crateBytes("serde", "1.0.152").orElseThrow(), get(registry.url() + "/precompiled/dl/serde/1.0.152").body());
        // same ETag/304 behaviour as the source index
        String etag = serdeDerive.headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/precompiled/index/" + indexPath("serde_derive")))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(304, again.statusCode());
        assertEquals(404, get(registry.url() + "/precompiled/index/" + indexPath("no-such-crate")).statusCode());
        assertEquals(404, get(registry.url() + "/precompiled/dl/serde/9.9.9").statusCode());

        // a served shim never changes: after a restart on another port (its URL is in the shim's hints, so a
        // regenerated shim would differ) the view serves the same bytes
        registry.close();
        registry = startRegistry();
        assertArrayEquals(crate, get(registry.url() + "/precompiled/dl/serde_derive/1.0.152").body());
        assertArrayEquals(serdeDerive.body(), get(registry.url() + "/precompiled/index/" + indexPath("serde_derive")).body());
    }

    @Test
    void theRuntimeBundleIsServedWithItsSha256() throws Exception {
        byte[] tarGz = get(registry.url() + "/runtime/" + bundle.fileName()).body();
        assertEquals(bundle.sha256(), Checksums.sha256Hex(tarGz));
        assertEquals(bundle.sha256() + "  " + bundle.fileName() + "\n", new String(get(registry.url() + "/runtime/" + bundle.fileName() + ".sha256").body(), StandardCharsets.UTF_8));
        String script = new String(get(registry.url() + "/runtime/install.sh").body(), StandardCharsets.UTF_8);
        assertTrue(script.contains(registry.url()) && !script.contains("@REGISTRY_URL@"), script);
        JsonNode info = JSON.readTree(get(registry.url() + "/runtime").body());
        assertEquals(bundle.sha256(), info.path("sha256").asText());
        assertEquals("curl -fsSL " + registry.url() + "/runtime/install.sh | sh", info.path("install").asText());
    }

    @Test
    void aConsumerBuildsThroughTheViewWithoutSynAndExpandsLikeTheSourceBuild() throws Exception {
        Path fromSource = consumer(tmp.resolve("from-source"));
        Path withShims = consumer(tmp.resolve("with-shims"));
        Map<String, String> sourceEnv = cargoEnv(tmp.resolve("cargo-source"), registry.sparseIndexUrl(), null);
        Map<String, String> shimEnv = cargoEnv(tmp.resolve("cargo-shims"), viewIndex(), runtimeDir("run"));

        long t0 = System.nanoTime();
        Proc source = cargoOk(fromSource, sourceEnv, "build", "-v");
        long sourceMs = (System.nanoTime() - t0) / 1_000_000;
        for (String dep : MACRO_DEPS) assertTrue(compiled(source, dep), "the from-source build compiles " + dep + ":\n" + source.all());

        t0 = System.nanoTime();
        Proc shims = cargoOk(withShims, shimEnv, "build", "-v");
        long shimMs = (System.nanoTime() - t0) / 1_000_000;
        for (String dep : MACRO_DEPS) assertFalse(compiled(shims, dep), dep + " must not be compiled with shims:\n" + shims.all());
        assertTrue(compiled(shims, "serde_derive") && compiled(shims, "thiserror_impl"), shims.all());
        System.out.printf("clean cargo build of the consumer: from source %d ms, with shims %d ms%n", sourceMs, shimMs);
        // the installed runtime (its AOT cache included) ran the macros on its default engine, without falling back
        String daemonLog = Files.readString(runtimeDir("run").resolve("daemon.log"));
        assertTrue(daemonLog.contains("(engine wasmtime)"), daemonLog);
        assertFalse(daemonLog.contains("engine worker") || daemonLog.contains("runs on chicory"), daemonLog);

        String lock = Files.readString(withShims.resolve("Cargo.lock"));
        for (String dep : MACRO_DEPS) assertFalse(lock.contains("name = \"" + dep + "\""), "Cargo.lock has no " + dep + ":\n" + lock);
        for (String[] macro : new String[][]{{"serde_derive", "1.0.152"}, {"thiserror-impl", "1.0.38"}}) {
            String cksum = registry.precompiledView().shim(macro[0], macro[1]).orElseThrow().cksum();
            assertTrue(lock.contains("checksum = \"" + cksum + "\""), "Cargo.lock pins the shim of " + macro[0] + ":\n" + lock);
        }

        Proc tests = cargoOk(withShims, shimEnv, "test");
        assertTrue(tests.all().contains("test result: ok. 3 passed"), tests.all());

        String expandedSource = cargoOk(fromSource, withBootstrap(sourceEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        String expandedShims = cargoOk(withShims, withBootstrap(shimEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        assertTrue(expandedSource.contains("impl _serde::Serialize for Point") || expandedSource.contains("Serialize for Point"), expandedSource);
        assertEquals(expandedSource, expandedShims, "the shims expand exactly like the macros built from source");
    }

    @Test
    void theWasm2cEngineTakesOverOnceItHasCompiledTheMacrosAndExpandsLikeTheSourceBuild() throws Exception {
        Path fromSource = consumer(tmp.resolve("wasm2c-from-source"));
        Path withShims = consumer(tmp.resolve("wasm2c-with-shims"));
        Map<String, String> sourceEnv = cargoEnv(tmp.resolve("cargo-wasm2c-source"), registry.sparseIndexUrl(), null);
        Path runtime = runtimeDir("run-wasm2c");
        Map<String, String> shimEnv = cargoEnv(tmp.resolve("cargo-wasm2c-shims"), viewIndex(), runtime);
        shimEnv.put("SANDCRATE_ENGINE", "wasm2c");
        shimEnv.put("SANDCRATE_EXPANSION_CACHE_MIB", "0"); // every expansion reaches an engine
        // the first build runs on Wasmtime while wasm2c compiles serde_derive's and thiserror-impl's modules
        cargoOk(withShims, shimEnv, "build");
        Path log = runtime.resolve("daemon.log");
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (onWasm2c(log) < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1000);
        }
        assertEquals(2, onWasm2c(log), Files.readString(log));

        String expandedSource = cargoOk(fromSource, withBootstrap(sourceEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        String expandedShims = cargoOk(withShims, withBootstrap(shimEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        assertEquals(expandedSource, expandedShims, "wasm2c expands exactly like the macros built from source");
        Proc tests = cargoOk(withShims, shimEnv, "test");
        assertTrue(tests.all().contains("test result: ok. 3 passed"), tests.all());
        assertFalse(Files.readString(log).contains("runs on chicory"), Files.readString(log));
    }

    /** How many modules the daemon (or a later one) has moved to wasm2c, as its log says. */
    private static long onWasm2c(Path log) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(log)) {
            return lines.filter(line -> line.contains("compiled by wasm2c in the background") || line.contains("runs on wasm2c (compiled before)"))
                    .map(line -> line.replaceAll(".*module ([0-9a-f]{64}).*", "$1")).distinct().count();
        }
    }

    @Test
    void aSingleMacroCrateCanBePatchedToItsShim() throws Exception {
        Path project = Cargo.project(tmp.resolve("patched"), """
                [package]
                name = "patched"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                serde = { version = "1", features = ["derive"] }

                [patch.crates-io]
                serde_derive = { version = "=1.0.152", registry = "sandcrate-precompiled" }
                """, Map.of("src/lib.rs", "#[derive(serde::Serialize)]\npub struct Unit;\n"));
        Map<String, String> env = cargoEnv(tmp.resolve("cargo-patch"), registry.sparseIndexUrl(), runtimeDir("run"));
        Files.writeString(Path.of(env.get("CARGO_HOME")).resolve("config.toml"), "[registries.sandcrate-precompiled]\nindex = \""
                + viewIndex() + "\"\n", java.nio.file.StandardOpenOption.APPEND);
        Proc build = cargoOk(project, env, "build", "-v");
        for (String dep : MACRO_DEPS) assertFalse(compiled(build, dep), dep + " must not be compiled:\n" + build.all());
        String lock = Files.readString(project.resolve("Cargo.lock"));
        assertTrue(lock.contains("checksum = \"" + registry.precompiledView().shim("serde_derive", "1.0.152").orElseThrow().cksum() + "\""), lock);
        assertTrue(lock.contains("name = \"" + ShimSources.SUPPORT_CRATE + "\"\nversion = \"" + ShimSources.supportVersion() + "\"\nsource = \""
                + viewIndex()), "the shim's support crate from the patch's registry:\n" + lock);
        assertTrue(lock.contains("checksum = \"" + registry.crates().versions("serde").getFirst().cksum() + "\""), "serde from the source index:\n" + lock);
    }

    @Test
    void aDeniedCrateFallsBackToItsSourceLine() throws Exception {
        String path = "/precompiled/index/" + indexPath("shouty");
        String shimCksum = registry.precompiledView().shim("shouty", "0.1.0").orElseThrow().cksum();
        assertEquals(shimCksum, IndexFile.parse(new String(get(registry.url() + path).body(), StandardCharsets.UTF_8)).getFirst().cksum());

        HttpResponse<String> deny = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/admin/precompile/deny/shouty"))
                .header("Authorization", token(registry, "operator", true)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, deny.statusCode(), deny.body());
        // nothing denied runs: the source line and the original .crate again, and no shim
        assertArrayEquals(get(registry.url() + "/index/" + indexPath("shouty")).body(), get(registry.url() + path).body());
        assertArrayEquals(registry.crates().crateBytes("shouty", "0.1.0").orElseThrow(), get(registry.url() + "/precompiled/dl/shouty/0.1.0").body());
        assertEquals(404, get(registry.url() + "/api/v1/crates/shouty/0.1.0/shim").statusCode());
    }

    @Test
    void aPanickingMacroShowsItsOwnMessage() throws Exception {
        Path project = faultyConsumer(tmp.resolve("boom-user"), "sandcrate_faulty::boom!(left + right);");
        Proc build = cargo(project, cargoEnv(tmp.resolve("cargo-boom"), viewIndex(), runtimeDir("run")), "build");
        assertNotEquals(0, build.exit(), build.all());
        assertTrue(build.all().contains("proc macro panicked"), build.all());
        assertTrue(build.all().contains("boom refuses to expand `left + right`"), build.all());
    }

    @Test
    void aMacroThatNeverReturnsIsStopped() throws Exception {
        Path project = faultyConsumer(tmp.resolve("spin-user"), "sandcrate_faulty::spin!(forever);");
        Map<String, String> env = cargoEnv(tmp.resolve("cargo-spin"), viewIndex(), runtimeDir("run-spin"));
        env.put("SANDCRATE_TIMEOUT_MS", "3000"); // read by the daemon the shim starts in this runtime dir
        long t0 = System.nanoTime();
        Proc build = cargo(project, env, "build");
        long seconds = (System.nanoTime() - t0) / 1_000_000_000;
        assertNotEquals(0, build.exit(), build.all());
        assertTrue(build.all().contains("did not finish within the time limit"), build.all());
        assertTrue(seconds < 120, "stopped after " + seconds + " s");
    }

    @Test
    void aMacroReadsTheFilesOfTheCrateItExpandsInLikeNatively() throws Exception {
        Map<String, String> sourceEnv = cargoEnv(tmp.resolve("cargo-files-source"), registry.sparseIndexUrl(), null);
        Map<String, String> shimEnv = cargoEnv(tmp.resolve("cargo-files-shims"), viewIndex(), runtimeDir("run"));
        String lib = """
                pub const FIRST: &str = sandcrate_files::first_read!("data/greeting.txt");
                pub const GREETING: &str = sandcrate_files::embed!("data/greeting.txt");
                pub const NESTED: &str = sandcrate_files::embed!("./data/../data/deep/nested.txt");
                pub const TREE: &[&str] = sandcrate_files::listing!("data");
                pub const AT_ROOT: bool = sandcrate_files::at_crate_root!();
                pub const ABSENT: bool = sandcrate_files::exists!("data/absent.txt");
                pub const DATED: bool = sandcrate_files::modified_known!("data/greeting.txt");
                pub const FIRST_AGAIN: &str = sandcrate_files::first_read!("data/absent.txt");
                """;
        Path fromSource = filesConsumer(tmp.resolve("files-source"), lib);
        Path withShims = filesConsumer(tmp.resolve("files-shims"), lib);
        Proc shims = cargoOk(withShims, shimEnv, "build", "-v");
        for (String dep : MACRO_DEPS) assertFalse(compiled(shims, dep), shims.all());

        String expandedSource = cargoOk(fromSource, withBootstrap(sourceEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        String expandedShims = cargoOk(withShims, withBootstrap(shimEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        assertTrue(expandedSource.contains("\"hello from a file\\n\"") && expandedSource.contains("\"data/deep/nested.txt\""), expandedSource);
        assertTrue(expandedSource.contains("AT_ROOT: bool = true") && expandedSource.contains("ABSENT: bool = false")
                && expandedSource.contains("DATED: bool = true"), expandedSource);
        // the module's first run, which asked for the file, cached "missing" in a static: the run with the file starts
        // from the statics as they were before it, as natively, where the file was there at once
        assertTrue(expandedSource.contains("FIRST: &str = \"hello from a file\\n\"")
                && expandedSource.contains("FIRST_AGAIN: &str = \"hello from a file\\n\""), expandedSource);
        assertEquals(expandedSource, expandedShims, "the sandboxed macro reads the same files as the native one");

        // an edited file is read again: the daemon's remembered answers are keyed by the files' contents
        Files.writeString(withShims.resolve("data/greeting.txt"), "edited\n");
        Files.writeString(withShims.resolve("src/lib.rs"), lib + "// touched\n");
        String edited = cargoOk(withShims, withBootstrap(shimEnv), "rustc", "--lib", "--", "-Zunpretty=expanded").out();
        assertTrue(edited.contains("\"edited\\n\""), edited);
    }

    @Test
    void aMacroIsNotGivenFilesOutsideTheCrate() throws Exception {
        Path project = filesConsumer(tmp.resolve("files-outside"), "pub const SECRET: &str = sandcrate_files::embed!(\"../outside.txt\");\n");
        Files.writeString(tmp.resolve("outside.txt"), "not for macros\n");
        Files.createSymbolicLink(project.resolve("data/link.txt"), tmp.resolve("outside.txt"));
        Proc relative = cargo(project, cargoEnv(tmp.resolve("cargo-outside"), viewIndex(), runtimeDir("run")), "build");
        assertNotEquals(0, relative.exit(), relative.all());
        assertTrue(relative.all().contains("is outside the crate's directory and OUT_DIR"), relative.all());
        assertFalse(relative.all().contains("not for macros"), relative.all());

        Files.writeString(project.resolve("src/lib.rs"), "pub const SECRET: &str = sandcrate_files::embed!(\"data/link.txt\");\n");
        Proc link = cargo(project, cargoEnv(tmp.resolve("cargo-outside"), viewIndex(), runtimeDir("run")), "build");
        assertNotEquals(0, link.exit(), link.all());
        assertTrue(link.all().contains("data/link.txt is outside the crate's directory and OUT_DIR"), link.all());
        assertFalse(link.all().contains("not for macros"), link.all());
    }

    // ---------------------------------------------------------------- fixtures

    private Registry startRegistry() throws IOException {
        Registry r = Registry.start(RegistryConfig.loopback(tmp.resolve("data")), PrecompileConfig.defaults().withTopFeatureSets(0));
        r.precompiledView().serveRuntime(bundle);
        return r;
    }

    private String viewIndex() {
        return "sparse+" + registry.url() + "/precompiled/index/";
    }

    /** A macro crate of our own, published and precompiled like any other: one macro panics, one never returns. */
    private static CratePacker.PackedCrate faultyMacro(Path work) throws IOException {
        Path dir = Cargo.project(work.resolve("sandcrate-faulty"), """
                [package]
                name = "sandcrate-faulty"
                version = "0.1.0"
                edition = "2021"
                description = "macros that misbehave, for the consumer tests"

                [lib]
                proc-macro = true
                """, Map.of("src/lib.rs", """
                use proc_macro::TokenStream;

                #[proc_macro]
                pub fn boom(input: TokenStream) -> TokenStream {
                    panic!("boom refuses to expand `{}`", input)
                }

                /// Loops forever when given any input (on empty input, which the registry's validation sends, it returns).
                #[proc_macro]
                pub fn spin(input: TokenStream) -> TokenStream {
                    if input.is_empty() {
                        return input;
                    }
                    let mut n: u64 = 0;
                    loop {
                        n = std::hint::black_box(n.wrapping_add(1));
                    }
                }
                """));
        return CratePacker.pack(dir);
    }

    /** Macros that read the files of the crate they expand in (as pest_derive, include_dir or rust-embed do). */
    private static CratePacker.PackedCrate filesMacro(Path work) throws IOException {
        Path dir = Cargo.project(work.resolve("sandcrate-files"), """
                [package]
                name = "sandcrate-files"
                version = "0.1.0"
                edition = "2021"
                description = "macros that read files, for the consumer tests"

                [lib]
                proc-macro = true
                """, Map.of("src/lib.rs", """
                use proc_macro::TokenStream;
                use std::path::{Path, PathBuf};

                fn relative(input: TokenStream) -> String {
                    let text = input.to_string();
                    text.trim_matches('"').to_string()
                }

                fn in_crate(path: &str) -> PathBuf {
                    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join(path)
                }

                /// The text of a file of the crate being compiled.
                #[proc_macro]
                pub fn embed(input: TokenStream) -> TokenStream {
                    if input.is_empty() {
                        return "\\"\\"".parse().unwrap();
                    }
                    let path = relative(input);
                    let text = std::fs::read_to_string(in_crate(&path)).unwrap_or_else(|e| panic!("cannot read {}: {}", path, e));
                    format!("{:?}", text).parse().unwrap()
                }

                /// Every file under a directory of the crate, sorted, with its size.
                #[proc_macro]
                pub fn listing(input: TokenStream) -> TokenStream {
                    if input.is_empty() {
                        return "&[]".parse().unwrap();
                    }
                    let root = relative(input);
                    let mut found = Vec::new();
                    let mut queue = vec![PathBuf::from(&root)];
                    while let Some(dir) = queue.pop() {
                        for entry in std::fs::read_dir(in_crate(&dir.to_string_lossy())).unwrap() {
                            let entry = entry.unwrap();
                            let path = dir.join(entry.file_name());
                            if entry.file_type().unwrap().is_dir() {
                                queue.push(path);
                            } else {
                                let size = entry.metadata().unwrap().len();
                                found.push(format!("{} ({} bytes)", path.display(), size));
                            }
                        }
                    }
                    found.sort();
                    format!("&{:?}", found).parse().unwrap()
                }

                /// Whether rustc runs in the crate's own directory.
                #[proc_macro]
                pub fn at_crate_root(_input: TokenStream) -> TokenStream {
                    let here = std::env::current_dir().unwrap().canonicalize().unwrap();
                    let root = in_crate(".").canonicalize().unwrap();
                    (here == root).to_string().parse().unwrap()
                }

                /// Whether the file's modification time is known (proc-macro-crate keys its cache on it).
                #[proc_macro]
                pub fn modified_known(input: TokenStream) -> TokenStream {
                    if input.is_empty() {
                        return "false".parse().unwrap();
                    }
                    let modified = std::fs::metadata(in_crate(&relative(input))).and_then(|m| m.modified());
                    modified.is_ok().to_string().parse().unwrap()
                }

                /// The text of the file the first call read, kept in a static for later calls (as macros cache what
                /// they read), or "missing" when that file could not be read.
                #[proc_macro]
                pub fn first_read(input: TokenStream) -> TokenStream {
                    static FIRST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                    if input.is_empty() {
                        return "\\"\\"".parse().unwrap();
                    }
                    let text = FIRST.get_or_init(|| std::fs::read_to_string(in_crate(&relative(input))).unwrap_or_else(|_| "missing".to_string()));
                    format!("{:?}", text).parse().unwrap()
                }

                /// Whether a path of the crate exists.
                #[proc_macro]
                pub fn exists(input: TokenStream) -> TokenStream {
                    if input.is_empty() {
                        return "false".parse().unwrap();
                    }
                    in_crate(&relative(input)).exists().to_string().parse().unwrap()
                }
                """));
        return CratePacker.pack(dir);
    }

    private static Path filesConsumer(Path dir, String lib) throws IOException {
        return Cargo.project(dir, """
                [package]
                name = "files-user"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                sandcrate-files = "0.1"
                """, Map.of("src/lib.rs", lib, "data/greeting.txt", "hello from a file\n", "data/deep/nested.txt", "data/deep/nested.txt",
                "data/deep/deeper/more.bin", "0123456789"));
    }

    private static Path consumer(Path dir) throws IOException {
        return Cargo.project(dir, """
                [package]
                name = "shapes"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                serde = { version = "1", features = ["derive"] }
                serde_json = "1"
                thiserror = "1"
                """, Map.of("src/lib.rs", """
                use serde::{Deserialize, Serialize};

                #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
                #[serde(rename_all = "camelCase")]
                pub struct Point {
                    pub x_coord: i32,
                    pub y_coord: i32,
                    #[serde(default, skip_serializing_if = "Option::is_none")]
                    pub label: Option<String>,
                }

                #[derive(Debug, PartialEq, Serialize, Deserialize)]
                #[serde(tag = "kind")]
                pub enum Shape {
                    Circle { center: Point, radius: f64 },
                    Polygon { points: Vec<Point> },
                }

                #[derive(Debug, thiserror::Error)]
                pub enum ShapeError {
                    #[error("invalid shape JSON: {0}")]
                    Json(#[from] serde_json::Error),
                    #[error("a polygon needs 3 points, got {count}")]
                    TooFewPoints { count: usize },
                }

                pub fn parse(json: &str) -> Result<Shape, ShapeError> {
                    let shape: Shape = serde_json::from_str(json)?;
                    if let Shape::Polygon { points } = &shape {
                        if points.len() < 3 {
                            return Err(ShapeError::TooFewPoints { count: points.len() });
                        }
                    }
                    Ok(shape)
                }

                #[cfg(test)]
                mod tests {
                    use super::*;

                    #[test]
                    fn round_trip() {
                        let shape = Shape::Circle { center: Point { x_coord: 1, y_coord: -2, label: None }, radius: 2.5 };
                        let json = serde_json::to_string(&shape).unwrap();
                        assert_eq!(json, r#"{"kind":"Circle","center":{"xCoord":1,"yCoord":-2},"radius":2.5}"#);
                        assert_eq!(parse(&json).unwrap(), shape);
                    }

                    #[test]
                    fn too_few_points() {
                        let err = parse(r#"{"kind":"Polygon","points":[{"xCoord":0,"yCoord":0,"label":"a"}]}"#).unwrap_err();
                        assert_eq!(err.to_string(), "a polygon needs 3 points, got 1");
                    }

                    #[test]
                    fn bad_json() {
                        let err = parse("{").unwrap_err();
                        assert!(err.to_string().starts_with("invalid shape JSON: "), "{}", err);
                    }
                }
                """));
    }

    private static Path faultyConsumer(Path dir, String call) throws IOException {
        return Cargo.project(dir, """
                [package]
                name = "faulty-user"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                sandcrate-faulty = "0.1"
                """, Map.of("src/lib.rs", "pub fn f(left: u32, right: u32) -> u32 {\n    " + call + "\n    left + right\n}\n"));
    }


    private Path runtimeDir(String name) throws IOException {
        Path dir = tmp.resolve(name);
        if (!runtimeDirs.contains(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            runtimeDirs.add(dir);
        }
        return dir;
    }


    private Map<String, String> cargoEnv(Path cargoHome, String index, Path runtimeDir) throws IOException {
        return PrecompileHarness.cargoEnv(cargoHome, index, home, runtimeDir);
    }

    private static Map<String, String> withBootstrap(Map<String, String> env) {
        Map<String, String> copy = new java.util.HashMap<>(env);
        copy.put("RUSTC_BOOTSTRAP", "1");
        return copy;
    }


    private static String indexPath(String crate) {
        return dev.sandcrate.index.IndexPaths.pathOf(crate);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

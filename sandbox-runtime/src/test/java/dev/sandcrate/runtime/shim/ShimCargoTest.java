package dev.sandcrate.runtime.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.daemon.DaemonClient;
import dev.sandcrate.runtime.daemon.Protocol;
import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.TokenTree;
import dev.sandcrate.runtime.wire.TokenTree.Delimiter;
import dev.sandcrate.runtime.wire.TokenTree.Group;
import dev.sandcrate.runtime.wire.TokenTree.Ident;
import dev.sandcrate.runtime.wire.TokenTree.Literal;
import dev.sandcrate.runtime.wire.TokenTree.Punct;
import dev.sandcrate.runtime.wire.TokenTree.Spacing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated shims compiled by real cargo (the consumer toolchain on PATH): the shim starts the runtime daemon
 * through SANDCRATE_RUNTIME, sends its module, and the consumer compiles with the expansion, sees the macro's
 * panic message, a stopped infinite loop, or the "no artifact for this feature set" error.
 */
class ShimCargoTest {

    /** Span 0 of every shim request is the call site (proc_macro_wire::request), span 1 the mixed site. */
    private static final int CALL_SITE = 0;
    private static final int REQUEST_SITES = 2;

    @TempDir
    static Path work;
    static Path runtimeDir;
    static Map<String, String> env;

    @BeforeAll
    static void launcher() throws IOException {
        Path launcher = work.resolve("sandcrate-runtime");
        String java = ProcessHandle.current().info().command().orElseThrow();
        Files.writeString(launcher, "#!/bin/sh\nexec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' dev.sandcrate.runtime.cli.RuntimeCommand \"$@\"\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        runtimeDir = work.resolve("run");
        for (var file : ShimSources.renderSupport().entrySet()) {
            Path path = work.resolve(ShimSources.SUPPORT_CRATE).resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
        }
        env = Map.of(
                "SANDCRATE_RUNTIME", launcher.toString(),
                "SANDCRATE_RUNTIME_DIR", runtimeDir.toString(),
                "SANDCRATE_TIMEOUT_MS", "1500",
                "CARGO_TARGET_DIR", work.resolve("target").toString(),
                "CARGO_BUILD_JOBS", "2",
                "CARGO_TERM_COLOR", "never");
    }

    @AfterAll
    static void stopDaemon() {
        try (DaemonClient client = DaemonClient.connect(runtimeDir.resolve(Protocol.SOCKET_NAME))) {
            client.shutdown();
        } catch (IOException alreadyGone) {
            // nothing to stop
        }
    }

    /** `fn hello() -> u32 { 42 }`, every token at the call site. */
    private static byte[] helloExpansion() {
        List<TokenTree> body = List.of(new Literal("42", CALL_SITE));
        List<TokenTree> stream = List.of(
                new Ident("pub", false, CALL_SITE), new Ident("fn", false, CALL_SITE), new Ident("hello", false, CALL_SITE),
                new Group(Delimiter.PARENTHESIS, CALL_SITE, CALL_SITE, CALL_SITE, List.of()),
                new Punct('-', Spacing.JOINT, CALL_SITE), new Punct('>', Spacing.ALONE, CALL_SITE),
                new Ident("u32", false, CALL_SITE),
                new Group(Delimiter.BRACE, CALL_SITE, CALL_SITE, CALL_SITE, body));
        return new Response(REQUEST_SITES, List.of(), List.of(), new Outcome.Expanded(stream)).encode();
    }

    private static final List<ShimSpec.MacroDecl> HELLO = List.of(new ShimSpec.MacroDecl(ShimSpec.Kind.DERIVE, "Hello", List.of("hello")));

    /** Shims keep the original's edition; the oldest one must compile too. */
    private static Path shim(String name, Map<String, List<String>> features, ShimSpec.Artifact artifact) throws IOException {
        return shim(name, name.equals("hello_ok") ? "2015" : "2021", features, artifact);
    }

    private static Path shim(String name, String edition, Map<String, List<String>> features, ShimSpec.Artifact artifact) throws IOException {
        ShimSpec spec = new ShimSpec(name, "0.1.0", edition, "MIT", features, List.of(artifact), "http://registry.example/precompile");
        Path dir = work.resolve(name);
        for (var file : ShimSources.render(spec).entrySet()) {
            Path path = dir.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
        }
        return dir;
    }

    /** For a package or workspace root one level below {@code work}: the shims' support crate from there (the view serves it). */
    private static final String SUPPORT_PATCH = "\n[patch.crates-io]\n" + ShimSources.SUPPORT_CRATE + " = { path = \"../"
            + ShimSources.SUPPORT_CRATE + "\" }\n";

    private static Path consumer(String name, String dependency, String features) throws IOException {
        Path dir = work.resolve(name);
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("Cargo.toml"), """
                [package]
                name = "%s"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                %s = { path = "../%s"%s }
                """.formatted(name, dependency, dependency, features) + SUPPORT_PATCH);
        Files.writeString(dir.resolve("src/lib.rs"), """
                #[derive(%s::Hello)]
                #[hello(ignored = "helper attribute accepted")]
                pub struct Marker;

                #[cfg(test)]
                mod tests {
                    #[test]
                    fn expansion_is_compiled_in() {
                        assert_eq!(super::hello(), 42);
                    }
                }
                """.formatted(dependency));
        return dir;
    }

    private static Result cargo(Path dir, String... args) throws Exception {
        return cargo(Map.of(), dir, args);
    }

    private static Result cargo(Map<String, String> extraEnv, Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("cargo"));
        command.addAll(List.of(args));
        return command(extraEnv, dir, command.toArray(String[]::new));
    }

    private static Result command(Map<String, String> extraEnv, Path dir, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        builder.environment().putAll(extraEnv);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), "cargo did not finish");
        return new Result(process.exitValue(), output);
    }

    private record Result(int exit, String output) {}

    @Test
    void consumerCompilesAndRunsItsTestsWithTheSandboxedExpansion() throws Exception {
        shim("hello_ok", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.answers(helloExpansion()), HELLO));
        Result test = cargo(consumer("consumer_ok", "hello_ok", ""), "test", "--offline");
        assertEquals(0, test.exit(), test.output());
        assertTrue(test.output().contains("test tests::expansion_is_compiled_in ... ok"), test.output());
        assertTrue(Files.exists(runtimeDir.resolve(Protocol.SOCKET_NAME)), "the shim started the daemon");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(runtimeDir)));
    }

    /**
     * The shim's Rust files (client.rs, and wire.rs and proc_macro_wire.rs copied verbatim from precompile/rust/wire) compile
     * without a warning on every edition a macro crate can have, with the rustup cargo on PATH and Debian's /usr/bin/cargo.
     */
    @Test
    void shimsOfEveryEditionCompileWithoutWarningsOnBothToolchains() throws Exception {
        List<String> editions = List.of("2015", "2018", "2021", "2024");
        Path workspace = work.resolve("editions");
        Files.createDirectories(workspace);
        List<String> members = new ArrayList<>();
        for (String edition : editions) {
            String shim = "hello_" + edition;
            shim(shim, edition, Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.answers(helloExpansion()), HELLO));
            Path crate = consumer("consumer_" + edition, shim, "");
            Files.writeString(crate.resolve("Cargo.toml"), Files.readString(crate.resolve("Cargo.toml")).replace(SUPPORT_PATCH, ""));
            Files.move(crate, workspace.resolve(crate.getFileName()));
            members.add("\"" + crate.getFileName() + "\"");
            Files.move(work.resolve(shim), workspace.resolve(shim));
        }
        Files.writeString(workspace.resolve("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [" + String.join(", ", members) + "]\n"
                + SUPPORT_PATCH);
        for (String[] toolchain : List.of(new String[] {"cargo", "rustc"}, new String[] {"/usr/bin/cargo", "/usr/bin/rustc"})) {
            Result version = command(Map.of("RUSTC", toolchain[1]), workspace, toolchain[1], "--version");
            Result test = command(Map.of("RUSTC", toolchain[1], "CARGO_TARGET_DIR", work.resolve("target-editions-" + version.output().split(" ")[1]).toString()),
                    workspace, toolchain[0], "test", "--offline", "--workspace", "--lib");
            assertEquals(0, test.exit(), version.output() + test.output());
            assertEquals(editions.size(), test.output().split("test tests::expansion_is_compiled_in \\.\\.\\. ok", -1).length - 1, test.output());
            assertFalse(test.output().contains("warning"), version.output() + test.output());
        }
    }

    @Test
    void concurrentCompilersShareOneDaemonWithoutInterfering() throws Exception {
        shim("hello_shared", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.answers(helloExpansion()), HELLO));
        Path workspace = work.resolve("workspace");
        Files.createDirectories(workspace);
        List<String> members = List.of("first", "second", "third");
        for (String member : members) {
            Path crate = consumer(member, "hello_shared", "");
            Path moved = workspace.resolve(member);
            Files.move(crate, moved);
            Files.writeString(moved.resolve("Cargo.toml"),
                    Files.readString(moved.resolve("Cargo.toml")).replace("path = \"../hello_shared\"", "path = \"../../hello_shared\"")
                            .replace(SUPPORT_PATCH, ""));
        }
        Files.writeString(workspace.resolve("Cargo.toml"), "[workspace]\nresolver = \"2\"\nmembers = [\"first\", \"second\", \"third\"]\n"
                + SUPPORT_PATCH);
        Result test = cargo(Map.of("CARGO_BUILD_JOBS", "3"), workspace, "test", "--offline", "--workspace");
        assertEquals(0, test.exit(), test.output());
        assertEquals(3, test.output().split("test tests::expansion_is_compiled_in \\.\\.\\. ok", -1).length - 1, test.output());
    }

    @Test
    void stdioModeRunsAPrivateRuntimeWithoutTheDaemon() throws Exception {
        shim("hello_stdio", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.answers(helloExpansion()), HELLO));
        Path unusedDir = work.resolve("no-daemon-here");
        Result test = cargo(Map.of("SANDCRATE_RUNTIME_MODE", "stdio", "SANDCRATE_RUNTIME_DIR", unusedDir.toString()),
                consumer("consumer_stdio", "hello_stdio", ""), "test", "--offline");
        assertEquals(0, test.exit(), test.output());
        assertTrue(test.output().contains("test tests::expansion_is_compiled_in ... ok"), test.output());
        assertFalse(Files.exists(unusedDir), "stdio mode must not start a daemon");
    }

    @Test
    void macroPanicShowsTheMacrosOwnMessage() throws Exception {
        byte[] panic = new Response(REQUEST_SITES, List.of(), List.of(),
                new Outcome.Panicked("expected a struct with named fields", new Outcome.PanicLocation("src/lib.rs", 12, 5))).encode();
        shim("hello_panics", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.panicsWith(panic), HELLO));
        Result build = cargo(consumer("consumer_panics", "hello_panics", ""), "build", "--offline");
        assertNotEquals(0, build.exit(), build.output());
        assertTrue(build.output().contains("proc macro panicked at src/lib.rs:12:5: expected a struct with named fields"), build.output());
        assertTrue(build.output().contains("--> src/lib.rs:1:10"), "error points at the derive: " + build.output());
    }

    @Test
    void infiniteLoopIsStoppedAndReported() throws Exception {
        shim("hello_loops", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.loopsForever(), HELLO));
        long start = System.nanoTime();
        Result build = cargo(consumer("consumer_loops", "hello_loops", ""), "build", "--offline");
        assertNotEquals(0, build.exit(), build.output());
        assertTrue(build.output().contains("macro expansion did not finish within the time limit of 1500 ms and was stopped"),
                build.output());
        assertTrue(build.output().contains("(sandcrate: derive `Hello` of hello_loops 0.1.0, sandboxed)"), build.output());
        assertTrue((System.nanoTime() - start) / 1e9 < 120, "took too long");
    }

    @Test
    void aRuntimeThatCannotStartFailsEveryMacroCallAtOnceWithoutRetrying() throws Exception {
        // a launcher that dies at start (a broken JVM option, say) and counts how often it is started
        Path starts = work.resolve("broken-starts");
        Path broken = work.resolve("broken-runtime");
        Files.writeString(broken, "#!/bin/sh\necho started >> '" + starts + "'\necho 'Unrecognized VM option' >&2\nexit 1\n");
        Files.setPosixFilePermissions(broken, PosixFilePermissions.fromString("rwxr-xr-x"));
        shim("hello_broken", Map.of(), new ShimSpec.Artifact(Set.of(), AbiTestModules.answers(helloExpansion()), HELLO));
        Path consumer = consumer("consumer_broken", "hello_broken", "");
        Files.writeString(consumer.resolve("src/lib.rs"), "#[derive(hello_broken::Hello)]\npub struct A;\n"
                + "#[derive(hello_broken::Hello)]\npub struct B;\n");
        Result build = cargo(Map.of("SANDCRATE_RUNTIME", broken.toString(), "SANDCRATE_RUNTIME_DIR", work.resolve("broken-run").toString(),
                "SANDCRATE_RUNTIME_START_TIMEOUT_S", "600"), consumer, "build", "--offline");
        assertNotEquals(0, build.exit(), build.output());
        assertTrue(build.output().contains("the Sandcrate runtime failed to start (exit status: 1); see "), build.output());
        assertEquals(2, build.output().split("failed to start", -1).length - 1, "both derives report it: " + build.output());
        assertEquals(1, Files.readAllLines(starts).size(), "the second derive does not start the runtime again");
    }

    @Test
    void featureSetWithoutArtifactSaysHowToGetOne() throws Exception {
        Map<String, List<String>> features = Map.of("default", List.of(), "fast", List.of());
        shim("hello_features", features, new ShimSpec.Artifact(Set.of("fast"), AbiTestModules.answers(helloExpansion()), HELLO));
        Result without = cargo(consumer("consumer_features", "hello_features", ""), "build", "--offline");
        assertNotEquals(0, without.exit(), without.output());
        assertTrue(without.output().contains("hello_features 0.1.0 has no precompiled artifact for the features enabled in this build "
                + "(precompiled feature sets: [fast])"), without.output());
        assertTrue(without.output().contains("request a precompile of this feature set: http://registry.example/precompile"));
        Result with = cargo(consumer("consumer_features_fast", "hello_features", ", features = [\"fast\"]"), "test", "--offline");
        assertEquals(0, with.exit(), with.output());
        assertFalse(with.output().contains("no precompiled artifact"));
    }
}

package dev.sandcrate.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.TokenTree;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeCommandTest {

    @TempDir
    Path temp;

    private record Run(int exit, String out, String err) {}

    private Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            var line = RuntimeCommand.commandLine();
            line.setErr(new java.io.PrintWriter(System.err, true));
            int exit = line.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(temp.resolve(name), bytes);
    }

    @Test
    void expandPrintsTheExpansion() throws Exception {
        List<TokenTree> stream = List.of(new TokenTree.Ident("struct", false, 0), new TokenTree.Ident("Made", false, 0),
                new TokenTree.Punct(';', TokenTree.Spacing.ALONE, 0));
        Path wasm = write("made.wasm", AbiTestModules.answers(new Response(1, List.of(), List.of(), new Outcome.Expanded(stream)).encode()));
        Path input = Files.writeString(temp.resolve("input.rs"), "struct Input;");
        Run run = run("expand", wasm.toString(), "--derive", "Made", input.toString());
        assertEquals(0, run.exit(), run.err());
        assertEquals("struct Made ;", run.out().strip());
        Run dump = run("expand", wasm.toString(), "--bang", "made", input.toString(), "--dump");
        assertEquals("ident struct\nident Made\npunct ; alone", dump.out().strip());
    }

    @Test
    void expandReportsThePanicAndAStoppedLoop() throws Exception {
        byte[] panic = new Response(1, List.of(), List.of(), new Outcome.Panicked("no fields", null)).encode();
        Path input = Files.writeString(temp.resolve("input.rs"), "struct Input;");
        Run panicked = run("expand", write("panics.wasm", AbiTestModules.panicsWith(panic)).toString(), "--derive", "Made", input.toString());
        assertEquals(1, panicked.exit());
        assertEquals("error: proc macro Made panicked: no fields", panicked.err().strip());
        Run loop = run("expand", write("loop.wasm", AbiTestModules.loopsForever()).toString(), "--derive", "Made", input.toString(),
                "--timeout-ms", "300");
        assertEquals(1, loop.exit());
        assertEquals("sandcrate-runtime: macro expansion did not finish within the time limit of 300 ms and was stopped", loop.err().strip());
    }

    @Test
    void inspectAndVerify() throws Exception {
        byte[] bytes = AbiTestModules.echo();
        Path wasm = write("echo.wasm", bytes);
        Run inspect = run("inspect", wasm.toString());
        assertEquals(0, inspect.exit(), inspect.err());
        assertTrue(inspect.out().contains("sha256:   " + ArtifactAbi.sha256(bytes)), inspect.out());
        assertTrue(inspect.out().contains("exports:  memory, sandcrate_abi_version, sandcrate_alloc, sandcrate_expand, sandcrate_last_panic"), inspect.out());
        assertEquals(0, run("verify", wasm.toString(), "--sha256", ArtifactAbi.sha256(bytes)).exit());
        Run wrongHash = run("verify", wasm.toString(), "--sha256", "00");
        assertEquals(1, wrongHash.exit());
        assertTrue(wrongHash.err().contains("expected 00"), wrongHash.err());
        Run imports = run("verify", write("imports.wasm", AbiTestModules.importsFunction()).toString());
        assertEquals(1, imports.exit());
        assertEquals("sandcrate-runtime: module imports env.now; Sandcrate artifacts must not import anything", imports.err().strip());
    }

    @Test
    void onlyTheExactCommandLinesShimsUseSkipPicocli() {
        assertTrue(RuntimeCommand.shimInvocation(new String[] {"daemon", "--dir", "/run/x"}));
        assertTrue(RuntimeCommand.shimInvocation(new String[] {"--stdio"}));
        for (String[] other : List.of(new String[] {"daemon"}, new String[] {"daemon", "--dir", "/x", "--engine", "chicory"},
                new String[] {"daemon", "--dir", "--help"}, new String[] {"--stdio", "--engine", "chicory"}, new String[] {"status"})) {
            assertFalse(RuntimeCommand.shimInvocation(other), String.join(" ", other));
        }
    }

    @Test
    void theFastPathReadsTheEngineOptionsPicocliWouldGive() {
        RuntimeCommand parsed = new RuntimeCommand();
        new picocli.CommandLine(parsed).parseArgs("--stdio");
        RuntimeCommand.EngineOptions fast = RuntimeCommand.EngineOptions.fromEnvironment(System.getenv());
        assertEquals(List.of(parsed.engine.name, parsed.engine.timeoutMillis, parsed.engine.memoryMib, parsed.engine.outputMib),
                List.of(fast.name, fast.timeoutMillis, fast.memoryMib, fast.outputMib));

        RuntimeCommand.EngineOptions set = RuntimeCommand.EngineOptions.fromEnvironment(java.util.Map.of(
                "SANDCRATE_ENGINE", "chicory", "SANDCRATE_TIMEOUT_MS", "5", "SANDCRATE_MEMORY_MIB", "7", "SANDCRATE_OUTPUT_MIB", "9"));
        assertEquals(List.of("chicory", 5L, 7L, 9), List.of(set.name, set.timeoutMillis, set.memoryMib, set.outputMib));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RuntimeCommand.EngineOptions.fromEnvironment(java.util.Map.of("SANDCRATE_TIMEOUT_MS", "soon")));
        assertEquals("SANDCRATE_TIMEOUT_MS must be a whole number, not 'soon'", bad.getMessage());
    }

    /** The daemon as a shim starts it: a process of its own, through main's fast path, answering on its socket. */
    @Test
    void aDaemonStartedTheWayShimsStartItServes() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("run"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process daemon = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), RuntimeCommand.class.getName(),
                "daemon", "--dir", dir.toString()).redirectErrorStream(true).redirectOutput(temp.resolve("daemon.log").toFile()).start();
        try {
            Path socket = dir.resolve(dev.sandcrate.runtime.daemon.Protocol.SOCKET_NAME);
            try (var client = connectAsShimsDo(socket, daemon)) {
                assertTrue(client.ping().startsWith("sandcrate-runtime "), Files.readString(temp.resolve("daemon.log")));
                client.shutdown();
            }
            assertTrue(daemon.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(0, daemon.exitValue(), Files.readString(temp.resolve("daemon.log")));
        } finally {
            daemon.destroyForcibly();
        }
    }

    /**
     * Retries until the daemon accepts, as the shim does: the socket file appears at bind, a moment before the
     * daemon listens, and a connect in between is refused.
     */
    private static dev.sandcrate.runtime.daemon.DaemonClient connectAsShimsDo(Path socket, Process daemon) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            try {
                return dev.sandcrate.runtime.daemon.DaemonClient.connect(socket);
            } catch (java.io.IOException notYet) {
                if (!daemon.isAlive() || System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(20);
            }
        }
    }
}

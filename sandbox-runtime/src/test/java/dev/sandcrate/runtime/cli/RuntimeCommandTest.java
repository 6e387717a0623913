package dev.sandcrate.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}

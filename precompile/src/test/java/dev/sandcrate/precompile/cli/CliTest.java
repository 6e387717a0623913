package dev.sandcrate.precompile.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** `precompile` then `rebuild` from the command line, as an auditor would, and the errors users see. */
class CliTest {
    private static final String TEST_CRATES = "src/test/resources/crates";

    record Run(int exit, String out, String err) {
    }

    private static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true));
            System.setErr(new PrintStream(err, true));
            int exit = new CommandLine(new PrecompileTool()).execute(args);
            return new Run(exit, out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void precompilePrintsTheHashAndRebuildReproducesIt(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("artifacts");
        Run built = run("precompile", TEST_CRATES + "/sandcrate-test-macros", "--crates", TEST_CRATES,
                "--crates", "/usr/share/cargo/registry", "-o", out.toString());
        assertEquals(0, built.exit(), built.err());
        Path wasm = out.resolve("sandcrate-test-macros-0.1.0-default.wasm");
        assertTrue(Files.isRegularFile(wasm));
        String sha = built.out().strip().split("\\s+")[0];
        assertEquals(dev.sandcrate.index.Checksums.sha256Hex(Files.readAllBytes(wasm)), sha);
        assertTrue(built.err().contains("verified: both builds identical"), built.err());

        Run rebuilt = run("rebuild", wasm.toString(), "--crates", TEST_CRATES, "--crates", "/usr/share/cargo/registry",
                "-o", tmp.resolve("rebuild").toString());
        assertEquals(0, rebuilt.exit(), rebuilt.err());
        assertTrue(rebuilt.out().startsWith("reproduced " + sha), rebuilt.out());
    }

    @Test
    void badInputGetsAMessageNamingTheProblem(@TempDir Path tmp) throws Exception {
        Run missing = run("precompile", tmp.resolve("nope.crate").toString(), "-o", tmp.toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope.crate is neither a .crate file nor a crate folder"), missing.err());

        Path junk = Files.writeString(tmp.resolve("junk.crate"), "not a tarball");
        Run invalid = run("precompile", junk.toString(), "-o", tmp.toString());
        assertEquals(1, invalid.exit());
        assertTrue(invalid.err().contains("not a valid .crate") || invalid.err().contains("cannot read"), invalid.err());

        Run notWasm = run("rebuild", junk.toString());
        assertEquals(1, notWasm.exit());
        assertTrue(notWasm.err().contains("sandcrate rebuild:"), notWasm.err());
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "nothing written besides the input");
        }
    }
}

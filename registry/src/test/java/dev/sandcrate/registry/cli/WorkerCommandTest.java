package dev.sandcrate.registry.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class WorkerCommandTest {
    @Test
    void refusesADataDirWithoutARegistryAndCreatesNothing(@TempDir Path tmp) {
        Path empty = tmp.resolve("not-a-registry");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new WorkerCommand()).execute("--data-dir", empty.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no registry database in " + empty), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(empty), "nothing is created");
    }

    @Test
    void rejectsANonPositiveConcurrency(@TempDir Path tmp) {
        assertEquals(1, new CommandLine(new WorkerCommand()).execute("--data-dir", tmp.toString(), "--concurrency", "0"));
    }
}

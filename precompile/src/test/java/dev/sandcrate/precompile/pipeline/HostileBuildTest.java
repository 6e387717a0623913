package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real proc-macro crate whose build script attacks the sandbox's limits (src/test/resources/crates/sandcrate-hostile-build,
 * one attack per feature), precompiled with real cargo under low limits: each build fails with the limit it hit named,
 * no process of it is left, and its workspace is removed.
 */
class HostileBuildTest {
    private static final MacroCrate HOSTILE = MacroCrate.load(TestEnv.TEST_CRATES.resolve("sandcrate-hostile-build"));
    /** Low, so each attack ends quickly, yet above what building the harness itself takes. */
    private static final BuildLimits LOW = new BuildLimits(Duration.ofMinutes(5), 600, 4L << 30, 64L << 20)
            .withSandbox(128, 1L << 30, 64L << 20, 512L << 20);

    private static String failure(Path out, String feature) {
        Precompiler precompiler = new Precompiler(TestEnv.toolchain(), TestEnv.sysroot(), out, LOW, TestEnv.LOG);
        // children this JVM had before the build (e.g. the runtime's engine worker another test started) are not the build's
        java.util.Set<Long> before = ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
        PrecompileException e = assertThrows(PrecompileException.class,
                () -> precompiler.precompile(HOSTILE, new FeatureSet(true, List.of(feature)), TestEnv.debian()));
        assertFalse(Files.exists(out.resolve("work")), "the failed job's workspace was left behind");
        List<String> left = ProcessHandle.current().descendants().filter(p -> !before.contains(p.pid())).map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        assertEquals(List.of(), left, "processes of the build outlived it");
        TestEnv.LOG.step("failed as it should: " + e.getMessage().lines().findFirst().orElse(""));
        return e.getMessage();
    }

    @Test
    void aForkBombInABuildScriptFailsTheBuildAtTheProcessLimit(@TempDir Path out) {
        String message = failure(out, "fork-bomb");
        assertTrue(message.contains("failed (killed: process limit:") && message.contains("(limit 128)"), message);
    }

    @Test
    void aMemoryBombInABuildScriptFailsTheBuildAtTheMemoryLimit(@TempDir Path out) {
        String message = failure(out, "memory-bomb");
        assertTrue(message.contains("failed (killed: memory limit:") && message.contains("(limit 1024 MiB)"), message);
    }

    @Test
    void aDiskFillerInABuildScriptFailsTheBuildAtTheDiskLimit(@TempDir Path out) throws Exception {
        String message = failure(out, "disk-filler");
        assertTrue(message.contains("failed (killed: disk limit:") && message.contains("(limit 512 MiB)"), message);
        // one log per build that ran: the second build runs at the same time on 2+ cores, after the first otherwise
        try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
            List<Path> kept = logs.toList();
            assertTrue(kept.size() == 1 || kept.size() == 2, "the failed builds' logs are kept: " + kept);
            for (Path log : kept) assertTrue(Files.size(log) > 0, log + " is empty");
        }
    }
}

package dev.sandcrate.precompile.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** What a build inside the sandbox can and cannot see or do. */
class BubblewrapTest {
    private static final BuildLimits SMALL = new BuildLimits(Duration.ofSeconds(30), 10, 1L << 30, 1L << 20);

    private static String run(Bubblewrap sandbox, String script, Path log) throws Exception {
        ProcessRunner.Result r = sandbox.run(List.of("/bin/sh", "-c", script), SMALL, log);
        return "exit " + r.exitCode() + "\n" + Files.readString(log);
    }

    @Test
    void seesOnlyItsMountsAndACleanEnvironmentWithoutNetwork(@TempDir Path work, @TempDir Path tmp) throws Exception {
        Files.writeString(work.resolve("input.txt"), "hello");
        Bubblewrap sandbox = new Bubblewrap().bind(work, "/build").workDir("/build").env("SOURCE_DATE_EPOCH", "0");
        String out = run(sandbox, "cat input.txt; echo; env | sort; ls /root /work /home 2>&1; cat /proc/net/dev; echo done > out.txt",
                tmp.resolve("a.log"));
        assertTrue(out.startsWith("exit 0\nhello\n"), out);
        assertTrue(out.contains("SOURCE_DATE_EPOCH=0") && out.contains("TZ=UTC") && out.contains("LANG=C"), out);
        assertFalse(out.contains("JAVA_HOME") || out.contains("MAVEN_OPTS") || out.contains("SANDCRATE_HOME"), "caller's env leaked:\n" + out);
        assertTrue(out.contains("'/root': No such file") && out.contains("'/work': No such file"), "host folders visible:\n" + out);
        assertFalse(out.contains("eth") || out.contains("ens") || out.contains("wlan"), "a network interface is visible:\n" + out);
        assertEquals("done\n", Files.readString(work.resolve("out.txt")), "the workspace mount is writable");
    }

    @Test
    void cannotWriteOutsideItsWorkspaceAndLimitsFileSize(@TempDir Path work, @TempDir Path tmp) throws Exception {
        Bubblewrap sandbox = new Bubblewrap().bind(work, "/build").workDir("/build");
        String usr = run(sandbox, "touch /usr/sandcrate-escape", tmp.resolve("b.log"));
        assertFalse(usr.startsWith("exit 0"), usr);
        String big = run(sandbox, "head -c 3000000 /dev/zero > big.bin", tmp.resolve("c.log"));
        assertFalse(big.startsWith("exit 0"), "a 3 MB file got past the 1 MB limit:\n" + big);
        assertTrue(Files.size(work.resolve("big.bin")) <= 1L << 20);
    }

    @Test
    void wallClockLimitKillsRunawayBuilds(@TempDir Path work, @TempDir Path tmp) {
        BuildLimits oneSecond = new BuildLimits(Duration.ofSeconds(1), 10, 1L << 30, 1L << 20);
        long start = System.nanoTime();
        ProcessRunner.Result r = new Bubblewrap().bind(work, "/build").run(List.of("/bin/sleep", "30"), oneSecond, tmp.resolve("d.log"));
        assertTrue(r.timedOut());
        assertTrue(System.nanoTime() - start < 15_000_000_000L);
    }
}

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

    /** Low limits for the hostile tests below: each must end quickly and never endanger the machine. */
    private static final BuildLimits HOSTILE = new BuildLimits(Duration.ofSeconds(60), 30, 2L << 30, 64L << 20)
            .withSandbox(64, 512L << 20, 16L << 20, 256L << 20);

    private static ProcessRunner.Result hostile(Path work, Path log, String script) {
        return new Bubblewrap().bind(work, "/build").workDir("/build").run(List.of("/bin/sh", "-c", script), HOSTILE, log);
    }

    @Test
    void aForkBombIsKilledAtTheProcessLimit(@TempDir Path work, @TempDir Path tmp) {
        long start = System.nanoTime();
        // every copy keeps forking and ignores failures, so the bomb holds what it has: the kernel's RLIMIT_NPROC stops
        // it growing and the watch sees it at the limit and names it. (A shell bomb is no test: dash exits when a fork
        // fails, so it can collapse within a few ms, before the watch looks.)
        ProcessRunner.Result r = hostile(work, tmp.resolve("fork.log"),
                "perl -e 'while (1) { fork; select(undef, undef, undef, 0.005) }'");
        assertFalse(r.ok());
        assertNotNull(r.killedFor(), "the fork bomb was not stopped by a limit: " + r);
        assertTrue(r.killedFor().startsWith("process limit:") && r.killedFor().contains("(limit 64)"), r.killedFor());
        assertTrue(System.nanoTime() - start < 30_000_000_000L);
        assertNoSandboxProcessLeft();
    }

    @Test
    void aMemoryBombIsKilledAtTheMemoryLimit(@TempDir Path work, @TempDir Path tmp) {
        // 8 processes of 100 MiB each: every one stays below the address-space rlimit, together they exceed 512 MiB
        ProcessRunner.Result r = hostile(work, tmp.resolve("mem.log"),
                "for i in 1 2 3 4 5 6 7 8; do perl -e '$x = \"a\" x (100 << 20); sleep 50' & done; wait");
        assertEquals("memory limit", r.killedFor() == null ? String.valueOf(r) : r.killedFor().substring(0, r.killedFor().indexOf(':')));
        assertTrue(r.killedFor().contains("(limit 512 MiB)"), r.killedFor());
        assertNoSandboxProcessLeft();
    }

    @Test
    void aDiskFillerIsKilledAtTheDiskLimit(@TempDir Path work, @TempDir Path tmp) {
        // files of 32 MiB each stay below the per-file limit; together they pass 256 MiB
        ProcessRunner.Result r = hostile(work, tmp.resolve("disk.log"),
                "i=0; while [ $i -lt 40 ]; do head -c 33554432 /dev/zero > fill-$i; i=$((i+1)); sleep 0.05; done; sleep 50");
        assertNotNull(r.killedFor(), "the disk filler was not stopped: " + r);
        assertTrue(r.killedFor().startsWith("disk limit:") && r.killedFor().contains("(limit 256 MiB)"), r.killedFor());
        assertNoSandboxProcessLeft();
    }

    @Test
    void tmpfsAreSizedAndTheRootAndDevAreReadOnly(@TempDir Path work, @TempDir Path tmp) throws Exception {
        Path log = tmp.resolve("tmpfs.log");
        ProcessRunner.Result r = hostile(work, log, "head -c 33554432 /dev/zero > /tmp/fill; echo tmp=$?; ls -l /tmp/fill;"
                + " head -c 33554432 /dev/zero > /dev/shm/fill; echo shm=$?; touch /dev/fill; echo dev=$?; touch /fill; echo root=$?");
        String out = Files.readString(log);
        assertTrue(r.ok(), out);
        assertTrue(out.contains("No space left on device") && out.contains("tmp=1") && out.contains(" 16777216 "), out);
        assertTrue(out.contains("shm=1"), out);
        assertTrue(out.contains("dev=1") && out.contains("root=1") && out.contains("Read-only file system"), out);
    }

    @Test
    void nothingTheSandboxStartsOutlivesIt(@TempDir Path work, @TempDir Path tmp) throws Exception {
        ProcessRunner.Result r = hostile(work, tmp.resolve("detached.log"),
                "setsid sh -c 'sleep 2; touch /build/late' </dev/null >/dev/null 2>&1 & echo started");
        assertTrue(r.ok());
        assertNoSandboxProcessLeft();
        Thread.sleep(3000);
        assertFalse(Files.exists(work.resolve("late")), "a detached process survived the sandbox");
    }

    @Test
    void theProcessLimitCountsOnlyTheSandboxNotTheHost(@TempDir Path work, @TempDir Path tmp) {
        // the host runs far more than 8 processes: only the sandbox's own count
        BuildLimits eight = HOSTILE.withSandbox(8, HOSTILE.memoryBytes(), HOSTILE.tmpBytes(), HOSTILE.diskBytes());
        for (int i = 0; i < 20; i++) {
            ProcessRunner.Result r = new Bubblewrap().bind(work, "/build").run(List.of("/bin/sleep", "0.2"), eight, tmp.resolve("p" + i + ".log"));
            assertTrue(r.ok(), "run " + i + ": " + r);
        }
    }

    private static void assertNoSandboxProcessLeft() {
        List<String> left = ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("bwrap") || c.endsWith("perl") || c.endsWith("sleep")).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
        assertEquals(List.of(), left, "sandbox processes left after run returned");
    }
}

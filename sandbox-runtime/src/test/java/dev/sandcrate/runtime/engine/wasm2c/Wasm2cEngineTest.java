package dev.sandcrate.runtime.engine.wasm2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.FallbackEngine;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract on the wasm2c engine alone (its processes, its seccomp filter, its cache), and with its fallback. */
class Wasm2cEngineTest extends MacroEngineContractTest {

    @TempDir
    static Path sharedCache;

    @TempDir
    Path cache;

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return new Wasm2cEngine(limits, sharedCache);
    }

    private static byte[] request(int first) {
        return new byte[] {(byte) first, 7, 0};
    }

    @Test
    void eachInstanceIsAProcessUnderASeccompFilter() throws Exception {
        Wasm2cInstance instance = (Wasm2cInstance) engine(TEST_LIMITS).load(AbiTestModules.echo()).instantiate();
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(instance.pid()), "status"));
        assertTrue(status.contains("Seccomp:\t2"), "the host process is in seccomp filter mode: " + status);
        assertTrue(status.contains("NoNewPrivs:\t1"), status.toString());
        assertArrayEquals(request(0), instance.expand(request(0)));
        instance.close();
    }

    @Test
    void stackOverflowIsAnEngineFailureThatTheFallbackReruns() throws Exception {
        Wasm2cEngine alone = new Wasm2cEngine(TEST_LIMITS, sharedCache);
        MacroInstance session = alone.load(AbiTestModules.recursesDeeplyOnRequest(300_000)).instantiate();
        SandboxException e = assertThrows(SandboxException.class, () -> session.expand(request(1)));
        assertEquals(SandboxException.Kind.ENGINE_FAILED, e.kind());
        assertEquals("macro exhausted the host's native stack", e.getMessage());

        FallbackEngine engine = new FallbackEngine(new Wasm2cEngine(TEST_LIMITS, sharedCache), new ChicoryEngine(TEST_LIMITS));
        MacroInstance rerun = engine.load(AbiTestModules.recursesDeeplyOnRequest(300_000)).instantiate();
        assertEquals(1, rerun.expand(request(0))[2]);
        // too deep for the host's 8 MiB stack: Chicory replays the earlier call, then answers this one
        assertArrayEquals(new byte[] {1, 7, 2}, rerun.expand(request(1)));
        assertEquals(1, engine.fallbackCount());
    }

    @Test
    void aCrashDuringACallNeitherHangsItNorBreaksOtherSessions() throws Exception {
        SandboxLimits limits = TEST_LIMITS.withTimeout(Duration.ofSeconds(2));
        FallbackEngine engine = new FallbackEngine(new Wasm2cEngine(limits, sharedCache), new ChicoryEngine(limits));
        MacroInstance other = engine.load(AbiTestModules.echo()).instantiate();
        assertArrayEquals(request(0), other.expand(request(0)));
        byte[] looping = AbiTestModules.loopsForever();
        MacroInstance session = engine.load(looping).instantiate();
        long start = System.nanoTime();
        CompletableFuture<SandboxException> stuck = CompletableFuture.supplyAsync(() -> {
            try {
                session.expand(request(0));
                return null;
            } catch (SandboxException e) {
                return e;
            }
        });
        Thread.sleep(300);
        // a crash in the module's native code while the call runs: its host process dies of SIGSEGV
        ProcessHandle host = ProcessHandle.current().children()
                .filter(p -> p.info().command().orElse("").contains(ArtifactAbi.sha256(looping))).findFirst().orElseThrow();
        assertEquals(0, new ProcessBuilder("kill", "-SEGV", Long.toString(host.pid())).inheritIO().start().waitFor());

        // the call in flight is rerun on Chicory, where this module hits the time limit as it would have
        SandboxException e = stuck.get(20, TimeUnit.SECONDS);
        assertEquals(SandboxException.Kind.TIMEOUT, e.kind());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
        assertEquals(1, engine.fallbackCount());
        // another session is unaffected, and new ones run on wasm2c again
        assertArrayEquals(request(0), other.expand(request(0)));
        assertArrayEquals(request(0), engine.load(AbiTestModules.echo()).instantiate().expand(request(0)));
        assertEquals(1, engine.fallbackCount());
    }

    @Test
    void compiledModulesAreCachedAndACorruptedOneIsCompiledAgain() throws Exception {
        byte[] wasm = AbiTestModules.echo();
        Wasm2cEngine first = new Wasm2cEngine(TEST_LIMITS, cache);
        expandOnce(first, wasm); // miss: compiles
        Path executable = first.cacheDirectory().resolve(ArtifactAbi.sha256(wasm) + "-" + TEST_LIMITS.maxMemoryPages() + "pages");
        byte[] compiled = Files.readAllBytes(executable);
        long modified = Files.getLastModifiedTime(executable).toMillis();

        expandOnce(new Wasm2cEngine(TEST_LIMITS, cache), wasm); // hit: the next daemon reuses it
        assertEquals(modified, Files.getLastModifiedTime(executable).toMillis());

        byte[] damaged = compiled.clone();
        damaged[damaged.length / 2] ^= 0x55;
        Files.write(executable, damaged);
        expandOnce(new Wasm2cEngine(TEST_LIMITS, cache), wasm);
        assertArrayEquals(compiled, Files.readAllBytes(executable), "compiled again, to the same bytes");
        assertNotEquals(modified, Files.getLastModifiedTime(executable).toMillis());
    }

    @Test
    void aFailedCompileIsNotStartedAgainForADay() throws Exception {
        byte[] echo = AbiTestModules.echo();
        // echo's expand body ends `i64.extend_i32_u i64.or end`: an unassigned opcode instead of i64.or, which only
        // the code's validation (wasm2c's) finds
        byte[] broken = echo.clone();
        int at = indexOf(broken, new byte[] {(byte) 0xad, (byte) 0x84, 0x0b});
        broken[at + 1] = 0x27;
        String sha256 = ArtifactAbi.sha256(broken);

        SandboxException first = assertThrows(SandboxException.class,
                () -> new Wasm2cEngine(TEST_LIMITS, cache).loadInBackground(broken, sha256));
        assertEquals(SandboxException.Kind.INVALID_MODULE, first.kind());
        assertTrue(first.getMessage().contains("could not be translated by wasm2c"), first.getMessage());

        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        SandboxException again;
        try {
            again = assertThrows(SandboxException.class, () -> new Wasm2cEngine(TEST_LIMITS, cache).loadInBackground(broken, sha256));
        } finally {
            System.setErr(stderr);
        }
        assertFalse(log.toString(StandardCharsets.UTF_8).contains("compiling module"), "the next runtime does not compile it again");
        assertEquals(SandboxException.Kind.INVALID_MODULE, again.kind());
        assertTrue(again.getMessage().contains("is not compiled again before") && again.getMessage().contains("could not be translated"),
                again.getMessage());

        Path record = new Wasm2cEngine(TEST_LIMITS, cache).cacheDirectory()
                .resolve(sha256 + "-" + TEST_LIMITS.maxMemoryPages() + "pages.failed");
        Files.setLastModifiedTime(record, FileTime.from(Instant.now().minus(Wasm2cEngine.RETRY_FAILED_COMPILE_AFTER).minusSeconds(60)));
        SandboxException dayLater = assertThrows(SandboxException.class,
                () -> new Wasm2cEngine(TEST_LIMITS, cache).loadInBackground(broken, sha256));
        assertTrue(dayLater.getMessage().contains("could not be translated by wasm2c") && !dayLater.getMessage().contains("not compiled again"),
                "a day later it is tried again: " + dayLater.getMessage());
        expandOnce(new Wasm2cEngine(TEST_LIMITS, cache), echo); // other modules compile as before
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (java.util.Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void runtimesLoadingTheSameModuleAtOnceCompileItOnce() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        PrintStream stderr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            List<Future<MacroModule>> loads = List.of(
                    pool.submit(() -> new Wasm2cEngine(TEST_LIMITS, cache).load(wasm)),
                    pool.submit(() -> new Wasm2cEngine(TEST_LIMITS, cache).load(wasm)));
            for (Future<MacroModule> load : loads) {
                try (MacroInstance instance = load.get().instantiate()) {
                    assertEquals(1, instance.expand(new byte[] {0})[0]);
                }
            }
        } finally {
            pool.shutdownNow();
            System.setErr(stderr);
        }
        assertEquals(1, log.toString(StandardCharsets.UTF_8).split("compiling module", -1).length - 1, log.toString(StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(new Wasm2cEngine(TEST_LIMITS, cache).cacheDirectory())) {
            assertEquals(List.of(), files.filter(f -> f.getFileName().toString().startsWith(".build-")).toList(),
                    "no build left behind");
        }
    }

    @Test
    void theCompilersRunConfinedToTheirBuildFolder() throws Exception {
        Wasm2cToolchain toolchain = Wasm2cToolchain.find().found();
        assertTrue(toolchain.bwrap().isPresent(), "bubblewrap works on this machine (scripts/setup.sh installs it)");
        Path work = Files.createDirectory(cache.resolve("build"));
        Path outside = cache.resolve("outside");
        Process process = new ProcessBuilder(toolchain.confined(work, List.of("/bin/sh", "-c",
                "echo in > inside; echo out > " + outside + "; cat /proc/net/dev > network")))
                .directory(work.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        assertTrue(Files.exists(work.resolve("inside")), output);
        assertFalse(Files.exists(outside), "nothing is written outside the build folder");
        List<String> interfaces = Files.readAllLines(work.resolve("network")).stream().skip(2)
                .map(line -> line.strip().split(":")[0]).toList();
        assertEquals(List.of("lo"), interfaces, "a network namespace of its own: loopback only");
    }

    /** One expansion in an instance closed afterwards (a running executable cannot be overwritten). */
    private static void expandOnce(Wasm2cEngine engine, byte[] wasm) throws Exception {
        try (MacroInstance instance = engine.load(wasm).instantiate()) {
            assertArrayEquals(request(0), instance.expand(request(0)));
        }
    }
}

package dev.sandcrate.runtime.engine.isolated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.FallbackEngine;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract on the production engine (Wasmtime in an engine worker process, Chicory as fallback), and what
 * happens when the worker crashes or hangs: no call waits forever, and other sessions keep expanding correctly.
 */
class IsolatedEngineTest extends MacroEngineContractTest {

    @TempDir
    static Path cache;

    /** One engine (one worker process) per set of limits, for the whole class. */
    private static final Map<SandboxLimits, FallbackEngine> ENGINES = new ConcurrentHashMap<>();

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return ENGINES.computeIfAbsent(limits, l -> newEngine(l));
    }

    private static FallbackEngine newEngine(SandboxLimits limits) {
        return new FallbackEngine(new IsolatedEngine(limits, cache), new ChicoryEngine(limits));
    }

    @AfterAll
    static void stopWorkers() {
        ENGINES.values().forEach(engine -> ((IsolatedEngine) engine.primary()).close());
    }

    private static WorkerProcess worker(FallbackEngine engine) throws SandboxException {
        return ((IsolatedEngine) engine.primary()).worker();
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start().waitFor());
    }

    private static byte[] request() {
        return new byte[] {0, 1, 0};
    }

    @Test
    void aKilledWorkerIsReplacedAndSessionsKeepTheirStatics() throws Exception {
        FallbackEngine engine = newEngine(TEST_LIMITS);
        try {
            MacroModule module = engine.load(AbiTestModules.countsCalls());
            MacroInstance first = module.instantiate();
            MacroInstance second = module.instantiate();
            assertEquals(1, first.expand(request())[2]);
            assertEquals(2, first.expand(request())[2]);
            assertEquals(1, second.expand(request())[2]);
            long pid = worker(engine).pid();
            signal("KILL", pid);
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());

            // both sessions go on where they were: their earlier requests are replayed on Chicory
            assertEquals(3, first.expand(request())[2]);
            assertEquals(2, second.expand(request())[2]);
            assertEquals(2, engine.fallbackCount());
            // a new session runs in a new worker
            assertEquals(1, module.instantiate().expand(request())[2]);
            assertNotEquals(pid, worker(engine).pid());
            assertEquals(2, engine.fallbackCount());
        } finally {
            ((IsolatedEngine) engine.primary()).close();
        }
    }

    @Test
    void aCrashDuringACallNeitherHangsItNorBreaksOtherSessions() throws Exception {
        SandboxLimits limits = TEST_LIMITS.withTimeout(Duration.ofSeconds(2));
        FallbackEngine engine = newEngine(limits);
        try {
            MacroInstance other = engine.load(AbiTestModules.echo()).instantiate();
            assertArrayEquals(request(), other.expand(request()));
            MacroInstance looping = engine.load(AbiTestModules.loopsForever()).instantiate();
            long start = System.nanoTime();
            CompletableFuture<SandboxException> stuck = CompletableFuture.supplyAsync(() -> {
                try {
                    looping.expand(request());
                    return null;
                } catch (SandboxException e) {
                    return e;
                }
            });
            Thread.sleep(300);
            signal("SEGV", worker(engine).pid()); // a crash in native code while the call runs

            // the call in flight is rerun on Chicory, where this module hits the time limit as it would have
            SandboxException e = stuck.get(20, TimeUnit.SECONDS);
            assertEquals(SandboxException.Kind.TIMEOUT, e.kind());
            assertTrue((System.nanoTime() - start) / 1_000_000 < 10_000);
            // another session is unaffected
            assertArrayEquals(request(), other.expand(request()));
            assertArrayEquals(request(), engine.load(AbiTestModules.echo()).instantiate().expand(request()));
        } finally {
            ((IsolatedEngine) engine.primary()).close();
        }
    }

    @Test
    void theWorkerHasNoNetworkWhereTheSystemAllowsANamespace() throws Exception {
        Assumptions.assumeFalse(IsolatedEngine.WITHOUT_NETWORK.isEmpty(), "unshare -rn is not available here");
        FallbackEngine engine = newEngine(TEST_LIMITS);
        try {
            assertArrayEquals(request(), engine.load(AbiTestModules.echo()).instantiate().expand(request())); // it is up
            long pid = worker(engine).pid();
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/net")),
                    Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/net")));
            assertEquals(0, engine.fallbackCount(), "answered by Wasmtime in the worker");
        } finally {
            ((IsolatedEngine) engine.primary()).close();
        }
    }

    @Test
    void aWorkerThatCannotStartIsNotRetriedAndEverythingRunsOnChicory(@TempDir Path notACache) throws Exception {
        Files.writeString(notACache.resolve("file"), "the cache root must be a directory");
        FallbackEngine engine = new FallbackEngine(
                new IsolatedEngine(TEST_LIMITS, notACache.resolve("file")), new ChicoryEngine(TEST_LIMITS));
        assertEquals(1, engine.load(AbiTestModules.countsCalls()).instantiate().expand(request())[2]);
        assertArrayEquals(request(), engine.load(AbiTestModules.echo()).instantiate().expand(request()));
        assertEquals(2, engine.fallbackCount(), "both loads fell back to Chicory");
        SandboxException e = assertThrows(SandboxException.class, () -> worker(engine));
        assertEquals("the Wasmtime engine worker could not start (see the log above)", e.getMessage());
    }

    /**
     * The JVM writes its own warnings to stdout unless told otherwise, and stdout is the worker's protocol. An AOT
     * cache the worker's JVM cannot map (the launcher's, dumped with other flags) made every worker die at its first
     * answer, and every build ran on Chicory without a word.
     */
    @Test
    void aJvmWarningAtWorkerStartDoesNotReachTheProtocol(@TempDir Path dir) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(IsolatedEngine.workerCommand(TEST_LIMITS, cache));
        command.add(command.indexOf("-cp"), "-XX:AOTCache=" + dir.resolve("not-there.aot"));
        IsolatedEngine isolated = new IsolatedEngine(TEST_LIMITS, command);
        try {
            assertArrayEquals(request(), isolated.load(AbiTestModules.echo()).instantiate().expand(request()),
                    "answered by the Wasmtime worker, no fallback involved");
        } finally {
            isolated.close();
        }
    }

    @Test
    void aHungWorkerIsKilledAtTheDeadline() throws Exception {
        SandboxLimits limits = TEST_LIMITS.withTimeout(Duration.ofMillis(500));
        FallbackEngine engine = newEngine(limits);
        try {
            MacroModule module = engine.load(AbiTestModules.echo());
            MacroInstance instance = module.instantiate();
            long pid = worker(engine).pid();
            signal("STOP", pid); // answers nothing, like a native engine stuck outside wasm
            long start = System.nanoTime();
            SandboxException e = assertThrows(SandboxException.class, () -> instance.expand(request()));
            long elapsed = (System.nanoTime() - start) / 1_000_000;
            assertEquals(SandboxException.Kind.TIMEOUT, e.kind());
            assertTrue(elapsed < 500 + IsolatedEngine.GRACE.toMillis() + 3000, "answered after " + elapsed + " ms");
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join()); // killed
            assertArrayEquals(request(), module.instantiate().expand(request()));
        } finally {
            ((IsolatedEngine) engine.primary()).close();
        }
    }
}

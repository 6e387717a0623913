package dev.sandcrate.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.SandboxException.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Behaviour every engine must have; subclasses supply the engine. */
public abstract class MacroEngineContractTest {

    protected static final SandboxLimits TEST_LIMITS = SandboxLimits.defaults()
            .withMaxMemoryBytes(8L << 20)
            .withTimeout(Duration.ofSeconds(2))
            .withMaxOutputBytes(64 * 1024);

    protected abstract MacroEngine engine(SandboxLimits limits);

    private MacroInstance instance(byte[] wasm) throws SandboxException {
        return engine(TEST_LIMITS).load(wasm).instantiate();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void expandsThroughTheAbi() throws Exception {
        byte[] wasm = AbiTestModules.echo();
        MacroModule module = engine(TEST_LIMITS).load(wasm);
        assertEquals(ArtifactAbi.sha256(wasm), module.sha256());
        try (MacroInstance instance = module.instantiate()) {
            assertArrayEquals(utf8("first request"), instance.expand(utf8("first request")));
            assertArrayEquals(utf8("second"), instance.expand(utf8("second")));
            assertArrayEquals(new byte[0], instance.expand(new byte[0]));
            assertTrue(instance.usable());
        }
    }

    @Test
    void instanceKeepsStaticsAndAFreshInstanceStartsOver() throws Exception {
        MacroModule module = engine(TEST_LIMITS).load(AbiTestModules.countsCalls());
        MacroInstance session = module.instantiate();
        assertEquals(1, session.expand(new byte[] {0})[0]);
        assertEquals(2, session.expand(new byte[] {0})[0]);
        assertEquals(3, session.expand(new byte[] {0})[0]);
        assertEquals(1, module.instantiate().expand(new byte[] {0})[0]);
    }

    @Test
    void trapAfterPanicReturnsTheRecordedPanicAndDiscardsTheInstance() throws Exception {
        MacroInstance instance = instance(AbiTestModules.panics());
        assertEquals(AbiTestModules.PANIC_MESSAGE, new String(instance.expand(utf8("input")), StandardCharsets.UTF_8));
        assertFalse(instance.usable());
        SandboxException again = assertThrows(SandboxException.class, () -> instance.expand(utf8("input")));
        assertEquals(Kind.DISCARDED, again.kind());
    }

    @Test
    void trapWithoutPanicIsATrapError() throws Exception {
        SandboxException e = assertThrows(SandboxException.class, () -> instance(AbiTestModules.trapsSilently()).expand(utf8("x")));
        assertEquals(Kind.TRAP, e.kind());
        assertTrue(e.getMessage().startsWith("macro trapped"), e.getMessage());
    }

    @Test
    void infiniteLoopIsStoppedWithinTheTimeLimit() throws Exception {
        MacroEngine engine = engine(TEST_LIMITS.withTimeout(Duration.ofMillis(500)));
        MacroInstance instance = engine.load(AbiTestModules.loopsForever()).instantiate();
        long start = System.nanoTime();
        SandboxException e = assertThrows(SandboxException.class, () -> instance.expand(utf8("x")));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Kind.TIMEOUT, e.kind());
        assertEquals("macro expansion did not finish within the time limit of 500 ms and was stopped", e.getMessage());
        assertTrue(elapsedMillis < 3000, "stopped after " + elapsedMillis + " ms");
        assertFalse(instance.usable());
        // the engine and its threads are still fine afterwards
        assertArrayEquals(utf8("ok"), engine.load(AbiTestModules.echo()).instantiate().expand(utf8("ok")));
    }

    @Test
    void memoryGrowthBeyondTheLimitIsReported() throws Exception {
        SandboxException e = assertThrows(SandboxException.class,
                () -> instance(AbiTestModules.growsMemoryForever()).expand(utf8("x")));
        assertEquals(Kind.MEMORY_LIMIT, e.kind());
        assertEquals("macro exceeded the memory limit of 8 MiB", e.getMessage());
    }

    @Test
    void outputBeyondTheLimitIsRejected() throws Exception {
        assertEquals(64 * 1024, instance(AbiTestModules.returnsBytes(64 * 1024)).expand(utf8("x")).length);
        SandboxException e = assertThrows(SandboxException.class,
                () -> instance(AbiTestModules.returnsBytes(64 * 1024 + 1)).expand(utf8("x")));
        assertEquals(Kind.OUTPUT_LIMIT, e.kind());
        assertEquals("macro produced 65537 bytes of output, more than the limit of 65536 bytes", e.getMessage());
    }

    @Test
    void responseOutsideMemoryIsATrap() throws Exception {
        SandboxException e = assertThrows(SandboxException.class,
                () -> instance(AbiTestModules.returnsOutOfBounds()).expand(utf8("x")));
        assertEquals(Kind.TRAP, e.kind());
        assertTrue(e.getMessage().contains("outside linear memory"), e.getMessage());
    }

    @Test
    void moduleWithAnImportIsRejectedAtLoad() {
        SandboxException e = assertThrows(SandboxException.class, () -> engine(TEST_LIMITS).load(AbiTestModules.importsFunction()));
        assertEquals(Kind.INVALID_MODULE, e.kind());
        assertEquals("module imports env.now; Sandcrate artifacts must not import anything", e.getMessage());
    }

    @Test
    void moduleWithInvalidCodeIsRejectedAtLoad() {
        SandboxException e = assertThrows(SandboxException.class, () -> engine(TEST_LIMITS).load(AbiTestModules.invalidCode()));
        assertEquals(Kind.INVALID_MODULE, e.kind());
    }

    @Test
    void moduleBreakingTheAbiIsRejected() {
        SandboxException missing = assertThrows(SandboxException.class, () -> engine(TEST_LIMITS).load(AbiTestModules.missingExpand()));
        assertEquals("module does not export the function sandcrate_expand", missing.getMessage());
        SandboxException version = assertThrows(SandboxException.class,
                () -> engine(TEST_LIMITS).load(AbiTestModules.abiVersion2()).instantiate());
        assertEquals(Kind.INVALID_MODULE, version.kind());
        assertTrue(version.getMessage().contains("speaks Sandcrate ABI version 2"), version.getMessage());
        SandboxException garbage = assertThrows(SandboxException.class, () -> engine(TEST_LIMITS).load(utf8("not wasm")));
        assertEquals(Kind.INVALID_MODULE, garbage.kind());
    }

    @Test
    void concurrentSessionsDoNotInterfere() throws Exception {
        MacroModule module = engine(TEST_LIMITS).load(AbiTestModules.countsCalls());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Integer>>> sessions = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                sessions.add(pool.submit(() -> {
                    MacroInstance instance = module.instantiate();
                    List<Integer> counts = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        counts.add((int) instance.expand(new byte[] {0, 1, 2})[2]);
                    }
                    return counts;
                }));
            }
            for (Future<List<Integer>> session : sessions) {
                List<Integer> counts = session.get();
                for (int i = 0; i < counts.size(); i++) {
                    assertEquals(i + 1, counts.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

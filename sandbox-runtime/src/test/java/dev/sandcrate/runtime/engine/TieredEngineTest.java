package dev.sandcrate.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.engine.wasm2c.Wasm2cEngine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A module runs on the engine that is ready at once until wasm2c has compiled it; sessions stay where they start. */
class TieredEngineTest {

    private static final SandboxLimits LIMITS = MacroEngineContractTest.TEST_LIMITS;

    @TempDir
    Path cache;

    private TieredEngine engine() {
        return new TieredEngine(new Wasm2cEngine(LIMITS, cache), new ChicoryEngine(LIMITS));
    }

    private static String engineOf(MacroInstance instance) {
        return instance.getClass().getSimpleName();
    }

    @Test
    void newSessionsMoveToTheCompiledModuleOnceItIsReady() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls();
        MacroModule module = engine().load(wasm);
        MacroInstance first = module.instantiate();
        assertEquals("ChicoryInstance", engineOf(first), "a compile takes longer than this");
        assertEquals(1, first.expand(new byte[] {0})[0]);

        MacroInstance later = module.instantiate();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (engineOf(later).equals("ChicoryInstance") && System.nanoTime() < deadline) {
            later.close();
            Thread.sleep(50);
            later = module.instantiate();
        }
        assertEquals("Wasm2cInstance", engineOf(later), "new sessions run on the compiled module");
        assertEquals(1, later.expand(new byte[] {0})[0], "with statics of their own");
        assertEquals(2, first.expand(new byte[] {0})[0], "the first session kept its engine and its statics");
        later.close();

        // the next daemon finds the executable on disk and starts there
        MacroInstance next = engine().load(wasm).instantiate();
        assertEquals("Wasm2cInstance", engineOf(next));
        assertTrue(next.usable());
        next.close();
    }
}

package dev.sandcrate.runtime.engine.graal;

import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.SandboxLimits;

/** The same contract on GraalWasm (interpreted in this JVM unless it runs with JVMCI; behaviour is the same). */
class GraalWasmEngineTest extends MacroEngineContractTest {

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return new GraalWasmEngine(limits);
    }
}

package dev.sandcrate.runtime.engine.chicory;

import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.SandboxLimits;

class ChicoryEngineTest extends MacroEngineContractTest {

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return new ChicoryEngine(limits);
    }
}

package dev.sandcrate.runtime.engine.wasm2c;

import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import java.nio.file.Path;
import java.util.Optional;

/** A module compiled to its host executable; every instance is a process of it. */
record Wasm2cModule(Wasm2cEngine engine, String sha256, Optional<String> manifestJson, Path executable) implements MacroModule {

    @Override
    public MacroInstance instantiate() throws SandboxException {
        return engine.instantiate(this);
    }
}

package dev.sandcrate.runtime.engine.wasmtime;

import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import io.github.kawamuray.wasmtime.Module;
import java.util.Optional;

final class WasmtimeModule implements MacroModule {

    private final WasmtimeEngine engine;
    private final String sha256;
    private final Optional<String> manifest;
    private final Module module;

    WasmtimeModule(WasmtimeEngine engine, String sha256, Optional<String> manifest, Module module) {
        this.engine = engine;
        this.sha256 = sha256;
        this.manifest = manifest;
        this.module = module;
    }

    @Override
    public String sha256() {
        return sha256;
    }

    @Override
    public Optional<String> manifestJson() {
        return manifest;
    }

    @Override
    public MacroInstance instantiate() throws SandboxException {
        return WasmtimeInstance.create(engine, sha256, module);
    }
}

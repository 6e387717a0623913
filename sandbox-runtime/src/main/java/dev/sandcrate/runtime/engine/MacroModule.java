package dev.sandcrate.runtime.engine;

import java.util.Optional;

/** A validated, engine-prepared artifact. Thread-safe; create one {@link MacroInstance} per rustc session. */
public interface MacroModule {

    /** Lower-case hex sha256 of the wasm bytes: the module's identity in caches and on the wire. */
    String sha256();

    /** The UTF-8 JSON of the {@code sandcrate-manifest} custom section, if the module has one. */
    Optional<String> manifestJson();

    /** A fresh instance with its own linear memory and statics. */
    MacroInstance instantiate() throws SandboxException;
}

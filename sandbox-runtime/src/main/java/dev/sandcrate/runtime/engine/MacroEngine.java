package dev.sandcrate.runtime.engine;

/**
 * A WebAssembly engine that runs precompiled proc-macro artifacts (see docs/runtime.md).
 * Implementations must be thread-safe: modules are loaded once and instantiated many times.
 */
public interface MacroEngine extends AutoCloseable {

    /** Short stable name used on the command line and in benchmark reports, e.g. {@code chicory}. */
    String name();

    /** The limits every instance created by this engine runs under. */
    SandboxLimits limits();

    /**
     * Validates the artifact against the Sandcrate ABI (no imports, the required exports with the right
     * signatures) and prepares it for fast instantiation (e.g. compiles it to JVM bytecode). {@code sha256} is the
     * caller's hash of {@code wasm}: the module's identity (Wasmtime and wasm2c key their caches on disk by it).
     *
     * @throws SandboxException of kind {@link SandboxException.Kind#INVALID_MODULE} if the bytes are not a
     *     usable artifact
     */
    MacroModule load(byte[] wasm, String sha256) throws SandboxException;

    /**
     * {@link #load(byte[], String)} for a caller that has not hashed the artifact (the daemon has, to look it up:
     * hashing a megabyte again costs tens of milliseconds in a runtime that has just started).
     */
    default MacroModule load(byte[] wasm) throws SandboxException {
        return load(wasm, ArtifactAbi.sha256(wasm));
    }

    /**
     * Releases what the engine holds outside the heap: an engine worker process (the default engine starts one).
     * Modules and instances of a closed engine must not be used.
     */
    @Override
    default void close() {
    }
}

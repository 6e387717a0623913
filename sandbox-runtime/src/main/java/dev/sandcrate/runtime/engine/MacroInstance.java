package dev.sandcrate.runtime.engine;

/**
 * One live instance of a module. Native macros keep statics across invocations within one rustc run, so the
 * runtime keeps one instance per (rustc session, module). Not thread-safe: callers serialise calls.
 */
public interface MacroInstance extends AutoCloseable {

    /**
     * Runs one wire-format request through {@code sandcrate_expand} and returns the wire-format response.
     * If the module traps after its panic hook recorded a panic, the recorded wire <em>panic</em> response is
     * returned (the macro's own message) and this instance is discarded: later calls fail.
     *
     * @throws SandboxException when a limit is hit (time, memory, output size), the module traps without a
     *     recorded panic, or the instance was already discarded
     */
    byte[] expand(byte[] wireRequest) throws SandboxException;

    /** False once a trap or limit has discarded this instance. */
    boolean usable();

    @Override
    void close();
}

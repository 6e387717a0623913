package dev.sandcrate.runtime.engine;

/** A module could not be loaded, or an invocation was stopped. The message is meant for the macro's user. */
public final class SandboxException extends Exception {

    public enum Kind {
        /** Not a wasm module, or it breaks the Sandcrate ABI (imports, missing or mistyped exports). */
        INVALID_MODULE,
        /** The invocation ran longer than the time limit and was interrupted. */
        TIMEOUT,
        /** The module tried to grow its linear memory beyond the memory limit. */
        MEMORY_LIMIT,
        /** The module produced a response larger than the output limit. */
        OUTPUT_LIMIT,
        /** The module trapped without recording a panic (e.g. {@code unreachable}, stack overflow). */
        TRAP,
        /** The instance was discarded by an earlier trap or limit. */
        DISCARDED,
        /**
         * The engine itself could not finish the call (a native engine's stack limit, a trap it cannot diagnose, a
         * crashed engine process); {@link FallbackEngine} reruns such a call on the pure-Java engine.
         */
        ENGINE_FAILED
    }

    private final Kind kind;

    public SandboxException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SandboxException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

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

    /** Every engine's answer to a call on an instance an earlier trap or limit discarded. */
    public static SandboxException discarded(String sha256) {
        return new SandboxException(Kind.DISCARDED, "this instance of module " + sha256 + " was discarded after an earlier failure");
    }

    /** Every engine's report of a refused {@code memory.grow}; {@code cause} may be null. */
    public static SandboxException memoryLimit(SandboxLimits limits, Throwable cause) {
        return new SandboxException(Kind.MEMORY_LIMIT, "macro exceeded the memory limit of " + (limits.maxMemoryBytes() >> 20) + " MiB", cause);
    }

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

package dev.sandcrate.precompile;

/** A precompile step failed; the message names the problem (and the log file to read, if any). */
public class PrecompileException extends RuntimeException {
    private final boolean deterministic;

    public PrecompileException(String message) {
        this(message, false);
    }

    public PrecompileException(String message, Throwable cause) {
        super(message, cause);
        this.deterministic = false;
    }

    /** @param deterministic the same inputs fail the same way (a compile error in both builds): retrying cannot help */
    public PrecompileException(String message, boolean deterministic) {
        super(message);
        this.deterministic = deterministic;
    }

    /** Whether the same inputs fail the same way, so a retry would only fail again. */
    public boolean deterministic() {
        return deterministic;
    }
}

package dev.sandcrate.precompile;

/** A precompile step failed; the message names the problem (and the log file to read, if any). */
public class PrecompileException extends RuntimeException {
    public PrecompileException(String message) {
        super(message);
    }

    public PrecompileException(String message, Throwable cause) {
        super(message, cause);
    }
}

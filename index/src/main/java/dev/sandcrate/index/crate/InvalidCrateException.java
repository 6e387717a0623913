package dev.sandcrate.index.crate;

/** A .crate file or its Cargo.toml is malformed or unsafe; the message says what and where, for the publisher. */
public class InvalidCrateException extends RuntimeException {
    public InvalidCrateException(String message) {
        super(message);
    }

    public InvalidCrateException(String message, Throwable cause) {
        super(message, cause);
    }
}

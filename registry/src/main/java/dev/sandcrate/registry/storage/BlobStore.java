package dev.sandcrate.registry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * Content-addressed storage for .crate files, artifacts and shims, keyed by the sha256 hex of the bytes; which
 * implementation each kind gets is decided by {@link BlobStorage}.
 * {@link #put} returns only once the bytes are durable, so a database row may then refer to them.
 */
public interface BlobStore {
    /** Stores the bytes (if not already present) and returns their key, the sha256 hex. */
    String put(byte[] bytes) throws IOException;

    /** The bytes under a key, or null if there are none. */
    InputStream open(String key) throws IOException;

    boolean exists(String key) throws IOException;

    void delete(String key) throws IOException;

    /** Every key in the store. */
    Set<String> keys() throws IOException;

    /** When the blob under a key was stored, or null if there is none. */
    Instant storedAt(String key) throws IOException;

    /** Throws if the store cannot be reached now (for the readiness check); asking for an absent blob does it. */
    default void checkReachable() throws IOException {
        exists("0".repeat(64));
    }

    /**
     * Removes what writes interrupted by a crash left behind, if older than {@code minAge}: zero when no other process
     * writes to this store, longer than any write takes when it is shared. Stores whose writes are atomic have none.
     */
    default void clearTemp(Duration minAge) throws IOException {
    }
}

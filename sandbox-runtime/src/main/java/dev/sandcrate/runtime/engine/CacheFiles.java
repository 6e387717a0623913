package dev.sandcrate.runtime.engine;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;

/** Files in the runtime's cache, which several runtimes (daemons, CLI runs, engine workers) share. */
public final class CacheFiles {

    private CacheFiles() {}

    /** Writes through a temporary file and a rename, so a concurrent reader never sees a partial file. */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = Files.createTempFile(file.getParent(), ".partial-", ".tmp");
        try {
            Files.write(temp, bytes);
            moveAtomically(temp, file);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Puts a finished file in place with a rename, replacing what was there; atomic where the filesystem allows. */
    public static void moveAtomically(Path finished, Path file) throws IOException {
        try {
            Files.move(finished, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(finished, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The CRC-32C a cache keeps beside a file it cannot trust on its own (its intrinsic makes it cheap at start). */
    public static long crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return crc.getValue();
    }
}

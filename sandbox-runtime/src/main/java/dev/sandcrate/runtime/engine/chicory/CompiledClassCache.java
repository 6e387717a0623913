package dev.sandcrate.runtime.engine.chicory;

import com.dylibso.chicory.compiler.Cache;
import dev.sandcrate.runtime.engine.CacheFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;

/**
 * Keeps the JVM classes Chicory compiles a module to on disk, so the next daemon (or CLI run) skips the compile,
 * which takes seconds for a megabyte-sized macro. Keyed by Chicory's module digest, under a directory per Chicory
 * version (Chicory's own format behind a header of ours). Writes are atomic, so concurrent runtimes never see a
 * partial file. Chicory trusts what it reads back (a damaged file failed the load for good, or threw a
 * NullPointerException), so the header holds a magic and the CRC-32C of Chicory's bytes; a file that does not match is
 * deleted and the module compiled again. The cache never fails a load: Chicory turns an {@link IOException} of
 * {@code get} or {@code putIfAbsent} into a failed compile, so a cache that cannot be read or written (a full disk, a
 * read-only home) is only reported, and the module compiled in memory.
 */
final class CompiledClassCache implements Cache {

    private static final byte[] MAGIC = "sandcrate-chicory-classes-1\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + Long.BYTES;

    private final Path dir;

    CompiledClassCache(Path root) {
        this.dir = root.resolve("chicory-" + chicoryVersion());
    }

    @Override
    public byte[] get(String key) {
        Path file = file(key);
        byte[] stored;
        try {
            stored = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            System.err.println("sandcrate-runtime: cannot read compiled classes " + file + " (" + e
                    + "); compiling the module again");
            return null;
        }
        if (stored.length >= HEADER && Arrays.equals(stored, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            byte[] classes = Arrays.copyOfRange(stored, HEADER, stored.length);
            if (ByteBuffer.wrap(stored, MAGIC.length, Long.BYTES).getLong() == CacheFiles.crc32c(classes)) {
                return classes;
            }
        }
        System.err.println("sandcrate-runtime: discarding compiled classes that fail their checksum (damaged, or"
                + " written by an older runtime): " + file + "; compiling the module again");
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // putIfAbsent then keeps it, and the next load compiles again
        }
        return null;
    }

    @Override
    public void putIfAbsent(String key, byte[] data) {
        Path target = file(key);
        if (Files.exists(target)) {
            return;
        }
        try {
            CacheFiles.writeAtomically(target, ByteBuffer.allocate(HEADER + data.length)
                    .put(MAGIC).putLong(CacheFiles.crc32c(data)).put(data).array());
        } catch (IOException e) {
            System.err.println("sandcrate-runtime: cannot keep compiled classes in " + target + " (" + e
                    + "); the module runs, and is compiled again by the next runtime");
        }
    }

    private Path file(String key) {
        return dir.resolve(key.replaceAll("[^A-Za-z0-9_.-]", "_") + ".classes");
    }

    private static String chicoryVersion() {
        try (InputStream in = Cache.class.getResourceAsStream("/META-INF/maven/com.dylibso.chicory/compiler/pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }
}

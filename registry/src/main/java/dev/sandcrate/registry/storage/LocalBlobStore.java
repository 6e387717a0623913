package dev.sandcrate.registry.storage;

import dev.sandcrate.index.Checksums;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blobs in a local folder: {@code root/ab/cd/abcd...}. A put writes a temp file, fsyncs it, renames it atomically
 * into place and fsyncs the folder, so a blob is either absent or complete, also after a crash.
 */
public final class LocalBlobStore implements BlobStore {
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");
    private final Path root;

    public LocalBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath();
        Files.createDirectories(this.root.resolve("tmp"));
    }

    @Override
    public String put(byte[] bytes) throws IOException {
        String key = Checksums.sha256Hex(bytes);
        Path target = pathOf(key);
        if (Files.exists(target)) return key;
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(root.resolve("tmp"), key, ".part");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // a concurrent put of the same bytes won; its file is identical
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("blob folder " + root + " does not support atomic rename", e);
            }
            fsyncDirectory(target.getParent());
        } finally {
            Files.deleteIfExists(tmp);
        }
        return key;
    }

    @Override
    public InputStream open(String key) throws IOException {
        try {
            return Files.newInputStream(pathOf(key));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void checkReachable() throws IOException {
        if (!Files.isDirectory(root) || !Files.isWritable(root)) throw new IOException(root + " is not a writable folder");
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(pathOf(key));
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(pathOf(key));
    }

    @Override
    public Set<String> keys() throws IOException {
        Set<String> keys = new HashSet<>();
        try (Stream<Path> files = Files.walk(root, 3)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> !p.getParent().equals(root.resolve("tmp")))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> KEY.matcher(n).matches())
                    .forEach(keys::add);
        }
        return keys;
    }

    @Override
    public Instant storedAt(String key) throws IOException {
        try {
            return Files.getLastModifiedTime(pathOf(key)).toInstant();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Removes temp files left by a crash mid-write (another process sharing the folder may be writing one now). */
    @Override
    public void clearTemp(Duration minAge) throws IOException {
        Instant cutoff = Instant.now().minus(minAge);
        try (Stream<Path> files = Files.list(root.resolve("tmp"))) {
            for (Path p : files.toList()) {
                try {
                    if (!Files.getLastModifiedTime(p).toInstant().isAfter(cutoff)) Files.deleteIfExists(p);
                } catch (NoSuchFileException e) {
                    // its writer finished (renamed it) meanwhile
                }
            }
        }
    }

    private Path pathOf(String key) {
        if (!KEY.matcher(key).matches()) throw new IllegalArgumentException("not a blob key: " + key);
        return root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}

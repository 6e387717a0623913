package dev.sandcrate.runtime.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * One module's expansion answers on disk ({@code <directory>/<sha256>.journal}), so that a daemon started later (the
 * last one exited when idle, or the machine rebooted) still answers what earlier builds asked. An append-only file:
 * a header, then one record per answer kept, each {@code [length][crc32][parent id][id][request length][request]
 * [response]} (little-endian), where ids are the module's own positions (0: the module's start, see
 * {@link ExpansionCache}). A record cut short or damaged (a crash while writing, a full disk) ends the file there: it
 * is truncated to the last good record. The file is locked while a daemon uses it; a second daemon sharing the cache
 * directory keeps its answers in memory only. Beyond its size limit the file starts over (the daemon's memory keeps
 * what it had).
 */
final class ExpansionJournal implements AutoCloseable {

    /** One answer read back: a request asked at {@code parent}, its response, and the id after it. */
    record Entry(long parent, long id, byte[] request, byte[] response) {}

    private static final byte[] MAGIC = {'S', 'C', 'X', 'J', 1, 0, 0, 0}; // format 1
    private static final int RECORD_HEADER = 8 + 8 + 8 + 4; // length, crc, parent, id, request length

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final long maxBytes;

    private ExpansionJournal(Path file, FileChannel channel, FileLock lock, long maxBytes) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.maxBytes = maxBytes;
    }

    /**
     * Opens (creating) the journal of module {@code sha256} under {@code directory} and hands every good record to
     * {@code reader}; null when another daemon holds it.
     */
    static ExpansionJournal open(Path directory, String sha256, long maxBytes, java.util.function.Consumer<Entry> reader) throws IOException {
        Files.createDirectories(directory);
        Path file = directory.resolve(sha256 + ".journal");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        }
        if (lock == null) {
            channel.close();
            return null;
        }
        ExpansionJournal journal = new ExpansionJournal(file, channel, lock, maxBytes);
        try {
            journal.read(reader);
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
        return journal;
    }

    private void read(java.util.function.Consumer<Entry> reader) throws IOException {
        long size = channel.size();
        ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
        channel.read(magic, 0);
        if (size < MAGIC.length || !java.util.Arrays.equals(magic.array(), MAGIC) || size > maxBytes) {
            restart();
            return;
        }
        ByteBuffer all = ByteBuffer.allocate((int) size - MAGIC.length).order(ByteOrder.LITTLE_ENDIAN);
        while (all.hasRemaining() && channel.read(all, MAGIC.length + all.position()) >= 0) {
            // read until full
        }
        all.flip();
        long good = MAGIC.length;
        while (all.remaining() >= 8) {
            int start = all.position();
            int length = all.getInt();
            int crc = all.getInt();
            if (length < RECORD_HEADER - 8 || length > all.remaining()) {
                break;
            }
            byte[] payload = new byte[length];
            all.get(payload);
            CRC32 check = new CRC32();
            check.update(payload);
            if ((int) check.getValue() != crc) {
                break;
            }
            ByteBuffer record = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
            long parent = record.getLong();
            long id = record.getLong();
            int requestLength = record.getInt();
            if (requestLength < 0 || requestLength > record.remaining()) {
                break;
            }
            byte[] request = new byte[requestLength];
            record.get(request);
            byte[] response = new byte[record.remaining()];
            record.get(response);
            reader.accept(new Entry(parent, id, request, response));
            good = MAGIC.length + start + 8L + length;
        }
        if (good < size) {
            channel.truncate(good); // a record cut short or damaged, and everything after it
        }
        channel.position(good);
    }

    /** Appends one answer; beyond the size limit the journal starts over with it. */
    void append(long parent, long id, byte[] request, byte[] response) throws IOException {
        int length = RECORD_HEADER - 8 + request.length + response.length;
        ByteBuffer record = ByteBuffer.allocate(8 + length).order(ByteOrder.LITTLE_ENDIAN);
        record.putInt(length).putInt(0).putLong(parent).putLong(id).putInt(request.length).put(request).put(response);
        CRC32 crc = new CRC32();
        crc.update(record.array(), 8, length);
        record.putInt(4, (int) crc.getValue());
        record.flip();
        if (channel.position() + record.remaining() > maxBytes) {
            restart();
            if (record.remaining() + MAGIC.length > maxBytes) {
                return;
            }
        }
        while (record.hasRemaining()) {
            channel.write(record);
        }
    }

    private void restart() throws IOException {
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(MAGIC), 0);
        channel.position(MAGIC.length);
    }

    Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}

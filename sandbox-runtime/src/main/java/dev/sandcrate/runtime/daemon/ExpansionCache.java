package dev.sandcrate.runtime.daemon;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's memory of expansion answers. An answer depends on a module and on the whole sequence of requests a
 * session sent it so far, so answers form a tree per module: each entry is one request asked after the entry before
 * it (its position), with the answer and a position of its own. Keys compare requests byte for byte, no hash stands
 * in for them. The least recently used entries go beyond a byte budget (an entry whose parent went is not reached
 * again and goes in its turn). It is what makes an edit-build loop cheap: rustc expands every macro of a crate again
 * after any edit, and all but the edited items ask what they asked before. With a directory, each module's answers
 * are also kept on disk ({@link ExpansionJournal}) and read back when a later daemon first meets the module.
 *
 * <p>A position is a module's number in this cache (upper bits) and an id within the module (0: its start), so the
 * ids a journal stores mean the same in every daemon that reads it.
 */
final class ExpansionCache implements AutoCloseable {

    /** The position of a session that is not cached (see {@link MacroService}). */
    static final long NOT_CACHED = -1;

    private static final int ENTRY_OVERHEAD = 160; // key, entry, map node and array headers, roughly

    /** An answer, and the position after it. */
    record Answer(long position, byte[] response) {}

    private record Key(long position, byte[] request, int hash) {
        Key(long position, byte[] request) {
            this(position, request, Long.hashCode(position) * 31 + Arrays.hashCode(request));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.position == position && key.hash == hash && Arrays.equals(key.request, request);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static final int ID_BITS = 40;
    /** A journal's share of the budget: a build's answers for one macro are a few MiB; the disk holds every module's. */
    private static final int JOURNAL_FRACTION = 8;

    /** One module's ids, and its journal (null: memory only). */
    private static final class Module {
        final long number;
        long lastId;
        ExpansionJournal journal;

        Module(long number) {
            this.number = number;
        }

        long position(long id) {
            return number << ID_BITS | id;
        }
    }

    private final long budgetBytes;
    private final Path directory; // null: memory only
    private final Map<Key, Answer> answers = new LinkedHashMap<>(256, 0.75f, true);
    private final Map<String, Module> bySha = new HashMap<>(); // never evicted
    private final List<Module> byNumber = new ArrayList<>();
    private long bytes;
    private long hits;
    private long misses;
    private long fromDisk;

    /** A cache in memory only. */
    ExpansionCache(long budgetBytes) {
        this(budgetBytes, null);
    }

    /** A cache that also keeps each module's answers under {@code directory} (null: memory only). */
    ExpansionCache(long budgetBytes, Path directory) {
        this.budgetBytes = budgetBytes;
        this.directory = directory;
    }

    /** Where a new session of module {@code sha256} starts; the first time, reads what its journal holds. */
    synchronized long start(String sha256) {
        Module module = bySha.get(sha256);
        if (module == null) {
            module = new Module(byNumber.size() + 1);
            bySha.put(sha256, module);
            byNumber.add(module);
            if (directory != null) {
                open(module, sha256);
            }
        }
        return module.position(0);
    }

    private void open(Module module, String sha256) {
        try {
            long journalBytes = Math.min(budgetBytes / JOURNAL_FRACTION, 1L << 30); // it is read into one buffer
            module.journal = ExpansionJournal.open(directory, sha256, journalBytes, entry -> {
                module.lastId = Math.max(module.lastId, entry.id());
                keep(new Key(module.position(entry.parent()), entry.request()), new Answer(module.position(entry.id()), entry.response()));
                fromDisk++;
            });
        } catch (IOException | RuntimeException e) {
            System.err.println("sandcrate-runtime: expansion answers of module " + sha256 + " stay in memory only: " + e);
        }
    }

    /** The cached answer to {@code request} asked at {@code position}, or null. */
    synchronized Answer get(long position, byte[] request) {
        Answer answer = answers.get(new Key(position, request));
        if (answer == null) {
            misses++;
        } else {
            hits++;
        }
        return answer;
    }

    /** Keeps {@code response} to {@code request} asked at {@code position}; returns the position after it. */
    synchronized long put(long position, byte[] request, byte[] response) {
        Key key = new Key(position, request);
        Answer known = answers.get(key);
        if (known != null) { // another session got here first: the same answer, as the macro is deterministic
            return known.position();
        }
        Module module = byNumber.get((int) (position >>> ID_BITS) - 1);
        Answer answer = new Answer(module.position(++module.lastId), response);
        if (keep(key, answer) && module.journal != null) {
            try {
                module.journal.append(position & ((1L << ID_BITS) - 1), module.lastId, request, response);
            } catch (IOException e) {
                System.err.println("sandcrate-runtime: stopped writing " + module.journal.file() + ": " + e);
                closeQuietly(module);
            }
        }
        return answer.position();
    }

    /** Adds an answer within the budget, dropping the least recently used ones; false if it alone is over it. */
    private boolean keep(Key key, Answer answer) {
        long size = size(key, answer);
        if (size > budgetBytes) {
            return false; // not kept; the session goes on from a position nothing is stored under
        }
        Answer replaced = answers.put(key, answer);
        bytes += size - (replaced == null ? 0 : size(key, replaced));
        for (Iterator<Map.Entry<Key, Answer>> oldest = answers.entrySet().iterator(); bytes > budgetBytes; ) {
            Map.Entry<Key, Answer> entry = oldest.next();
            bytes -= size(entry.getKey(), entry.getValue());
            oldest.remove();
        }
        return true;
    }

    private static void closeQuietly(Module module) {
        try {
            module.journal.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
        module.journal = null;
    }

    /** Closes the journals (their locks let another daemon use them). */
    @Override
    public synchronized void close() {
        byNumber.stream().filter(m -> m.journal != null).forEach(ExpansionCache::closeQuietly);
    }

    private static long size(Key key, Answer answer) {
        return (long) key.request().length + answer.response().length + ENTRY_OVERHEAD;
    }

    synchronized String describe() {
        return "expansion cache: " + hits + " hits, " + misses + " misses, " + answers.size() + " answers in "
                + (bytes >> 10) + " KiB of " + (budgetBytes >> 20) + " MiB"
                + (directory == null ? "" : ", " + fromDisk + " read from " + directory);
    }
}

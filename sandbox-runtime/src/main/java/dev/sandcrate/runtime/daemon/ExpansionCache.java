package dev.sandcrate.runtime.daemon;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The daemon's memory of expansion answers. An answer depends on a module and on the whole sequence of requests a
 * session sent it so far, so answers form a tree per module: each entry is one request asked after the entry before
 * it (its position), with the answer and a position of its own. Keys compare requests byte for byte, no hash stands
 * in for them. The least recently used entries go beyond a byte budget (an entry whose parent went is not reached
 * again and goes in its turn). It is what makes an edit-build loop cheap: rustc expands every macro of a crate again
 * after any edit, and all but the edited items ask what they asked before.
 */
final class ExpansionCache {

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

    private final long budgetBytes;
    private final Map<Key, Answer> answers = new LinkedHashMap<>(256, 0.75f, true);
    private final Map<String, Long> starts = new HashMap<>(); // a module's first position, by sha256 (never evicted)
    private long positions;
    private long bytes;
    private long hits;
    private long misses;

    ExpansionCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    /** Where a new session of module {@code sha256} starts. */
    synchronized long start(String sha256) {
        return starts.computeIfAbsent(sha256, sha -> ++positions);
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
        Answer answer = new Answer(++positions, response);
        long size = size(key, answer);
        if (size > budgetBytes) {
            return answer.position(); // not kept; the session goes on from a position nothing is stored under
        }
        answers.put(key, answer);
        bytes += size;
        for (Iterator<Map.Entry<Key, Answer>> oldest = answers.entrySet().iterator(); bytes > budgetBytes; ) {
            Map.Entry<Key, Answer> entry = oldest.next();
            bytes -= size(entry.getKey(), entry.getValue());
            oldest.remove();
        }
        return answer.position();
    }

    private static long size(Key key, Answer answer) {
        return (long) key.request().length + answer.response().length + ENTRY_OVERHEAD;
    }

    synchronized String describe() {
        return "expansion cache: " + hits + " hits, " + misses + " misses, " + answers.size() + " answers in "
                + (bytes >> 10) + " KiB of " + (budgetBytes >> 20) + " MiB";
    }
}

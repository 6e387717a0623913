package dev.sandcrate.runtime.daemon;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The daemon's memory of expansion answers, by the hash {@link MacroService} computes over a module and a session's
 * requests to it; the least recently used answers go beyond a byte budget. It is what makes an edit-build loop cheap:
 * rustc expands every macro of a crate again after any edit, and all but the edited ones ask what they asked before.
 */
final class ExpansionCache {

    private static final int ENTRY_OVERHEAD = 128; // key, map entry and array headers, roughly

    private final long budgetBytes;
    private final Map<ByteBuffer, byte[]> answers = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    ExpansionCache(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    synchronized byte[] get(ByteBuffer key) {
        byte[] answer = answers.get(key);
        if (answer == null) {
            misses++;
        } else {
            hits++;
        }
        return answer;
    }

    synchronized void put(ByteBuffer key, byte[] answer) {
        long size = answer.length + ENTRY_OVERHEAD;
        if (size > budgetBytes) {
            return;
        }
        byte[] replaced = answers.put(key, answer);
        bytes += size - (replaced == null ? 0 : replaced.length + ENTRY_OVERHEAD);
        for (Iterator<byte[]> oldest = answers.values().iterator(); bytes > budgetBytes; ) {
            bytes -= oldest.next().length + ENTRY_OVERHEAD;
            oldest.remove();
        }
    }

    synchronized String describe() {
        return "expansion cache: " + hits + " hits, " + misses + " misses, " + answers.size() + " answers in "
                + (bytes >> 10) + " KiB of " + (budgetBytes >> 20) + " MiB";
    }
}

package dev.sandcrate.registry.crates;

import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Download counts, added up in memory and written in one transaction every {@link #FLUSH_EVERY} and when the registry
 * stops, instead of two UPDATEs per download (crates.io counts in batches too). Counts shown lag by up to that much;
 * a process killed without stopping loses its last few seconds of counts.
 */
final class DownloadCounts {
    static final Duration FLUSH_EVERY = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(DownloadCounts.class);
    private final Jdbi jdbi;
    /** Entries stay (one per version downloaded since start); a flush takes each count with getAndSet(0). */
    private final Map<VersionId, AtomicLong> pending = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService flusher;

    private record VersionId(long crateId, long versionId) {}

    DownloadCounts(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    void count(long crateId, long versionId) {
        pending.computeIfAbsent(new VersionId(crateId, versionId), k -> new AtomicLong()).incrementAndGet();
        if (flusher == null) startFlusher();
    }

    private synchronized void startFlusher() {
        if (flusher != null) return;
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandcrate-download-counts");
            t.setDaemon(true);
            return t;
        });
        s.scheduleWithFixedDelay(this::flush, FLUSH_EVERY.toMillis(), FLUSH_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        flusher = s;
    }

    /** Writes the counts gathered so far; on failure they are kept for the next flush. */
    synchronized void flush() {
        Map<VersionId, Long> taken = new java.util.HashMap<>();
        pending.forEach((id, n) -> {
            long c = n.getAndSet(0);
            if (c > 0) taken.put(id, c);
        });
        if (taken.isEmpty()) return;
        Map<Long, Long> perCrate = new java.util.HashMap<>();
        taken.forEach((id, n) -> perCrate.merge(id.crateId(), n, Long::sum));
        try {
            jdbi.useTransaction(h -> {
                var versions = h.prepareBatch("UPDATE versions SET downloads = downloads + :n WHERE id = :id");
                taken.forEach((id, n) -> versions.bind("n", n).bind("id", id.versionId()).add());
                versions.execute();
                var crates = h.prepareBatch("UPDATE crates SET downloads = downloads + :n WHERE id = :id");
                perCrate.forEach((id, n) -> crates.bind("n", n).bind("id", id).add());
                crates.execute();
            });
        } catch (RuntimeException e) {
            LOG.warn("could not write {} download count(s); keeping them for the next try", taken.size(), e);
            taken.forEach((id, n) -> pending.get(id).addAndGet(n));
        }
    }

    /** Stops the periodic flush and writes what is left. */
    void close() {
        ScheduledExecutorService s = flusher;
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flush();
    }
}

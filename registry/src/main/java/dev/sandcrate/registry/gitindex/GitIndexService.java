package dev.sandcrate.registry.gitindex;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.index.git.GitIndexRepository;
import dev.sandcrate.registry.crates.CrateEvents;
import dev.sandcrate.registry.crates.IndexChanges;
import dev.sandcrate.registry.http.IndexResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The git index ({@code dataDir/git-index}, a bare repository), derived from the database's index change log
 * ({@link IndexChanges}) alone, so that every replica has the same commit ids and a git client may switch between
 * them: a first commit holding {@code config.json} (author {@code sandcrate}, time 0), then one commit per change in
 * the log's order: "Publish|Yank|Unyank crate version", author the login that made it, author and committer time
 * the change's time in UTC, the crate's file as the previous commit had it with that version's line replaced or
 * appended, and a {@code Sandcrate-Change: n} trailer naming the change. The repository catches up with the log before
 * it is served (one single-row query when nothing changed) and, in the background, after this process makes a change. A repository whose
 * history was not made this way (an older Sandcrate), or whose {@code config.json} no longer matches (a new public
 * URL), is started over from the log: clients then see one non-fast-forward, which cargo accepts.
 */
public final class GitIndexService implements CrateEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GitIndexService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "sandcrate";
    static final String TRAILER = "Sandcrate-Change: ";
    private static final int BATCH = 500;
    private final GitIndexRepository repo;
    private final IndexChanges changes;
    private final Supplier<String> publicUrl;
    private final boolean authRequired;
    /** The number of the last change the branch holds, and the config.json it was made with; -1 until read. */
    private long applied = -1;
    private byte[] appliedConfig;
    private final java.util.concurrent.ExecutorService background = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sandcrate-git-index");
        t.setDaemon(true);
        return t;
    });
    private final java.util.concurrent.atomic.AtomicBoolean syncPending = new java.util.concurrent.atomic.AtomicBoolean();

    /** @param authRequired the registry's {@code --auth-required}, written to {@code config.json} for cargo */
    public GitIndexService(Path dir, IndexChanges changes, Supplier<String> publicUrl, boolean authRequired) throws IOException {
        this.repo = GitIndexRepository.open(dir);
        this.changes = changes;
        this.publicUrl = publicUrl;
        this.authRequired = authRequired;
    }

    public GitIndexRepository repository() {
        return repo;
    }

    /**
     * A change made through this process is committed in the background: the publish does not wait for it (a first
     * catch-up after an upgrade may replay thousands of changes), and a git fetch catches up itself anyway.
     */
    @Override
    public void indexChanged(Change change, IndexEntry entry, String actor) {
        if (!syncPending.compareAndSet(false, true)) return; // one queued catch-up covers every change before it runs
        try {
            background.execute(() -> {
                syncPending.set(false);
                try {
                    sync();
                } catch (IOException | RuntimeException e) {
                    LOG.error("git index: cannot catch up with the change log after {} of {} {} (the next fetch retries)",
                            change, entry.name(), entry.vers(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            syncPending.set(false); // closing: the next start catches up
        }
    }

    /** Brings the repository up to date with the change log. */
    public synchronized void sync() throws IOException {
        byte[] config = config();
        if (applied < 0 || !Arrays.equals(config, appliedConfig)) {
            applied = resume(config);
            appliedConfig = config;
        }
        if (changes.latest() == applied) return;
        for (List<IndexChanges.Change> batch; !(batch = changes.after(applied, BATCH)).isEmpty(); ) {
            repo.commitEach(batch.stream().map(GitIndexService::commitOf).toList());
            applied = batch.getLast().seq();
        }
    }

    /** The change the branch ends with, after starting the history over if it was not made from the log with this config. */
    private long resume(byte[] config) throws IOException {
        List<GitIndexRepository.Commit> head = repo.log(1);
        if (!head.isEmpty()) {
            Optional<Long> seq = changeOf(head.getFirst().message());
            boolean fromThisLog = seq.isPresent() && seq.get() <= changes.latest(); // else made from another database
            if (fromThisLog && Arrays.equals(config, repo.read("config.json").orElse(null))) return seq.get();
            LOG.info("git index: rebuilding its history from the change log ({})",
                    fromThisLog ? "config.json changed" : "the history was not made from this database's change log");
            repo.startOver();
        }
        repo.commit(Map.of("config.json", config), "Set config.json: downloads and API at " + publicUrl.get()
                + (authRequired ? ", reading needs a token" : "") + "\n\n" + TRAILER + 0, SYSTEM, Instant.EPOCH, true);
        return 0;
    }

    static Optional<Long> changeOf(String message) {
        return message.lines().filter(l -> l.startsWith(TRAILER)).reduce((a, b) -> b)
                .map(l -> l.substring(TRAILER.length()).strip()).filter(n -> n.matches("\\d{1,18}")).map(Long::parseLong);
    }

    /** The commit of one change: the crate's file as the commit before has it, with the version's line replaced or appended. */
    private static GitIndexRepository.FileCommit commitOf(IndexChanges.Change c) {
        String line = IndexFile.line(c.entry());
        String verb = switch (c.kind()) {
            case PUBLISHED -> "Publish";
            case YANKED -> "Yank";
            case UNYANKED -> "Unyank";
        };
        return new GitIndexRepository.FileCommit(IndexPaths.pathOf(c.crate()), before -> {
            List<String> lines = new ArrayList<>(before == null ? List.of() : new String(before, StandardCharsets.UTF_8).lines().toList());
            int at = -1;
            for (int i = 0; i < lines.size() && at < 0; i++) {
                if (IndexFile.parseLine(lines.get(i)).vers().equals(c.num())) at = i;
            }
            if (at >= 0) lines.set(at, line);
            else lines.add(line);
            StringBuilder body = new StringBuilder();
            for (String l : lines) body.append(l).append('\n');
            return body.toString().getBytes(StandardCharsets.UTF_8);
        }, verb + " " + c.crate() + " " + c.num() + "\n\n" + TRAILER + c.seq(), c.actor(), Instant.ofEpochMilli(c.changedAt()));
    }

    private byte[] config() {
        var config = new IndexResponses.ConfigJson(publicUrl.get() + "/api/v1/crates", publicUrl.get(), authRequired);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Smart HTTP ref advertisement, after catching up with the change log. */
    public void advertise(OutputStream out) throws IOException {
        sync();
        repo.advertiseUploadPack(out);
    }

    /**
     * Smart HTTP pack negotiation, also after catching up: behind a load balancer the advertisement may have come from
     * another replica that had seen a newer change; caught up, this one has every commit that one advertised.
     */
    public void uploadPack(InputStream in, OutputStream out) throws IOException {
        sync();
        repo.uploadPack(in, out);
    }

    @Override
    public void close() {
        background.shutdown();
        try {
            background.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            repo.close();
        }
    }
}

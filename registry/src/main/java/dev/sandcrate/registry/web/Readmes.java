package dev.sandcrate.registry.web;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.registry.crates.CrateEvents;
import dev.sandcrate.registry.crates.CrateService;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The rendered readme of each version, in the {@code readmes} table: rendered once, right after a publish or import
 * (one render at a time, each in a {@link ReadmeRenderProcess} with its time and size budget), or at the first view of
 * a version from before this table. Pages only read the stored HTML; a failed render is stored as escaped text.
 */
public final class Readmes implements CrateEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Readmes.class);
    private final Jdbi jdbi;
    private final CrateService crates;
    private final CrateDocs docs;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "readme-render");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, CompletableFuture<Readme>> inFlight = new ConcurrentHashMap<>();

    /** A version's readme: its path (null when it has none), the HTML to show, and why rendering failed, if it did. */
    public record Readme(String path, String html, String failure) {}

    public Readmes(Jdbi jdbi, CrateService crates) {
        this.jdbi = jdbi;
        this.crates = crates;
        this.docs = new CrateDocs();
    }

    @Override
    public void indexChanged(Change change, IndexEntry entry, String actor) {
        if (change != Change.PUBLISHED) return;
        crates.versions(entry.name()).stream().filter(v -> v.num().equals(entry.vers())).findFirst()
                .ifPresent(v -> renderLater(v, entry.name()));
    }

    /**
     * The stored readme, else the render in progress (started now if none is), waited for up to its budget; if the
     * queue is too long for that, the escaped text for this view while the render goes on.
     */
    public Readme of(CrateService.VersionRow version, String crateName, byte[] crateBytes) throws IOException {
        Optional<Readme> stored = stored(version.id());
        if (stored.isPresent()) return stored.get();
        CompletableFuture<Readme> pending = renderLater(version, crateName);
        try {
            return pending.get(ReadmeRenderProcess.BUDGET.toMillis() + 5_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            CrateDocs.Doc doc = docs.of(version.cksum(), crateBytes);
            String text = CrateDocs.readmeText(doc, crateBytes);
            return new Readme(doc.readmePath(), text == null ? null : CrateDocs.plain(text), "the readme is still being rendered");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the readme", e);
        } catch (ExecutionException e) {
            throw new IOException("rendering the readme of " + crateName + " " + version.num() + " failed", e.getCause());
        }
    }

    private CompletableFuture<Readme> renderLater(CrateService.VersionRow version, String crateName) {
        long id = version.id();
        CompletableFuture<Readme> f = inFlight.computeIfAbsent(id, k -> CompletableFuture.supplyAsync(
                () -> stored(id).orElseGet(() -> renderAndStore(version, crateName)), worker));
        f.whenComplete((r, e) -> inFlight.remove(id, f));
        return f;
    }

    /** The packaged manifest and where the readme is (cached by checksum). */
    public CrateDocs.Doc doc(String cksum, byte[] crateBytes) {
        return docs.of(cksum, crateBytes);
    }

    private Readme renderAndStore(CrateService.VersionRow version, String crateName) {
        Readme readme;
        try {
            byte[] bytes = crates.crateBytes(crateName, version.num()).orElseThrow(() -> new IOException("no .crate"));
            CrateDocs.Doc doc = docs.of(version.cksum(), bytes);
            String text = CrateDocs.readmeText(doc, bytes);
            if (text == null) {
                readme = new Readme(null, null, null);
            } else {
                ReadmeRenderProcess.Result r = ReadmeRenderProcess.render(doc.readmePath(), text);
                readme = r.html() != null ? new Readme(doc.readmePath(), r.html(), null)
                        : new Readme(doc.readmePath(), CrateDocs.plain(text), r.failure());
                if (r.failure() != null) LOG.warn("readme of {} {} shown as plain text: {}", crateName, version.num(), r.failure());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the readme of {} {}", crateName, version.num(), e);
            return new Readme(null, null, "cannot read the readme: " + e.getMessage()); // not stored: a later view retries
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Readme(null, null, "the registry is stopping"); // not stored: rendered again after the restart
        }
        store(version.id(), readme);
        return readme;
    }

    private Optional<Readme> stored(long versionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT path, html, failure FROM readmes WHERE version_id = :v")
                .bind("v", versionId)
                .map((rs, c) -> new Readme(rs.getString(1), rs.getString(2), rs.getString(3))).findOne());
    }

    private void store(long versionId, Readme readme) {
        String failure = readme.failure() == null || readme.failure().length() <= 1024 ? readme.failure() : readme.failure().substring(0, 1024);
        try {
            jdbi.useHandle(h -> h.createUpdate("""
                            INSERT INTO readmes (version_id, path, html, failure, rendered_at) VALUES (:v, :p, :h, :f, :t)""")
                    .bind("v", versionId).bind("p", readme.path()).bind("h", readme.html()).bind("f", failure)
                    .bind("t", System.currentTimeMillis()).execute());
        } catch (RuntimeException e) {
            // another registry process on the same database stored it first
            if (stored(versionId).isEmpty()) throw e;
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}

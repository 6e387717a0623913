package dev.sandcrate.registry.gitindex;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.index.git.GitIndexRepository;
import dev.sandcrate.registry.crates.CrateEvents;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.http.IndexResponses;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Keeps the git index ({@code dataDir/git-index}, a bare repository) equal to the database: one commit per publish,
 * yank or unyank as it happens (author: who did it), and a sync from the database that catches up with whatever the
 * listener did not see: a missing or deleted repository (rebuilt in one commit), changes made by another process
 * ({@code sandcrate import} beside a running server), a changed public URL in {@code config.json}. The sync runs before
 * the repository is served whenever the database changed since the last one.
 */
public final class GitIndexService implements CrateEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GitIndexService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "sandcrate";
    private final GitIndexRepository repo;
    private final Jdbi jdbi;
    private final CrateService crates;
    private final Supplier<String> publicUrl;
    private final boolean authRequired;
    /** What the database looked like at the last sync; null until the first one. */
    private Watermark synced;

    private record Watermark(long crates, long versions, long lastUpdate) {}

    /** @param authRequired the registry's {@code --auth-required}, written to {@code config.json} for cargo */
    public GitIndexService(Path dir, Jdbi jdbi, CrateService crates, Supplier<String> publicUrl, boolean authRequired) throws IOException {
        this.repo = GitIndexRepository.open(dir);
        this.jdbi = jdbi;
        this.crates = crates;
        this.publicUrl = publicUrl;
        this.authRequired = authRequired;
    }

    public GitIndexRepository repository() {
        return repo;
    }

    @Override
    public synchronized void indexChanged(Change change, IndexEntry entry, String actor) {
        try {
            sync(entry.name()); // catch up with everything else first, so this change gets its own commit
            String verb = switch (change) {
                case PUBLISHED -> "Publish";
                case YANKED -> "Yank";
                case UNYANKED -> "Unyank";
            };
            Map<String, byte[]> file = new HashMap<>();
            file.put(IndexPaths.pathOf(entry.name()), crates.indexFile(entry.name()).map(CrateService.IndexFileBody::body).orElse(null));
            repo.commit(file, verb + " " + entry.name() + " " + entry.vers(), actor);
            sync(null);
        } catch (IOException | RuntimeException e) {
            LOG.error("git index: cannot record {} of {} {} (the next sync catches up)", change, entry.name(), entry.vers(), e);
        }
    }

    /** Brings the repository up to date with the database, if the database changed since the last sync. */
    public synchronized void sync() throws IOException {
        sync(null);
    }

    /** @param except a crate left for the caller to commit (the watermark is then not advanced) */
    private void sync(String except) throws IOException {
        Watermark now = jdbi.withHandle(h -> h.createQuery("""
                        SELECT (SELECT COUNT(*) FROM crates), (SELECT COUNT(*) FROM versions),
                               (SELECT COALESCE(MAX(index_updated_at), 0) FROM crates)""")
                .map((rs, ctx) -> new Watermark(rs.getLong(1), rs.getLong(2), rs.getLong(3))).one());
        Map<String, String> files = repo.files();
        byte[] config = config();
        if (!GitIndexRepository.blobId(config).equals(files.get("config.json"))) {
            repo.commit(Map.of("config.json", config), "Set config.json: downloads and API at " + publicUrl.get()
                    + (authRequired ? ", reading needs a token" : ""), SYSTEM);
        }
        if (now.equals(synced)) return;
        // After the first sync only crates changed since then can differ; the first compares everything.
        long since = synced == null ? Long.MIN_VALUE : synced.lastUpdate();
        List<String> names = jdbi.withHandle(h -> h.createQuery("SELECT name FROM crates WHERE index_updated_at >= :t ORDER BY name")
                .bind("t", since).mapTo(String.class).list());
        Map<String, byte[]> changed = new LinkedHashMap<>();
        for (String name : names) {
            if (name.equals(except)) continue;
            String path = IndexPaths.pathOf(name);
            byte[] body = crates.indexFile(name).map(CrateService.IndexFileBody::body).orElse(null);
            if (body != null && !GitIndexRepository.blobId(body).equals(files.get(path))) changed.put(path, body);
        }
        boolean rebuilding = files.size() <= 1 && changed.size() > 1;
        if (rebuilding) {
            repo.commit(changed, "Rebuild the index from the database (" + changed.size() + " crates)", SYSTEM);
            LOG.info("git index rebuilt from the database: {} crates", changed.size());
        } else {
            for (var e : changed.entrySet()) {
                String name = e.getKey().substring(e.getKey().lastIndexOf('/') + 1);
                repo.commit(Map.of(e.getKey(), e.getValue()), "Sync " + name + " from the database", SYSTEM);
            }
        }
        if (except == null) synced = now;
    }

    private byte[] config() {
        Map<String, Object> config = IndexResponses.configJson(publicUrl.get() + "/api/v1/crates", publicUrl.get(), authRequired);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Smart HTTP ref advertisement, after catching up with the database. */
    public void advertise(OutputStream out) throws IOException {
        sync();
        repo.advertiseUploadPack(out);
    }

    public void uploadPack(InputStream in, OutputStream out) throws IOException {
        repo.uploadPack(in, out);
    }

    @Override
    public void close() {
        repo.close();
    }
}

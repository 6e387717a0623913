package dev.sandcrate.registry.crates;

import dev.sandcrate.index.SemVer;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.CrateNames;
import dev.sandcrate.runtime.shim.ShimSources;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateContents;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.Database;
import dev.sandcrate.registry.storage.BlobStore;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Crates and their versions: publish, yank, owners, search, downloads and the index files.
 * <p>
 * Atomicity of publish: everything is checked first; then the .crate goes to the blob store (durable on return);
 * then one transaction inserts the rows. The index is rendered from those rows, so a version appears in the index
 * exactly when its transaction commits, and never before its blob is durable. If the transaction fails the blob is
 * deleted; if the process dies in between, {@link #sweepOrphanBlobs} removes it at the next start.
 */
public final class CrateService {
    private static final Logger LOG = LoggerFactory.getLogger(CrateService.class);
    private final Jdbi jdbi;
    private final BlobStore blobs;
    private final Supplier<String> ownIndexUrl;
    private final long maxUploadBytes;
    private final CrateLimits limits;
    /** Serializes the blob-then-commit section so a failed publish never deletes a blob another one just committed. */
    private final ReentrantLock publishLock = new ReentrantLock();
    private final List<CrateEvents> listeners = new CopyOnWriteArrayList<>();
    private final DownloadCounts downloads;
    private final IndexChanges changes;
    /** What this process served, for metrics: index files from memory or rendered from the database, and downloads. */
    private final java.util.concurrent.atomic.LongAdder indexFromCache = new java.util.concurrent.atomic.LongAdder(),
            indexRendered = new java.util.concurrent.atomic.LongAdder(), downloadsServed = new java.util.concurrent.atomic.LongAdder();

    /**
     * @param ownIndexUrl the registry's sparse index URL: publish stores dependencies on that index as local ones (it may
     *                    return null when not known); null for a process that never publishes, whose publish and import are refused
     */
    public CrateService(Jdbi jdbi, BlobStore blobs, Supplier<String> ownIndexUrl, long maxUploadBytes, long maxUnpackedBytes) {
        this.jdbi = jdbi;
        this.blobs = blobs;
        this.ownIndexUrl = ownIndexUrl;
        this.maxUploadBytes = maxUploadBytes;
        this.limits = CrateLimits.DEFAULT.withMaxUnpackedBytes(maxUnpackedBytes);
        this.downloads = new DownloadCounts(jdbi);
        this.changes = new IndexChanges(jdbi);
    }

    /** Index file lookups by this process answered from memory (including after a one-row freshness check). */
    public long indexFilesFromCache() {
        return indexFromCache.sum();
    }

    /** Index file lookups by this process that rendered the file from the database. */
    public long indexFilesRendered() {
        return indexRendered.sum();
    }

    /** Downloads this process served. */
    public long downloadsServed() {
        return downloadsServed.sum();
    }

    /** The index's change history, shared by every process on the database. */
    public IndexChanges changes() {
        return changes;
    }

    /** Registers a listener for committed index changes (see {@link CrateEvents}). */
    public void addListener(CrateEvents listener) {
        listeners.add(listener);
    }

    private void notifyListeners(CrateEvents.Change change, IndexEntry entry, String actor) {
        for (CrateEvents l : listeners) {
            try {
                l.indexChanged(change, entry, actor);
            } catch (RuntimeException e) {
                LOG.error("listener {} failed on {} of {} {}", l, change, entry.name(), entry.vers(), e);
            }
        }
    }

    public record Published(String name, String version, String cksum, IndexEntry entry) {}

    public record CrateRow(long id, String name, String description, long downloads, long indexUpdatedAt) {}

    public record VersionRow(long id, String num, String cksum, boolean yanked, IndexEntry entry, long createdAt, long downloads) {}

    public record Owner(long id, String login) {}

    /** A search result; written as JSON as crates.io's search API lists a crate (the web UI's search uses the same). */
    public record SearchHit(String name, @com.fasterxml.jackson.annotation.JsonProperty("max_version") String maxVersion,
                            String description, long downloads) {}

    /** A crate's index file, with its ETag (computed once, when the file is made). */
    public record IndexFileBody(byte[] body, long lastModified, String etag) {
        public IndexFileBody(byte[] body, long lastModified) {
            this(body, lastModified, "\"" + Checksums.sha256Hex(body).substring(0, 32) + "\"");
        }
    }

    /**
     * Rendered index files by lower-case crate name. Changes made through this process replace an entry at once. An
     * entry older than {@link #INDEX_RECHECK} is checked against its crate's {@code index_updated_at} in the database
     * (one indexed single-row query) before it is served: every change to a crate's index file moves that stamp
     * strictly forward ({@link #BUMP_INDEX_STAMP}), so a change made by another process sharing the database (a
     * replica, {@code sandcrate import} on the embedded H2) shows within {@link #INDEX_RECHECK}.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, CachedIndexFile> indexCache = new java.util.concurrent.ConcurrentHashMap<>();
    public static final java.time.Duration INDEX_RECHECK = java.time.Duration.ofSeconds(1);

    /** @param checkedAt when the entry was last known to match the database ({@link System#nanoTime}) */
    private record CachedIndexFile(IndexFileBody file, long checkedAt) {}
    /** Moves on every change made in this process, so a render that raced with a change is not cached. */
    private final java.util.concurrent.atomic.AtomicLong indexGeneration = new java.util.concurrent.atomic.AtomicLong();
    /** Strictly increasing even for two changes within one millisecond, so it works as the cache's version stamp. */
    private static final String BUMP_INDEX_STAMP = "index_updated_at = GREATEST(index_updated_at + 1, :t)";

    // ---------------------------------------------------------------- publish

    private void requirePublishing() {
        if (ownIndexUrl == null) throw new IllegalStateException("this process does not publish");
    }

    /** The largest publish body: the .crate, its JSON metadata (at most {@link PublishRequest#MAX_METADATA}) and two lengths. */
    public long maxPublishBodyBytes() {
        return maxUploadBytes + PublishRequest.MAX_METADATA + 8;
    }

    public Published publish(Principal who, byte[] body) {
        requirePublishing();
        PublishRequest req = PublishRequest.parse(body, maxUploadBytes);
        try {
            // The names crates.io keeps for the Rust project are the registry operators' here: an admin may publish
            // them (a vendored compiler_builtins, an internal cargo fork), nobody else may.
            if (who.actsAsAdmin()) CrateNames.validate(req.name());
            else CrateNames.validateNew(req.name());
            if (CrateNames.same(req.name(), ShimSources.SUPPORT_CRATE)) {
                throw new IllegalArgumentException("the crate name `" + req.name() + "` is reserved: the precompiled view serves"
                        + " the crate Sandcrate's shims depend on under it");
            }
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        return store(who, req);
    }

    /**
     * Imports a .crate exactly as given (mirrors, bundles, vendored folders packed by the caller): the same checks and
     * atomic path as {@link #publish}, with name and version taken from its Cargo.toml. The importer is recorded as the
     * publisher; an importer principal is an admin with publish scopes, so it needs no owner's token.
     */
    public Published importCrate(Principal importer, byte[] crate) {
        requirePublishing();
        if (crate.length > maxUploadBytes) {
            throw RegistryException.tooLarge("the .crate is " + crate.length + " bytes; the maximum upload size is " + maxUploadBytes + " bytes");
        }
        CrateContents contents;
        try {
            contents = CrateArchive.read(crate, limits);
        } catch (InvalidCrateException e) {
            throw RegistryException.badRequest("invalid .crate: " + e.getMessage());
        }
        return store(importer, new PublishRequest(contents.manifest().name(), contents.manifest().version(), null, crate));
    }

    private Published store(Principal who, PublishRequest req) {
        try {
            CrateNames.validate(req.name());
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        SemVer version;
        try {
            version = SemVer.parse(req.version());
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        if (!who.coversCrate(req.name())) {
            throw RegistryException.forbidden("this token is not allowed to publish crate `" + req.name() + "`");
        }

        CrateContents contents;
        try {
            contents = CrateArchive.read(req.crate(), limits);
        } catch (InvalidCrateException e) {
            throw RegistryException.badRequest("invalid .crate: " + e.getMessage());
        }
        if (!contents.manifest().name().equals(req.name()) || !contents.manifest().version().equals(req.version())) {
            throw RegistryException.badRequest("the publish request is for " + req.name() + " " + req.version()
                    + " but the .crate's Cargo.toml is " + contents.manifest().name() + " " + contents.manifest().version());
        }
        for (var dep : contents.manifest().dependencies()) {
            try {
                CrateNames.validate(dep.crateName());
            } catch (IllegalArgumentException e) {
                throw RegistryException.badRequest("dependency `" + dep.name() + "`: " + e.getMessage());
            }
        }

        String cksum = Checksums.sha256Hex(req.crate());
        String pubtime = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        IndexEntry entry = contents.manifest().toIndexEntry(cksum, ownIndexUrl.get(), pubtime);
        String description = contents.manifest().description() != null ? contents.manifest().description() : req.description();

        publishLock.lock();
        try {
            // Check rights and duplicates before touching storage; the transaction re-checks under constraints.
            jdbi.useHandle(h -> checkPublishAllowed(h, who, req.name(), version));
            try {
                blobs.put(req.crate());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot store the .crate", e);
            }
            try {
                jdbi.useTransaction(h -> insertVersion(h, who, req.name(), version, entry, description, req.crate().length));
            } catch (RuntimeException e) {
                deleteBlobIfUnreferenced(cksum);
                // the publish lock is per process: on a shared database another process may have committed the same
                // crate or version between our check and our insert, and the unique constraints turned us away
                if (Database.isUniqueViolation(e)) {
                    throw RegistryException.conflict("crate " + req.name() + "@" + req.version()
                            + " changed while it was being published (a concurrent publish of the same crate); publish again");
                }
                throw e;
            }
        } finally {
            publishLock.unlock();
        }
        forgetIndexFile(req.name());
        LOG.info("published {} {} by {}", req.name(), req.version(), who.login());
        notifyListeners(CrateEvents.Change.PUBLISHED, entry, who.login());
        return new Published(req.name(), req.version(), cksum, entry);
    }

    private void checkPublishAllowed(Handle h, Principal who, String name, SemVer version) {
        Optional<CrateRow> existing = findCrateByCanonical(h, CrateNames.canonical(name));
        if (existing.isEmpty()) {
            if (!who.has(Scope.PUBLISH_NEW)) throw RegistryException.forbidden("this token lacks the publish-new scope needed to publish a new crate");
            return;
        }
        CrateRow crate = existing.get();
        if (!crate.name().equals(name)) {
            throw RegistryException.badRequest("crate `" + name + "` conflicts with the existing crate `" + crate.name()
                    + "` (names differing only in case or -/_ are the same crate); publish it as `" + crate.name() + "`");
        }
        if (!who.has(Scope.PUBLISH_UPDATE)) throw RegistryException.forbidden("this token lacks the publish-update scope needed to publish a new version of an existing crate");
        if (!isOwner(h, crate.id(), who)) throw RegistryException.forbidden("you are not an owner of crate `" + name + "`");
        Optional<String> same = h.createQuery("SELECT num FROM versions WHERE crate_id = :c AND num_no_build = :n")
                .bind("c", crate.id()).bind("n", version.withoutBuild()).mapTo(String.class).findOne();
        if (same.isPresent()) throw RegistryException.conflict("crate " + name + "@" + same.get() + " already exists");
    }

    private void insertVersion(Handle h, Principal who, String name, SemVer version, IndexEntry entry, String description, long size) {
        checkPublishAllowed(h, who, name, version);
        long now = System.currentTimeMillis();
        Optional<CrateRow> existing = findCrateByCanonical(h, CrateNames.canonical(name));
        long crateId;
        if (existing.isPresent()) {
            crateId = existing.get().id();
            h.createUpdate("UPDATE crates SET " + BUMP_INDEX_STAMP + ", description = COALESCE(:d, description) WHERE id = :id")
                    .bind("t", now).bind("d", description).bind("id", crateId).execute();
        } else {
            crateId = h.createUpdate("""
                            INSERT INTO crates (name, canonical_name, description, created_at, index_updated_at)
                            VALUES (:n, :c, :d, :t, :t)""")
                    .bind("n", name).bind("c", CrateNames.canonical(name)).bind("d", description).bind("t", now)
                    .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
            h.createUpdate("INSERT INTO crate_owners (crate_id, user_id) VALUES (:c, :u)")
                    .bind("c", crateId).bind("u", who.userId()).execute();
        }
        h.createUpdate("""
                        INSERT INTO versions (crate_id, num, num_no_build, cksum, crate_size, index_line, published_by, created_at)
                        VALUES (:c, :num, :nnb, :ck, :size, :line, :by, :t)""")
                .bind("c", crateId).bind("num", entry.vers()).bind("nnb", version.withoutBuild()).bind("ck", entry.cksum())
                .bind("size", size).bind("line", IndexFile.line(entry)).bind("by", who.userId()).bind("t", now)
                .execute();
        IndexChanges.record(h, CrateEvents.Change.PUBLISHED, name, entry.vers(), IndexFile.line(entry), false, who.login(), now);
    }

    private void deleteBlobIfUnreferenced(String cksum) {
        try {
            int refs = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM versions WHERE cksum = :c")
                    .bind("c", cksum).mapTo(Integer.class).one());
            if (refs == 0) blobs.delete(cksum);
        } catch (Exception e) {
            LOG.warn("could not remove the blob of a failed publish ({}); the next start sweeps it", cksum, e);
        }
    }

    /**
     * Deletes blobs no version refers to: left by a crash between storing a .crate and committing its row. Only those
     * stored more than {@code minAge} ago, so that on shared storage another process's publish in flight keeps its blob.
     */
    public int sweepOrphanBlobs(java.time.Duration minAge) throws IOException {
        java.time.Instant cutoff = java.time.Instant.now().minus(minAge);
        Set<String> referenced = new HashSet<>(jdbi.withHandle(h ->
                h.createQuery("SELECT cksum FROM versions").mapTo(String.class).list()));
        int removed = 0;
        for (String key : blobs.keys()) {
            if (!referenced.contains(key)) {
                java.time.Instant stored = blobs.storedAt(key);
                if (stored == null || stored.isAfter(cutoff)) continue; // maybe another process's publish, not yet committed
                blobs.delete(key);
                removed++;
            }
        }
        if (removed > 0) LOG.info("removed {} unreferenced blob(s) left by interrupted publishes", removed);
        return removed;
    }

    // ---------------------------------------------------------------- yank

    public void setYanked(Principal who, String name, String num, boolean yanked) {
        jdbi.useTransaction(h -> {
            CrateRow crate = requireCrate(h, name);
            if (!who.has(Scope.YANK)) throw RegistryException.forbidden("this token lacks the yank scope");
            if (!who.coversCrate(crate.name())) throw RegistryException.forbidden("this token is not allowed to act on crate `" + crate.name() + "`");
            if (!isOwner(h, crate.id(), who)) throw RegistryException.forbidden("you are not an owner of crate `" + crate.name() + "`");
            int n = h.createUpdate("UPDATE versions SET yanked = :y WHERE crate_id = :c AND num = :num")
                    .bind("y", yanked).bind("c", crate.id()).bind("num", num).execute();
            if (n == 0) throw RegistryException.notFound("crate " + crate.name() + " has no version " + num);
            long now = System.currentTimeMillis();
            h.createUpdate("UPDATE crates SET " + BUMP_INDEX_STAMP + " WHERE id = :id")
                    .bind("t", now).bind("id", crate.id()).execute();
            String line = h.createQuery("SELECT index_line FROM versions WHERE crate_id = :c AND num = :num")
                    .bind("c", crate.id()).bind("num", num).mapTo(String.class).one();
            IndexChanges.record(h, yanked ? CrateEvents.Change.YANKED : CrateEvents.Change.UNYANKED, crate.name(), num, line, yanked, who.login(), now);
        });
        forgetIndexFile(name);
        LOG.info("{} {} {} by {}", yanked ? "yanked" : "unyanked", name, num, who.login());
        versions(name).stream().filter(v -> v.num().equals(num)).findFirst().ifPresent(v ->
                notifyListeners(yanked ? CrateEvents.Change.YANKED : CrateEvents.Change.UNYANKED, v.entry(), who.login()));
    }

    // ---------------------------------------------------------------- owners

    public List<Owner> owners(String name) {
        return jdbi.withHandle(h -> ownersOf(h, requireCrate(h, name).id()));
    }

    /** Adds owners; returns the message cargo prints. */
    public String addOwners(Principal who, String name, List<String> logins) {
        return jdbi.inTransaction(h -> {
            CrateRow crate = requireOwnerChange(h, who, name, logins);
            List<String> added = new ArrayList<>();
            for (String login : logins) {
                long userId = requireUser(h, login);
                int exists = h.createQuery("SELECT COUNT(*) FROM crate_owners WHERE crate_id = :c AND user_id = :u")
                        .bind("c", crate.id()).bind("u", userId).mapTo(Integer.class).one();
                if (exists == 0) {
                    h.createUpdate("INSERT INTO crate_owners (crate_id, user_id) VALUES (:c, :u)")
                            .bind("c", crate.id()).bind("u", userId).execute();
                    added.add(login);
                }
            }
            return added.isEmpty() ? "no new owners: " + String.join(", ", logins) + " already own " + crate.name()
                    : "user(s) " + String.join(", ", added) + " added as owner(s) of crate " + crate.name();
        });
    }

    public String removeOwners(Principal who, String name, List<String> logins) {
        return jdbi.inTransaction(h -> {
            CrateRow crate = requireOwnerChange(h, who, name, logins);
            for (String login : logins) {
                long userId = requireUser(h, login);
                h.createUpdate("DELETE FROM crate_owners WHERE crate_id = :c AND user_id = :u")
                        .bind("c", crate.id()).bind("u", userId).execute();
            }
            if (ownersOf(h, crate.id()).isEmpty()) {
                throw RegistryException.badRequest("cannot remove every owner of crate " + crate.name());
            }
            return "user(s) " + String.join(", ", logins) + " removed as owner(s) of crate " + crate.name();
        });
    }

    private CrateRow requireOwnerChange(Handle h, Principal who, String name, List<String> logins) {
        CrateRow crate = requireCrate(h, name);
        if (logins.isEmpty()) throw RegistryException.badRequest("no users given");
        if (!who.has(Scope.CHANGE_OWNERS)) throw RegistryException.forbidden("this token lacks the change-owners scope");
        if (!who.coversCrate(crate.name())) throw RegistryException.forbidden("this token is not allowed to act on crate `" + crate.name() + "`");
        if (!isOwner(h, crate.id(), who)) throw RegistryException.forbidden("you are not an owner of crate `" + crate.name() + "`");
        return crate;
    }

    private static long requireUser(Handle h, String login) {
        return h.createQuery("SELECT id FROM users WHERE LOWER(login) = LOWER(:l)").bind("l", login)
                .mapTo(Long.class).findOne()
                .orElseThrow(() -> RegistryException.notFound("no user named `" + login + "` in this registry"));
    }

    private static List<Owner> ownersOf(Handle h, long crateId) {
        return h.createQuery("SELECT u.id, u.login FROM crate_owners o JOIN users u ON u.id = o.user_id WHERE o.crate_id = :c ORDER BY u.login")
                .bind("c", crateId).map((rs, ctx) -> new Owner(rs.getLong(1), rs.getString(2))).list();
    }

    private static boolean isOwner(Handle h, long crateId, Principal who) {
        if (who.actsAsAdmin()) return true;
        return h.createQuery("SELECT COUNT(*) FROM crate_owners WHERE crate_id = :c AND user_id = :u")
                .bind("c", crateId).bind("u", who.userId()).mapTo(Integer.class).one() > 0;
    }

    // ---------------------------------------------------------------- reading

    /** The index file of a crate (name compared case-insensitively, as index paths are lower-case), if it exists. */
    public Optional<IndexFileBody> indexFile(String name) {
        String key = name.toLowerCase(Locale.ROOT);
        CachedIndexFile cached = indexCache.get(key);
        if (cached != null) {
            long now = System.nanoTime();
            if (now - cached.checkedAt() < INDEX_RECHECK.toNanos()) {
                indexFromCache.increment();
                return Optional.of(cached.file());
            }
            long generation = indexGeneration.get();
            if (indexStamp(key) == cached.file().lastModified()) {
                indexCache.compute(key, (k, old) -> indexGeneration.get() == generation ? new CachedIndexFile(cached.file(), now) : null);
                indexFromCache.increment();
                return Optional.of(cached.file());
            }
        }
        indexRendered.increment();
        long generation = indexGeneration.get();
        long renderedAt = System.nanoTime(); // before reading: a change committed during the render is rechecked for
        Optional<IndexFileBody> fresh = jdbi.withHandle(h -> findCrateByLowerName(h, name).map(crate -> {
            List<IndexEntry> entries = versions(h, crate.id()).stream().map(VersionRow::entry).toList();
            return new IndexFileBody(IndexFile.render(entries), crate.indexUpdatedAt());
        }));
        // atomic with forgetIndexFile's remove: a render older than a change made here meanwhile is not kept
        fresh.ifPresent(f -> indexCache.compute(key, (k, old) -> indexGeneration.get() == generation ? new CachedIndexFile(f, renderedAt) : null));
        return fresh;
    }

    /** The crate's {@code index_updated_at}, or -1 if there is no such crate; one lookup by the unique canonical name. */
    private long indexStamp(String lowerName) {
        return jdbi.withHandle(h -> h.createQuery("SELECT name, index_updated_at FROM crates WHERE canonical_name = :c")
                .bind("c", CrateNames.canonical(lowerName))
                .map((rs, ctx) -> rs.getString(1).toLowerCase(Locale.ROOT).equals(lowerName) ? rs.getLong(2) : -1L)
                .findOne().orElse(-1L));
    }

    /** Called after a change to a crate's index file commits, before listeners (which may read the file) hear of it. */
    private void forgetIndexFile(String name) {
        indexGeneration.incrementAndGet();
        indexCache.remove(name.toLowerCase(Locale.ROOT));
    }

    /** All versions of a crate in publication order, with their index entries (yanked flag applied). */
    public List<VersionRow> versions(String name) {
        return jdbi.withHandle(h -> findCrateByLowerName(h, name).map(c -> versions(h, c.id())).orElse(List.of()));
    }

    public Optional<CrateRow> crate(String name) {
        return jdbi.withHandle(h -> findCrateByLowerName(h, name));
    }

    /** The .crate bytes of one version (counting a download, written in batches), or empty if there is no such version. */
    public Optional<InputStream> download(String name, String num) throws IOException {
        record Found(long crateId, long versionId, String cksum) {}
        Optional<Found> version = jdbi.withHandle(h -> findCrateByLowerName(h, name).flatMap(c ->
                h.createQuery("SELECT id, cksum FROM versions WHERE crate_id = :c AND num = :num").bind("c", c.id()).bind("num", num)
                        .map((rs, ctx) -> new Found(c.id(), rs.getLong(1), rs.getString(2))).findOne()));
        if (version.isEmpty()) return Optional.empty();
        InputStream in = blobs.open(version.get().cksum());
        if (in == null) throw new IOException("blob " + version.get().cksum() + " of " + name + " " + num + " is missing");
        downloads.count(version.get().crateId(), version.get().versionId());
        downloadsServed.increment();
        return Optional.of(in);
    }

    /** Writes the download counts gathered in memory (they are also written every few seconds and at {@link #close}). */
    public void flushDownloads() {
        downloads.flush();
    }

    /** Writes the remaining download counts and stops their periodic writing. */
    public void close() {
        downloads.close();
    }

    /** The .crate bytes of one version, without counting a download (for internal readers such as precompile). */
    public Optional<byte[]> crateBytes(String name, String num) throws IOException {
        Optional<VersionRow> v = versions(name).stream().filter(r -> r.num().equals(num)).findFirst();
        if (v.isEmpty()) return Optional.empty();
        try (InputStream in = blobs.open(v.get().cksum())) {
            if (in == null) throw new IOException("blob " + v.get().cksum() + " is missing");
            return Optional.of(in.readAllBytes());
        }
    }

    public record SearchResult(List<SearchHit> hits, int total) {}

    public SearchResult search(String query, int perPage, int page) {
        String q = query == null ? "" : query.strip().toLowerCase(Locale.ROOT);
        String canonical = CrateNames.canonical(q);
        List<CrateRow> matches = jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, name, description, downloads, index_updated_at FROM crates
                        WHERE canonical_name LIKE :p ESCAPE '!' OR LOWER(COALESCE(description, '')) LIKE :d ESCAPE '!'""")
                .bind("p", "%" + likeEscape(canonical) + "%").bind("d", "%" + likeEscape(q) + "%")
                .map((rs, ctx) -> new CrateRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)))
                .list());
        List<CrateRow> sorted = new ArrayList<>(matches);
        // exact name first, then names containing the query, then description matches
        sorted.sort(Comparator.<CrateRow>comparingInt(c -> CrateNames.canonical(c.name()).equals(canonical) ? 0
                        : CrateNames.canonical(c.name()).contains(canonical) ? 1 : 2)
                .thenComparing(Comparator.comparingLong(CrateRow::downloads).reversed())
                .thenComparing(CrateRow::name));
        List<SearchHit> hits = sorted.stream().skip((long) (page - 1) * perPage).limit(perPage)
                .map(c -> new SearchHit(c.name(), maxVersion(versions(c.name())), c.description(), c.downloads()))
                .toList();
        return new SearchResult(hits, matches.size());
    }

    /** A published version as the home page lists it. */
    public record RecentVersion(String crate, String num, long publishedAt, String description, boolean yanked) {}

    /** The {@code limit} versions published last (yanked ones included), newest first. */
    public List<RecentVersion> recentlyPublished(int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT c.name, v.num, v.created_at, c.description, v.yanked FROM versions v JOIN crates c ON c.id = v.crate_id
                        ORDER BY v.created_at DESC, v.id DESC LIMIT :limit""")
                .bind("limit", limit)
                .map((rs, ctx) -> new RecentVersion(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5)))
                .list());
    }

    /** How much the registry holds: crates, versions, and downloads of all of them (the home page's {@code stats} JSON). */
    public record Totals(long crates, long versions, long downloads) {}

    public Totals totals() {
        return jdbi.withHandle(h -> new Totals(
                h.createQuery("SELECT COUNT(*) FROM crates").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM versions").mapTo(Long.class).one(),
                h.createQuery("SELECT COALESCE(SUM(downloads), 0) FROM crates").mapTo(Long.class).one()));
    }

    /** Published versions of other crates that depend on {@code crate}; see {@link ReverseDependencies#of}. */
    public List<ReverseDependencies.Dependent> dependents(String crate) {
        return ReverseDependencies.of(jdbi, crate);
    }

    /** The highest version that is not yanked, preferring releases over pre-releases (as crates.io shows). */
    public static String maxVersion(List<VersionRow> versions) {
        Comparator<VersionRow> order = Comparator.<VersionRow, Boolean>comparing(v -> !SemVer.parse(v.num()).isPrerelease())
                .thenComparing(v -> SemVer.parse(v.num()));
        return versions.stream().filter(v -> !v.yanked()).max(order).map(VersionRow::num)
                .orElseGet(() -> versions.isEmpty() ? "0.0.0" : versions.getLast().num());
    }

    private static String likeEscape(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    private static List<VersionRow> versions(Handle h, long crateId) {
        return h.createQuery("SELECT id, num, cksum, yanked, index_line, created_at, downloads FROM versions WHERE crate_id = :c ORDER BY id")
                .bind("c", crateId)
                .map((rs, ctx) -> new VersionRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        IndexFile.parseLine(rs.getString(5)).withYanked(rs.getBoolean(4)), rs.getLong(6), rs.getLong(7)))
                .list();
    }

    private static CrateRow requireCrate(Handle h, String name) {
        return findCrateByLowerName(h, name).orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
    }

    private static Optional<CrateRow> findCrateByLowerName(Handle h, String name) {
        return h.createQuery("SELECT id, name, description, downloads, index_updated_at FROM crates WHERE LOWER(name) = :n")
                .bind("n", name.toLowerCase(Locale.ROOT))
                .map((rs, ctx) -> new CrateRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)))
                .findOne();
    }

    private static Optional<CrateRow> findCrateByCanonical(Handle h, String canonical) {
        return h.createQuery("SELECT id, name, description, downloads, index_updated_at FROM crates WHERE canonical_name = :n")
                .bind("n", canonical)
                .map((rs, ctx) -> new CrateRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5)))
                .findOne();
    }
}

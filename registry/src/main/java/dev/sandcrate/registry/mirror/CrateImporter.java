package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Users;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStore;
import org.jdbi.v3.core.Jdbi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * Fills the registry from crates that exist outside it: a folder of {@code .crate} files (kept byte for byte, so
 * existing Cargo.lock checksums stay valid), unpacked crate folders (Debian's {@code /usr/share/cargo/registry},
 * a {@code cargo vendor} directory; packed deterministically by {@link CratePacker}), or a bundle written by
 * {@link MirrorBundle}. Every crate goes through {@link CrateService#importCrate}, the same checks and atomic path as
 * {@code cargo publish}. Idempotent: a version already here with the same checksum counts as already present, so an
 * interrupted import is resumed by running it again.
 */
public final class CrateImporter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The login imports are recorded under unless the operator names another. */
    public static final String DEFAULT_IMPORTER = "import";

    public enum Kind {
        CRATE_FILE("crate-file"), FOLDER("folder"), BUNDLE("bundle");
        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    public enum Outcome { IMPORTED, ALREADY_PRESENT }

    /** One thing to import: a .crate file or an unpacked crate folder. */
    public record Item(Kind kind, Path path) {}

    public record Failure(String source, String reason) {}

    /** What a run did. {@code repacked}: folders whose original .crate checksum (in .cargo-checksum.json) differs from ours. */
    public record Summary(long runId, int imported, int alreadyPresent, List<Failure> failures, int repacked,
                          int artifactsInstalled, int artifactsPresent, int artifactsFailed, int artifactsSkipped,
                          long bytes, Duration took) {
        public String describe() {
            StringBuilder sb = new StringBuilder();
            sb.append("imported ").append(imported).append(", already present ").append(alreadyPresent)
                    .append(", failed ").append(failures.size())
                    .append(" (").append(bytes / 1024).append(" KiB in ").append(took.toMillis()).append(" ms)");
            if (repacked > 0) {
                sb.append("\n").append(repacked).append(" folder(s) were packed here, so their checksums differ from the .crate"
                        + " they were unpacked from: Cargo.lock files that pinned the originals need `cargo update -p <crate>`");
            }
            if (artifactsInstalled + artifactsPresent + artifactsFailed > 0) {
                sb.append("\nprecompiled artifacts: installed ").append(artifactsInstalled).append(", already present ")
                        .append(artifactsPresent).append(", failed ").append(artifactsFailed);
            }
            if (artifactsSkipped > 0) {
                sb.append("\n").append(artifactsSkipped).append(" precompiled artifact(s) in the bundle were skipped (--no-artifacts:"
                        + " the precompile service builds its own; their sha256 in the bundle lets you check it gets the same bytes)");
            }
            for (Failure f : failures) sb.append("\n  failed: ").append(f.source()).append(": ").append(f.reason());
            return sb.toString();
        }
    }

    private final Jdbi jdbi;
    private final CrateService crates;
    private final Principal importer;
    private final ImportProgress progress;
    private final BundleArtifacts artifacts;

    /**
     * @param artifacts the artifact store ({@code <data-dir>/precompiled/blobs}) that precompiled artifacts carried in
     *                  bundles are installed into, or null to leave them out (counted as skipped)
     */
    public CrateImporter(Jdbi jdbi, CrateService crates, Principal importer, ImportProgress progress, BlobStore artifacts) {
        this.jdbi = jdbi;
        this.crates = crates;
        this.importer = importer;
        this.progress = progress;
        this.artifacts = artifacts == null ? null : new BundleArtifacts(new PrecompileStore(jdbi), artifacts);
    }

    /**
     * The principal imports run as: the user {@code login} (created if missing), with publish and yank rights on
     * every crate and no need to own them (an unrestricted admin in-process: the operator runs the import). It is
     * what {@code versions.published_by} records.
     */
    public static Principal importerPrincipal(Users users, String login) {
        Users.User user = users.find(login).orElseGet(() -> users.add(login, false));
        return new Principal(user.id(), user.login(), true, EnumSet.allOf(Scope.class), List.of());
    }

    /** Imports a bundle file, a .crate file, a crate folder, or every .crate file and crate folder under a folder. */
    public Summary importPath(Path path) throws IOException {
        if (!Files.exists(path)) throw new IllegalArgumentException(path + " does not exist");
        if (Files.isRegularFile(path) && MirrorBundle.isBundle(path)) {
            return MirrorBundle.importInto(path, this);
        }
        List<Item> items = scan(path);
        if (items.isEmpty()) {
            throw new IllegalArgumentException(path + " holds no .crate files, no crate folders (with a Cargo.toml) and is no bundle");
        }
        Run run = begin(path.toString(), items.size());
        // Reading and packing run ahead on a few threads; importing stays sequential (one publish at a time anyway).
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "sandcrate-import-pack");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<Prepared>> window = new ArrayDeque<>();
            Iterator<Item> next = items.iterator();
            while (window.size() < 2 * threads && next.hasNext()) window.add(pool.submit(prepare(next.next())));
            while (!window.isEmpty()) {
                Prepared p = awaitPrepared(window.poll());
                if (next.hasNext()) window.add(pool.submit(prepare(next.next())));
                try {
                    if (p.failure() != null) throw p.failure();
                    run.bytes += p.bytes().length;
                    importOne(run, p.bytes(), p.item().path().toString(), p.item().kind(), p.original());
                    if (p.original() != null && !p.original().equals(Checksums.sha256Hex(p.bytes()))) run.repacked++;
                } catch (RegistryException | InvalidCrateException | IOException | UncheckedIOException e) {
                    run.failures.add(new Failure(p.item().path().toString(), e.getMessage()));
                }
                progress.step(p.item().path().getFileName().toString());
            }
        } finally {
            pool.shutdownNow();
        }
        return finish(run);
    }

    /** An item read (a .crate file) or packed (a folder), or why that failed. */
    private record Prepared(Item item, byte[] bytes, String original, IOException failure) {}

    private static Callable<Prepared> prepare(Item item) {
        return () -> {
            try {
                if (item.kind() == Kind.CRATE_FILE) return new Prepared(item, Files.readAllBytes(item.path()), null, null);
                return new Prepared(item, CratePacker.pack(item.path()).bytes(), originalChecksum(item.path()).orElse(null), null);
            } catch (IOException e) {
                return new Prepared(item, null, null, e);
            } catch (UncheckedIOException e) {
                return new Prepared(item, null, null, e.getCause());
            } catch (InvalidCrateException e) {
                return new Prepared(item, null, null, new IOException(e.getMessage(), e));
            }
        };
    }

    private static Prepared awaitPrepared(Future<Prepared> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("import interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException("packing failed: " + e.getCause(), e.getCause());
        }
    }

    /** The .crate files and crate folders under {@code root}, sorted by path (a crate folder's insides are not searched). */
    public static List<Item> scan(Path root) throws IOException {
        List<Item> items = new ArrayList<>();
        if (Files.isRegularFile(root)) {
            if (!root.getFileName().toString().endsWith(".crate")) {
                throw new IllegalArgumentException(root + " is neither a .crate file nor a sandcrate bundle");
            }
            return List.of(new Item(Kind.CRATE_FILE, root));
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root) && dir.getFileName().toString().startsWith(".")) return FileVisitResult.SKIP_SUBTREE;
                if (Files.isRegularFile(dir.resolve("Cargo.toml"))) {
                    items.add(new Item(Kind.FOLDER, dir));
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && file.getFileName().toString().endsWith(".crate")) items.add(new Item(Kind.CRATE_FILE, file));
                return FileVisitResult.CONTINUE;
            }
        });
        items.sort((a, b) -> a.path().toString().compareTo(b.path().toString()));
        return items;
    }

    /** The sha256 of the .crate a folder was unpacked from, as cargo vendor and Debian record it, if known. */
    private static Optional<String> originalChecksum(Path folder) {
        Path file = folder.resolve(".cargo-checksum.json");
        if (!Files.isRegularFile(file)) return Optional.empty();
        try {
            JsonNode pkg = JSON.readTree(file.toFile()).path("package");
            return pkg.isTextual() && pkg.asText().matches("[0-9a-f]{64}") ? Optional.of(pkg.asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- shared by folder and bundle imports

    /** Counters of one run, written to mirror_import_runs when it finishes. */
    static final class Run {
        final long id;
        final long started = System.nanoTime();
        int imported;
        int alreadyPresent;
        int repacked;
        int artifactsInstalled;
        int artifactsPresent;
        int artifactsFailed;
        int artifactsSkipped;
        long bytes;
        final List<Failure> failures = new ArrayList<>();

        Run(long id) {
            this.id = id;
        }
    }

    Run begin(String source, int total) {
        long id = jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO mirror_import_runs (importer_id, source, started_at) VALUES (:u, :s, :t)""")
                .bind("u", importer.userId()).bind("s", truncate(source)).bind("t", System.currentTimeMillis())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        progress.start(total);
        return new Run(id);
    }

    ImportProgress progress() {
        return progress;
    }

    /** Where bundles' artifacts are installed, or null when they are left out. */
    BundleArtifacts artifacts() {
        return artifacts;
    }

    /** Imports one .crate, or finds the same bytes already published under the same name and version. */
    Outcome importOne(Run run, byte[] crate, String source, Kind kind, String originalCksum) {
        String cksum = Checksums.sha256Hex(crate);
        if (isPresent(cksum)) {
            run.alreadyPresent++;
            return Outcome.ALREADY_PRESENT;
        }
        CrateService.Published published;
        try {
            published = crates.importCrate(importer, crate);
        } catch (RegistryException e) {
            if (e.status() == 409) {
                throw new RegistryException(409, e.getMessage() + " with different contents (this one's sha256 is " + cksum
                        + "); a published version never changes");
            }
            throw e;
        }
        // the version just published (one id: a .crate names its crate and version), its rows in one transaction
        List<Long> versionIds = PublishedVersions.idsWithChecksum(jdbi, published.cksum());
        jdbi.useTransaction(h -> {
            for (long versionId : versionIds) {
                h.createUpdate("""
                                INSERT INTO mirror_imported_versions (version_id, run_id, source, kind, original_cksum)
                                VALUES (:v, :run, :src, :kind, :orig)""")
                        .bind("v", versionId).bind("run", run.id).bind("src", truncate(source)).bind("kind", kind.label)
                        .bind("orig", originalCksum).execute();
            }
        });
        run.imported++;
        return Outcome.IMPORTED;
    }

    private boolean isPresent(String cksum) {
        return !PublishedVersions.idsWithChecksum(jdbi, cksum).isEmpty();
    }

    /** Makes a version's yanked flag what a bundle says, if the version is here and differs. */
    void applyYanked(IndexEntry entry) {
        crates.versions(entry.name()).stream()
                .filter(v -> v.num().equals(entry.vers()) && v.cksum().equals(entry.cksum()) && v.yanked() != entry.yanked())
                .findFirst()
                .ifPresent(v -> crates.setYanked(importer, entry.name(), entry.vers(), entry.yanked()));
    }

    Optional<CrateService.VersionRow> version(String name, String num) {
        return crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst();
    }

    Summary finish(Run run) {
        Duration took = Duration.ofNanos(System.nanoTime() - run.started);
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE mirror_import_runs SET finished_at = :t, imported = :i, already_present = :a, failed = :f
                        WHERE id = :id""")
                .bind("t", System.currentTimeMillis()).bind("i", run.imported).bind("a", run.alreadyPresent)
                .bind("f", run.failures.size()).bind("id", run.id).execute());
        return new Summary(run.id, run.imported, run.alreadyPresent, List.copyOf(run.failures), run.repacked,
                run.artifactsInstalled, run.artifactsPresent, run.artifactsFailed, run.artifactsSkipped, run.bytes, took);
    }

    private static String truncate(String s) {
        return s.length() <= 4096 ? s : s.substring(0, 4093) + "...";
    }
}

package dev.sandcrate.registry.view;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.sandcrate.index.CrateNames;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.shim.ShimGenerator;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.mirror.PullThrough;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.runtime.shim.ShimSources;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The precompiled view of the index (docs/consumer.md): the same crates and versions as the source index, except that
 * a version whose default feature set has a verified wasm artifact is served as its <em>shim</em>, a generated
 * proc-macro crate that runs the artifacts in the Sandcrate runtime, and that the view also serves the one crate
 * shims depend on, {@value ShimSources#SUPPORT_CRATE} (the code they share, compiled once per build).
 * <p>
 * Rules, chosen so that a served shim and its checksum never change:
 * <ul>
 *   <li>A version's shim is generated the first time the view is asked about the version after its default feature
 *   set was verified. It embeds every feature set verified at that moment and is stored; later requests serve the
 *   stored bytes. Feature sets verified afterwards do not change it (the shim answers them with a
 *   {@code compile_error!} that names the source build and the precompile request as ways out).</li>
 *   <li>Its index line: the original's name, version, yanked flag and publication time; the shim's one dependency,
 *   the support crate at the exact version it was generated with, from this registry; the shim's checksum, features
 *   (names kept, entries that enable dependencies dropped) and rust-version; no {@code links}. All other lines are
 *   byte-identical to the source index.</li>
 *   <li>Every version of the support crate a stored shim names is stored with it and served as stored.</li>
 *   <li>If one of the embedded artifacts stops being servable (an operator denies the crate), the view shows the
 *   source line again: nothing denied runs, and a lockfile pinning the shim fails loudly instead of silently
 *   running the denied code.</li>
 * </ul>
 */
public final class PrecompiledView {
    private static final Logger LOG = LoggerFactory.getLogger(PrecompiledView.class);
    private static final String DEFAULT_SET = "default";

    private final CrateService crates;
    private final PrecompileService precompile;
    private final PullThrough pullThrough;
    private final ShimStore shims;
    private final Supplier<String> publicUrl;
    private volatile RuntimeBundle runtime;
    /** Manifests of stored shims and support crates by checksum: stored bytes never change, so neither do they. */
    private final Map<String, CrateManifest> manifests = new java.util.concurrent.ConcurrentHashMap<>();
    /** Whether this process has seen the current support crate version stored. */
    private volatile boolean supportStored;
    /**
     * The last generation attempt that failed, per version id, with the artifacts it tried: for the precompile report
     * and the admin page (a failure is a bug; the view then serves the source line). Dropped once a shim is stored.
     */
    private final Map<Long, Failure> failures = new java.util.concurrent.ConcurrentHashMap<>();
    /** Per version id, the sorted artifact sha256s a report's in-memory generation packed fine (not to pack them again). */
    private final Map<Long, List<String>> packable = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param shimBlobs where served shims are stored ({@link dev.sandcrate.registry.storage.BlobStorage.Area#SHIMS})
     * @param pullThrough the registry's upstream proxy (when enabled, crates from it appear in the view unchanged), or null
     */
    public PrecompiledView(Jdbi jdbi, CrateService crates, PrecompileService precompile, PullThrough pullThrough,
                           dev.sandcrate.registry.storage.BlobStore shimBlobs, Supplier<String> publicUrl) throws IOException {
        this.crates = crates;
        this.precompile = precompile;
        this.pullThrough = pullThrough;
        this.shims = new ShimStore(jdbi, shimBlobs);
        this.publicUrl = publicUrl;
    }

    /** Serves {@code bundle} at {@code /runtime/} from now on (null: serve none). */
    public void serveRuntime(RuntimeBundle bundle) {
        this.runtime = bundle;
    }

    /** The runtime bundle served to consumers, if the operator configured one. */
    public Optional<RuntimeBundle> runtime() {
        return Optional.ofNullable(runtime);
    }

    /** Whether {@code name} is the shims' support crate, which the view serves itself (and nobody may publish). */
    public static boolean isSupportCrate(String name) {
        return CrateNames.same(name, ShimSources.SUPPORT_CRATE);
    }

    /** One crate's index file in the view, or empty when the crate is unknown (here and upstream). */
    public Optional<CrateService.IndexFileBody> indexFile(String name) {
        if (isSupportCrate(name)) return supportIndexFile();
        List<CrateService.VersionRow> versions = crates.versions(name);
        if (versions.isEmpty()) {
            return pullThrough != null && pullThrough.enabled() ? pullThrough.indexFile(name) : Optional.empty();
        }
        CrateService.IndexFileBody source = crates.indexFile(name).orElseThrow();
        long lastModified = source.lastModified();
        List<IndexEntry> entries = new ArrayList<>();
        for (CrateService.VersionRow version : versions) {
            Optional<ShimStore.Shim> shim = shimFor(version);
            entries.add(shim.map(s -> shimEntry(version.entry(), s)).orElse(version.entry()));
            if (shim.isPresent()) lastModified = Math.max(lastModified, shim.get().createdAt());
        }
        return Optional.of(new CrateService.IndexFileBody(IndexFile.render(entries), lastModified));
    }

    /** What the view's download of a version serves: the shim when its index line names the shim, else the source .crate. */
    public Optional<InputStream> download(String name, String num) throws IOException {
        if (isSupportCrate(name)) {
            Optional<ShimStore.Support> support = shims.support(num);
            return support.isPresent() ? Optional.of(shims.open(support.get())) : Optional.empty();
        }
        Optional<CrateService.VersionRow> version = crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst();
        if (version.isPresent()) {
            Optional<ShimStore.Shim> shim = shimFor(version.get());
            if (shim.isPresent()) return shims.open(shim.get());
            precompile.store().markRequested(version.get().id(), DEFAULT_SET); // a consumer waits for it: build it first
            return crates.download(name, num);
        }
        if (pullThrough != null && pullThrough.enabled() && crates.crate(name).isEmpty()) return pullThrough.download(name, num);
        return Optional.empty();
    }

    /** The shim of one version, if the view serves one (generated now if it is due); for the API and tests. */
    public Optional<ShimInfo> shim(String name, String num) {
        return crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst()
                .flatMap(this::shimFor)
                .map(s -> new ShimInfo(s.crate(), s.num(), s.cksum(), s.size(), s.featureSets(), s.artifacts()));
    }

    /** A served shim: its checksum and the feature sets (with their artifacts' sha256) it embeds. */
    public record ShimInfo(String crate, String version, String cksum, long size, List<String> featureSets, List<String> artifacts) {
    }

    /** A shim generation that failed: the version, the artifacts it tried to embed, the error and when. */
    public record Failure(String crate, String version, List<String> artifacts, String error, long at) {
    }

    /**
     * What the view serves for one version and why: {@code state} is {@code shim} (served, {@code shim} set),
     * {@code pending} (its default set is verified; the shim is generated at the first view request),
     * {@code failed} (generating the shim fails, {@code error} says how; the view serves the source line) or
     * {@code source} ({@code reason} says why there is no shim).
     */
    public record Status(String state, String reason, ShimInfo shim, String error) {
        public static final String SHIM = "shim", PENDING = "pending", FAILED = "failed", SOURCE = "source";

        /** The API's spelling: {@code error} only when generating failed, the shim's fields only when one is served. */
        public Json toJson() {
            return new Json(state, reason, error, shim == null ? null
                    : new ShimContents(shim.cksum(), shim.size(), shim.featureSets(), shim.artifacts()));
        }

        public record Json(String state, String reason, @JsonInclude(JsonInclude.Include.NON_NULL) String error,
                           @JsonUnwrapped ShimContents shim) {}

        public record ShimContents(String cksum, long size, @JsonProperty("feature_sets") List<String> featureSets,
                                   List<String> artifacts) {}
    }

    /**
     * The view's status of a version without changing anything: a version not generated yet is generated in memory
     * (not stored, so the shim's contents still freeze at the first real view request) to find out whether it would
     * fail. For the precompile report.
     */
    public Optional<Status> status(String name, String num) {
        return crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst().map(v -> status(v, false));
    }

    /**
     * Like {@link #status(String, String)} but as the view's own requests do it: a due shim is generated and stored
     * now. For consumers asking what their build gets ({@code sandcrate-runtime why}).
     */
    public Optional<Status> served(String name, String num) {
        return crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst().map(v -> status(v, true));
    }

    /** For a consumer's Cargo.lock: which macros come as shims, which from source and why, and what needs syn. */
    WhyReport.Result why(byte[] cargoLock) {
        return new WhyReport(crates, precompile.store(), this).explain(cargoLock);
    }

    /** Generations that failed in this process and have not succeeded since (admin page). */
    public List<Failure> failures() {
        return failures.values().stream().sorted(java.util.Comparator.comparing(Failure::crate).thenComparing(Failure::version)).toList();
    }

    private Status status(CrateService.VersionRow version, boolean generate) {
        Optional<ShimStore.Shim> stored = shims.find(version.id());
        if (stored.isPresent()) {
            ShimStore.Shim s = stored.get();
            if (!s.artifacts().stream().allMatch(precompile.store()::servable)) {
                String denial = precompile.denial(version.entry().name(), version.num()).orElse("an operator denied it");
                return new Status(Status.SOURCE, "its shim embeds an artifact that is no longer served (" + denial + "),"
                        + " so the view serves the source line", null, null);
            }
            return new Status(Status.SHIM, "served as its shim (feature sets " + String.join(", ", s.featureSets()) + ")",
                    new ShimInfo(s.crate(), s.num(), s.cksum(), s.size(), s.featureSets(), s.artifacts()), null);
        }
        Map<String, PrecompileStore.Job> verified = verifiedSets(version.id());
        if (!verified.containsKey(DEFAULT_SET)) {
            if (generate) precompile.store().markRequested(version.id(), DEFAULT_SET);
            return new Status(Status.SOURCE, notVerifiedReason(version), null, null);
        }
        if (generate) {
            Optional<ShimStore.Shim> shim = shimFor(version);
            if (shim.isPresent()) return status(version, false);
        } else {
            Failure known = failures.get(version.id());
            List<String> shas = verified.values().stream().map(PrecompileStore.Job::artifactSha256).sorted().toList();
            boolean checked = shas.equals(packable.get(version.id()))
                    || known != null && known.artifacts().stream().sorted().toList().equals(shas);
            if (!checked) {
                try {
                    pack(version, verified);
                    failures.remove(version.id());
                    packable.put(version.id(), shas);
                } catch (IOException | RuntimeException e) {
                    failures.put(version.id(), failure(version, verified, e));
                }
            }
        }
        Failure failed = failures.get(version.id());
        if (failed != null) {
            return new Status(Status.FAILED, "generating its shim fails, so the view serves the source line: " + failed.error(), null, failed.error());
        }
        return new Status(Status.PENDING, "its default feature set is verified; the view generates its shim at the first request", null, null);
    }

    /** Why a version's default feature set has no verified artifact, from its analysis and job. */
    private String notVerifiedReason(CrateService.VersionRow version) {
        Optional<PrecompileStore.Analysis> analysis = precompile.store().analysis(version.id());
        if (analysis.isEmpty()) return "not analysed yet";
        if (!analysis.get().procMacro()) return "not a proc-macro crate";
        Optional<PrecompileStore.Job> job = precompile.store().jobsOf(version.id()).stream()
                .filter(j -> j.featureKey().equals(DEFAULT_SET)).findFirst();
        if (job.isEmpty()) {
            List<String> refusals = analysis.get().eligibility().failures();
            return refusals.isEmpty() ? "its default feature set is not planned (this registry cannot precompile)"
                    : "not eligible: " + String.join("; ", refusals);
        }
        PrecompileStore.Job j = job.get();
        if (j.state() == JobState.DENIED) {
            return "its default feature set is denied: " + precompile.denial(version.entry().name(), version.num()).orElse("by an operator");
        }
        List<String> reasons = j.checks() == null ? List.of() : j.checks().failures();
        return "its default feature set is " + j.state().label()
                + (reasons.isEmpty() ? "" : ": " + String.join("; ", reasons))
                + (j.lastError() == null ? "" : " (" + j.lastError() + ")");
    }

    private IndexEntry shimEntry(IndexEntry source, ShimStore.Shim shim) {
        return ShimGenerator.indexEntry(manifest(shim.cksum(), () -> shims.open(shim).orElseThrow()), shim.cksum(), source);
    }

    /** The support crate's index file: every version stored so far, each published when it was stored. */
    private Optional<CrateService.IndexFileBody> supportIndexFile() {
        List<ShimStore.Support> stored = shims.supports();
        if (stored.isEmpty()) return Optional.empty();
        List<IndexEntry> entries = new ArrayList<>();
        for (ShimStore.Support support : stored) {
            String pubtime = java.time.Instant.ofEpochMilli(support.createdAt()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
            entries.add(manifest(support.cksum(), () -> shims.open(support)).toIndexEntry(support.cksum(), null, pubtime));
        }
        return Optional.of(new CrateService.IndexFileBody(IndexFile.render(entries), stored.getLast().createdAt()));
    }

    private interface Opener {
        InputStream open() throws IOException;
    }

    /** The Cargo.toml inside a stored .crate (a shim or the support crate), by its checksum. */
    private CrateManifest manifest(String cksum, Opener stored) {
        return manifests.computeIfAbsent(cksum, k -> {
            try (InputStream in = stored.open()) {
                return CrateArchive.read(in.readAllBytes(), CrateLimits.DEFAULT).manifest();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private Optional<ShimStore.Shim> shimFor(CrateService.VersionRow version) {
        Optional<ShimStore.Shim> stored = shims.find(version.id());
        if (stored.isPresent()) {
            return stored.get().artifacts().stream().allMatch(precompile.store()::servable) ? stored : Optional.empty();
        }
        Map<String, PrecompileStore.Job> verified = verifiedSets(version.id());
        if (!verified.containsKey(DEFAULT_SET)) return Optional.empty();
        try {
            ShimStore.Shim shim = generate(version, verified);
            failures.remove(version.id());
            packable.remove(version.id());
            return Optional.of(shim);
        } catch (IOException | RuntimeException e) {
            // the source line stays in the view (the report and admin page say why); the next request tries again
            LOG.error("generating the shim of {} {} failed", version.entry().name(), version.num(), e);
            failures.put(version.id(), failure(version, verified, e));
            return Optional.empty();
        }
    }

    private static Failure failure(CrateService.VersionRow version, Map<String, PrecompileStore.Job> verified, Exception e) {
        return new Failure(version.entry().name(), version.num(),
                verified.values().stream().map(PrecompileStore.Job::artifactSha256).toList(),
                e.getMessage() == null ? e.toString() : e.getMessage(), System.currentTimeMillis());
    }

    /** Per feature-set key, the newest verified job of a version (one toolchain's artifact per set is enough). */
    private Map<String, PrecompileStore.Job> verifiedSets(long versionId) {
        Map<String, PrecompileStore.Job> sets = new LinkedHashMap<>();
        for (PrecompileStore.Job job : precompile.store().jobsOf(versionId)) {
            if (job.state() == JobState.VERIFIED && job.artifactSha256() != null) sets.put(job.featureKey(), job);
        }
        return sets;
    }

    private synchronized ShimStore.Shim generate(CrateService.VersionRow version, Map<String, PrecompileStore.Job> verified) throws IOException {
        Optional<ShimStore.Shim> raced = shims.find(version.id());
        if (raced.isPresent()) return raced.get();
        Packed packed = pack(version, verified);
        String name = version.entry().name();
        if (!supportStored) { // before the shim that names it, so the view never serves a shim without its dependency
            shims.recordSupport(ShimSources.supportVersion(), ShimGenerator.support().bytes());
            supportStored = true;
        }
        ShimStore.Shim shim = shims.record(version.id(), name, version.num(), packed.crate().bytes(), packed.keys(), packed.artifacts());
        LOG.info("shim of {} {} generated: {} bytes, feature sets {}, cksum {}", name, version.num(), shim.size(), packed.keys(), shim.cksum());
        return shim;
    }

    /** A generated shim and the feature-set keys and artifact sha256s it embeds, in the same order. */
    private record Packed(CratePacker.PackedCrate crate, List<String> keys, List<String> artifacts) {
    }

    /**
     * Generates the shim of the verified sets, by key order. Of sets that enable the same features (verified before
     * sets were normalised, e.g. {@code default} and {@code no-default} of a crate without features) the first
     * key's artifact is embedded and recorded.
     */
    private Packed pack(CrateService.VersionRow version, Map<String, PrecompileStore.Job> verified) throws IOException {
        String name = version.entry().name();
        byte[] original = crates.crateBytes(name, version.num())
                .orElseThrow(() -> new IOException("the .crate of " + name + " " + version.num() + " is missing"));
        byte[] cargoToml = CrateArchive.read(original, CrateLimits.DEFAULT).cargoToml();
        List<String> keys = new ArrayList<>(verified.keySet());
        keys.sort(null);
        List<byte[]> wasm = new ArrayList<>();
        for (String key : keys) {
            String sha = verified.get(key).artifactSha256();
            try (InputStream in = precompile.artifact(sha).orElseThrow(() -> new IOException("verified artifact " + sha + " is not servable"))) {
                wasm.add(in.readAllBytes());
            }
        }
        List<Integer> embedded = ShimGenerator.embedded(cargoToml, wasm);
        List<byte[]> kept = embedded.stream().map(wasm::get).toList();
        List<String> keptKeys = embedded.stream().map(keys::get).toList();
        List<String> shas = keptKeys.stream().map(k -> verified.get(k).artifactSha256()).toList();
        return new Packed(ShimGenerator.generate(cargoToml, kept, sourceHint(name, version.num())), keptKeys, shas);
    }

    private String sourceHint(String name, String num) {
        return "POST " + publicUrl.get() + "/api/v1/crates/" + name + "/" + num
                + "/precompiled with {\"features\":[...],\"default_features\":true|false} (a served shim never changes:"
                + " sets verified later are embedded in the shims of versions generated afterwards)";
    }
}

package dev.sandcrate.registry.view;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.shim.ShimGenerator;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.mirror.PullThrough;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;
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
 * a version whose default feature set has a verified wasm artifact is served as its <em>shim</em>, a generated,
 * dependency-free proc-macro crate that runs the artifacts in the Sandcrate runtime.
 * <p>
 * Rules, chosen so that a served shim and its checksum never change:
 * <ul>
 *   <li>A version's shim is generated the first time the view is asked about the version after its default feature
 *   set was verified. It embeds every feature set verified at that moment and is stored; later requests serve the
 *   stored bytes. Feature sets verified afterwards do not change it (the shim answers them with a
 *   {@code compile_error!} that names the source build and the precompile request as ways out).</li>
 *   <li>Its index line: the original's name, version, yanked flag and publication time; {@code deps: []}; the
 *   shim's checksum, features (names kept, entries that enable dependencies dropped) and rust-version; no
 *   {@code links}. All other lines are byte-identical to the source index.</li>
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
    /** Index entries of stored shims by checksum: a stored shim never changes, so neither does its entry. */
    private final Map<String, IndexEntry> shimEntries = new java.util.concurrent.ConcurrentHashMap<>();

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

    /** One crate's index file in the view, or empty when the crate is unknown (here and upstream). */
    public Optional<CrateService.IndexFileBody> indexFile(String name) {
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
        Optional<CrateService.VersionRow> version = crates.versions(name).stream().filter(v -> v.num().equals(num)).findFirst();
        if (version.isPresent()) {
            Optional<ShimStore.Shim> shim = shimFor(version.get());
            if (shim.isPresent()) return shims.open(shim.get());
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

    private IndexEntry shimEntry(IndexEntry source, ShimStore.Shim shim) {
        IndexEntry own = shimManifestEntry(shim);
        return new IndexEntry(source.name(), source.vers(), List.of(), shim.cksum(), own.features(), source.yanked(), null,
                own.v(), own.features2(), own.rustVersion(), source.pubtime());
    }

    /** The shim's own Cargo.toml as an index entry (features and rust-version as the shim declares them). */
    private IndexEntry shimManifestEntry(ShimStore.Shim shim) {
        return shimEntries.computeIfAbsent(shim.cksum(), k -> readShimManifestEntry(shim));
    }

    private IndexEntry readShimManifestEntry(ShimStore.Shim shim) {
        try (InputStream in = shims.open(shim).orElseThrow()) {
            CrateManifest manifest = CrateArchive.read(in.readAllBytes(), CrateLimits.DEFAULT).manifest();
            return manifest.toIndexEntry(shim.cksum(), null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<ShimStore.Shim> shimFor(CrateService.VersionRow version) {
        Optional<ShimStore.Shim> stored = shims.find(version.id());
        if (stored.isPresent()) {
            return stored.get().artifacts().stream().allMatch(precompile.store()::servable) ? stored : Optional.empty();
        }
        Map<String, PrecompileStore.Job> verified = verifiedSets(version.id());
        if (!verified.containsKey(DEFAULT_SET)) return Optional.empty();
        try {
            return Optional.of(generate(version, verified));
        } catch (IOException | RuntimeException e) {
            // the source line stays in the view; the next request tries again
            LOG.error("generating the shim of {} {} failed", version.entry().name(), version.num(), e);
            return Optional.empty();
        }
    }

    /** Per feature-set key, the newest verified job of a version (one toolchain's artifact per set is enough). */
    private Map<String, PrecompileStore.Job> verifiedSets(long versionId) {
        Map<String, PrecompileStore.Job> sets = new LinkedHashMap<>();
        for (PrecompileStore.Job job : precompile.store().jobsOf(versionId)) {
            if (PrecompileStore.VERIFIED.equals(job.state()) && job.artifactSha256() != null) sets.put(job.featureKey(), job);
        }
        return sets;
    }

    private synchronized ShimStore.Shim generate(CrateService.VersionRow version, Map<String, PrecompileStore.Job> verified) throws IOException {
        Optional<ShimStore.Shim> raced = shims.find(version.id());
        if (raced.isPresent()) return raced.get();
        String name = version.entry().name();
        byte[] original = crates.crateBytes(name, version.num())
                .orElseThrow(() -> new IOException("the .crate of " + name + " " + version.num() + " is missing"));
        byte[] cargoToml = CrateArchive.read(original, CrateLimits.DEFAULT).cargoToml();
        List<String> keys = new ArrayList<>(verified.keySet());
        keys.sort(null);
        List<String> shas = new ArrayList<>();
        List<byte[]> wasm = new ArrayList<>();
        for (String key : keys) {
            String sha = verified.get(key).artifactSha256();
            try (InputStream in = precompile.artifact(sha).orElseThrow(() -> new IOException("verified artifact " + sha + " is not servable"))) {
                wasm.add(in.readAllBytes());
            }
            shas.add(sha);
        }
        CratePacker.PackedCrate packed = ShimGenerator.generate(cargoToml, wasm, sourceHint(name, version.num()));
        ShimStore.Shim shim = shims.record(version.id(), name, version.num(), packed.bytes(), keys, shas);
        LOG.info("shim of {} {} generated: {} bytes, feature sets {}, cksum {}", name, version.num(), shim.size(), keys, shim.cksum());
        return shim;
    }

    private String sourceHint(String name, String num) {
        return "POST " + publicUrl.get() + "/api/v1/crates/" + name + "/" + num
                + "/precompiled with {\"features\":[...],\"default_features\":true|false} (a served shim never changes:"
                + " sets verified later are embedded in the shims of versions generated afterwards)";
    }
}

package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.DependencyGraph;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.precompile.eligibility.EligibilityAnalyzer;
import dev.sandcrate.precompile.eligibility.FeatureDemand;
import dev.sandcrate.precompile.eligibility.Policy;
import dev.sandcrate.precompile.source.CrateSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides what to build. After every publish (and at start, for anything a crash left unanalysed) it analyses new
 * versions, records the eligibility of proc-macro crates, and (re)plans the feature sets of every macro version the
 * new version may change demand for: the macro itself, the macros it depends on, and theirs (a new user of a facade
 * crate such as serde requests serde_derive). Planning = the default set plus the top N sets dependents request,
 * plus the sets consumers asked for, each checked for eligibility and queued (or recorded ineligible, with why).
 * Single-threaded: runs on the service's planner thread.
 */
final class PrecompilePlanner {
    private static final Logger LOG = LoggerFactory.getLogger(PrecompilePlanner.class);
    private final PrecompileStore store;
    private final CrateSource crates;
    private final EligibilityAnalyzer analyzer;
    private final PrecompileConfig config;
    private final Supplier<Policy> policy;
    private final String toolchain;

    /** @param toolchain the wasm toolchain's identity jobs are queued for, or null if this machine has none */
    PrecompilePlanner(PrecompileStore store, CrateSource crates, EligibilityAnalyzer analyzer, PrecompileConfig config,
                      Supplier<Policy> policy, String toolchain) {
        this.store = store;
        this.crates = crates;
        this.analyzer = analyzer;
        this.config = config;
        this.policy = policy;
        this.toolchain = toolchain;
    }

    /**
     * Analyses every unanalysed version and replans the macros they affect; returns how many were analysed.
     * Stops early (leaving the rest for the next run) when {@code stop} says so.
     */
    int catchUp(java.util.function.BooleanSupplier stop) {
        int analysed = 0;
        for (int round = 0; round < 10; round++) {
            List<PublishedVersions.VersionRef> pending = store.unanalyzed();
            if (pending.isEmpty()) break;
            Set<String> affected = new LinkedHashSet<>();
            for (PublishedVersions.VersionRef v : pending) {
                if (stop.getAsBoolean()) return analysed;
                analyse(v);
                analysed++;
                // crates that were waiting for this one get a fresh analysis in the next round
                store.reopenAnalysesWaitingFor(v.crate());
                affected.add(v.crate());
                for (IndexDependency d : v.entry().deps()) {
                    affected.add(d.crateName());
                    for (var dv : crates.versions(d.crateName())) dv.deps().forEach(dd -> affected.add(dd.crateName()));
                }
            }
            for (String name : affected) {
                if (stop.getAsBoolean()) return analysed;
                for (PublishedVersions.VersionRef macro : store.macroVersions(name)) planSafely(macro);
            }
        }
        return analysed;
    }

    /** Plans every macro version again (at start: a crash may have cut planning short). */
    void replanAll(java.util.function.BooleanSupplier stop) {
        for (PublishedVersions.VersionRef v : store.allMacroVersions()) {
            if (stop.getAsBoolean()) return;
            planSafely(v);
        }
    }

    private void analyse(PublishedVersions.VersionRef v) {
        try {
            byte[] bytes = crates.crateBytes(v.crate(), v.num());
            Eligibility e;
            boolean procMacro;
            List<String> unresolved;
            for (int attempt = 1; ; attempt++) {
                e = analyzer.analyze(bytes, FeatureSet.defaults(), policy.get());
                procMacro = !e.failed(Eligibility.PROC_MACRO);
                unresolved = List.of();
                if (!procMacro || !e.failed(Eligibility.DEPS_RESOLVE)) break;
                unresolved = DependencyGraph.resolve(v.entry(), FeatureSet.defaults(), crates, null).unresolved().stream()
                        .map(DependencyGraph.Unresolved::name).distinct().toList();
                // Empty means the missing crates were published while we analysed: saved as it is, the failure would
                // wait for nothing and never be reopened, so look again.
                if (!unresolved.isEmpty() || attempt == 3) break;
            }
            store.saveAnalysis(v.id(), procMacro, e, unresolved);
            if (procMacro) LOG.info("{} {}: {}", v.crate(), v.num(), e.eligible() ? "eligible for precompilation" : "not eligible: " + e.failures());
        } catch (RuntimeException ex) {
            LOG.error("analysing {} {} failed", v.crate(), v.num(), ex);
            store.saveAnalysis(v.id(), false, Eligibility.of(List.of(new Eligibility.Check(Eligibility.PROC_MACRO,
                    Eligibility.Outcome.FAIL, "the analysis failed: " + ex.getMessage()))), List.of());
        }
    }

    private void planSafely(PublishedVersions.VersionRef v) {
        try {
            plan(v);
        } catch (RuntimeException e) {
            LOG.error("planning {} {} failed", v.crate(), v.num(), e);
        }
    }

    /** Queues (or records as ineligible) the feature sets of one macro version. */
    void plan(PublishedVersions.VersionRef v) {
        if (toolchain == null || v.yanked()) return;
        byte[] bytes = crates.crateBytes(v.crate(), v.num());
        Policy p = policy.get();
        store.upsertJob(v, FeatureSet.defaults(), toolchain, "default", 0, analyzer.analyze(bytes, FeatureSet.defaults(), p), config.maxAttempts());
        List<FeatureDemand.Demand> ranked = FeatureDemand.rank(v.entry(), store::dependentsOf).stream()
                .filter(d -> !d.features().equals(FeatureSet.defaults())).limit(config.topFeatureSets()).toList();
        for (FeatureDemand.Demand d : ranked) {
            store.upsertJob(v, d.features(), toolchain, "dependents", d.score(), analyzer.analyze(bytes, d.features(), p), config.maxAttempts());
        }
        for (PrecompileStore.Request r : store.requestsOf(v.id())) {
            // requests recorded before sets were normalised by their closure may spell an already planned set
            FeatureSet normal = FeatureDemand.normalize(v.entry(), r.features());
            if (normal.equals(FeatureSet.defaults())) continue;
            PrecompileStore.Job job = store.upsertJob(v, normal, toolchain, "request", r.requests(), analyzer.analyze(bytes, normal, p), config.maxAttempts());
            store.markRequested(v.id(), job.featureKey());
        }
        store.setPriority(v.id(), priority(v.crate()));
    }

    /**
     * Build order after the sets consumers asked for: crates that depend on the macro (any version, not yanked)
     * times its downloads + 1, so a macro others use but nobody downloaded yet still comes before one nobody uses.
     */
    double priority(String crate) {
        long dependents = store.dependentsOf(crate).stream().filter(d -> !d.entry().yanked())
                .map(d -> d.entry().name().toLowerCase(java.util.Locale.ROOT)).distinct().count();
        return dependents * (double) (store.downloads(crate) + 1);
    }

    /** A consumer's request for one feature set (known feature names): queued when eligible, else recorded with why. */
    PrecompileStore.Job request(PublishedVersions.VersionRef v, FeatureSet features) {
        FeatureSet normal = FeatureDemand.normalize(v.entry(), features);
        Eligibility e = analyzer.analyze(crates.crateBytes(v.crate(), v.num()), normal, policy.get());
        PrecompileStore.Job job = store.upsertJob(v, normal, toolchain, normal.equals(FeatureSet.defaults()) ? "default" : "request", 1, e, config.maxAttempts());
        store.markRequested(v.id(), job.featureKey());
        return store.job(job.id()).orElseThrow();
    }
}

package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.SemVer;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.source.CfgEvaluator;
import dev.sandcrate.precompile.source.CrateSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The dependency graph a macro crate's wasm build would compile, resolved over a {@link CrateSource} the way cargo
 * picks versions (highest non-yanked version matching each requirement) with feature unification per package:
 * normal and build dependencies (not dev), optional ones only when a feature enables them, target-specific ones
 * only when they apply to wasm32-unknown-unknown. A pure analysis: it reads index entries, runs nothing.
 *
 * @param packages   every package in the graph except the root, with its unified features
 * @param unresolved dependency declarations no version in the source satisfies
 * @param artifacts  artifact dependencies ({@code artifact = "bin"}, nightly {@code -Zbindeps}) the build would need:
 *                   cargo builds them as host binaries, which the wasm build (stable cargo, no -Zbindeps) cannot;
 *                   they are not followed further
 */
public record DependencyGraph(List<Package> packages, List<Unresolved> unresolved, List<Unresolved> artifacts) {
    public static final String CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index";

    public record Package(String name, String version, String cksum, Set<String> features, String requiredBy) {
        public String label() {
            return name + " " + version;
        }
    }

    public record Unresolved(String name, String req, String requiredBy, String why) {
        public String describe() {
            return name + " " + req + " (needed by " + requiredBy + "): " + why;
        }
    }

    private static final class State {
        final IndexEntry entry;
        final String requiredBy;
        boolean defaults;
        final Set<String> requested = new TreeSet<>();

        State(IndexEntry entry, String requiredBy) {
            this.entry = entry;
            this.requiredBy = requiredBy;
        }
    }

    /**
     * @param targetCfg the wasm target's cfg lines ({@code rustc --print cfg}), or null to keep every
     *                  target-specific dependency (conservative)
     */
    public static DependencyGraph resolve(IndexEntry root, FeatureSet features, CrateSource source, Set<String> targetCfg) {
        Map<String, List<IndexEntry>> versionsByName = new HashMap<>();
        Map<String, State> states = new LinkedHashMap<>();
        Map<String, Unresolved> unresolved = new LinkedHashMap<>();
        Map<String, Unresolved> artifacts = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>();

        State rootState = new State(root, null);
        rootState.defaults = features.defaultFeatures();
        rootState.requested.addAll(features.features());
        String rootKey = key(root);
        states.put(rootKey, rootState);
        queue.add(rootKey);
        while (!queue.isEmpty()) {
            State s = states.get(queue.removeFirst());
            FeatureClosure closure = FeatureClosure.of(s.entry, s.defaults, s.requested);
            for (IndexDependency d : s.entry.deps()) {
                if (IndexDependency.DEV.equals(d.kind()) || !appliesToWasm(d, targetCfg) || !closure.includes(d)) continue;
                String from = s.entry.name() + " " + s.entry.vers();
                if (d.isArtifact()) {
                    artifacts.putIfAbsent(d.crateName() + " " + d.req(), new Unresolved(d.crateName(), d.req(), from,
                            "an artifact dependency (artifact = " + String.join(", ", d.artifact())
                                    + (d.bindepTarget() == null ? "" : ", target = " + d.bindepTarget()) + ")"));
                    continue;
                }
                if (d.registry() != null && !d.registry().equals(CRATES_IO_INDEX)) {
                    unresolved.putIfAbsent(d.crateName() + " " + d.req(), new Unresolved(d.crateName(), d.req(), from,
                            "comes from another registry (" + d.registry() + ")"));
                    continue;
                }
                List<IndexEntry> candidates = versionsByName.computeIfAbsent(d.crateName(), source::versions);
                Optional<IndexEntry> chosen;
                try {
                    chosen = candidates.stream().filter(e -> !e.yanked() && CargoSemver.matches(d.req(), e.vers()))
                            .max(Comparator.comparing(e -> SemVer.parse(e.vers())));
                } catch (IllegalArgumentException e) {
                    unresolved.putIfAbsent(d.crateName() + " " + d.req(), new Unresolved(d.crateName(), d.req(), from, e.getMessage()));
                    continue;
                }
                if (chosen.isEmpty()) {
                    unresolved.putIfAbsent(d.crateName() + " " + d.req(), new Unresolved(d.crateName(), d.req(), from,
                            candidates.isEmpty() ? "not in this registry"
                                    : "no unyanked version matches (has " + String.join(", ", candidates.stream().map(IndexEntry::vers).toList()) + ")"));
                    continue;
                }
                String k = key(chosen.get());
                boolean changed = !states.containsKey(k);
                State dep = states.computeIfAbsent(k, x -> new State(chosen.get(), from));
                changed |= dep.requested.addAll(closure.featuresFor(d));
                if (d.defaultFeatures() && !dep.defaults) {
                    dep.defaults = true;
                    changed = true;
                }
                if (changed && !queue.contains(k)) queue.add(k);
            }
        }
        List<Package> packages = new ArrayList<>();
        states.forEach((k, s) -> {
            if (k.equals(rootKey)) return;
            Set<String> enabled = new LinkedHashSet<>(FeatureClosure.of(s.entry, s.defaults, s.requested).features());
            packages.add(new Package(s.entry.name(), s.entry.vers(), s.entry.cksum(), enabled, s.requiredBy));
        });
        return new DependencyGraph(packages, List.copyOf(unresolved.values()), List.copyOf(artifacts.values()));
    }

    private static String key(IndexEntry e) {
        return e.name() + "@" + e.vers();
    }

    private static boolean appliesToWasm(IndexDependency d, Set<String> targetCfg) {
        String target = d.target();
        if (target == null || targetCfg == null) return true;
        if (target.startsWith("cfg(") && target.endsWith(")")) {
            try {
                return new CfgEvaluator(Set.of(), targetCfg).holds(target.substring(4, target.length() - 1));
            } catch (PrecompileException e) {
                return true; // unreadable cfg: keep it, the real build decides
            }
        }
        return target.equals("wasm32-unknown-unknown");
    }
}

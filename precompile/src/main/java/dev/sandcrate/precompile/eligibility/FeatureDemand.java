package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.precompile.pipeline.FeatureSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which feature sets of a macro crate version its reverse dependencies actually request, and how much: each
 * dependent version that accepts this version asks, through its own dependency declaration, for
 * {@code default-features} plus the declared features plus any {@code macro/feature} its enabled features add,
 * and only if the (possibly optional) dependency is switched on at all. "Enabled features" of a dependent are its
 * defaults and, one level further up, whatever its own dependents request of it (how {@code serde}'s users enabling
 * {@code derive} request {@code serde_derive}). A set's score sums, per requesting crate, 1 + that crate's
 * downloads, so both the number of dependents and their use count.
 */
public final class FeatureDemand {
    /** A published version that may depend on others, with its crate's download count. */
    public record Dependent(IndexEntry entry, long downloads) {
    }

    /** One requested feature set: its score and the crates that request it. */
    public record Demand(FeatureSet features, double score, List<String> requestedBy) {
    }

    private record Request(FeatureSet features, String requester, long weight) {
    }

    /** How far up the reverse-dependency chain feature requests are followed. */
    private static final int DEPTH = 2;

    private FeatureDemand() {
    }

    /**
     * @param dependentsOf every published version (any crate) that declares a dependency on the named crate
     * @return the requested sets, highest score first (ties: fewer features first, then by key); the default set
     *         is included only if someone requests it
     */
    public static List<Demand> rank(IndexEntry macro, Function<String, List<Dependent>> dependentsOf) {
        Map<String, Map<String, Long>> weightByRequesterBySet = new LinkedHashMap<>();
        Map<String, FeatureSet> sets = new HashMap<>();
        for (Request r : requests(macro, dependentsOf, DEPTH)) {
            FeatureSet set = normalize(macro, r.features());
            sets.putIfAbsent(set.key(), set);
            weightByRequesterBySet.computeIfAbsent(set.key(), k -> new LinkedHashMap<>()).merge(r.requester(), r.weight(), Math::max);
        }
        List<Demand> out = new ArrayList<>();
        weightByRequesterBySet.forEach((key, byRequester) -> out.add(new Demand(sets.get(key),
                byRequester.values().stream().mapToDouble(Long::doubleValue).sum(), List.copyOf(byRequester.keySet()))));
        out.sort(Comparator.comparingDouble(Demand::score).reversed()
                .thenComparingInt(d -> d.features().features().size()).thenComparing(d -> d.features().key()));
        return out;
    }

    /**
     * The same build under one spelling, from the features it actually enables (its closure): a set that enables
     * everything the defaults enable is spelled as the defaults plus the other enabled features, any other as
     * {@code no-default} plus every enabled feature. So sets that differ only in spelling are one job: a crate
     * without features has one set, whether dependents ask with or without {@code default-features}. Unknown names
     * are dropped (cargo would refuse them).
     */
    public static FeatureSet normalize(IndexEntry macro, FeatureSet set) {
        List<String> known = set.features().stream().filter(f -> FeatureClosure.unknown(macro, List.of(f)).isEmpty()).toList();
        Set<String> enabled = FeatureClosure.of(macro, set.defaultFeatures(), known).features();
        Set<String> byDefault = FeatureClosure.of(macro, true, List.of()).features();
        if (!enabled.containsAll(byDefault)) return new FeatureSet(false, List.copyOf(enabled));
        return new FeatureSet(true, enabled.stream().filter(f -> !byDefault.contains(f)).toList());
    }

    private static List<Request> requests(IndexEntry target, Function<String, List<Dependent>> dependentsOf, int depth) {
        List<Request> out = new ArrayList<>();
        if (depth == 0) return out;
        for (Dependent dependent : dependentsOf.apply(target.name())) {
            IndexEntry d = dependent.entry();
            if (d.yanked() || d.name().equals(target.name())) continue;
            List<IndexDependency> declarations = d.deps().stream()
                    .filter(dep -> !IndexDependency.DEV.equals(dep.kind()) && dep.crateName().equals(target.name()) && accepts(dep, target))
                    .toList();
            if (declarations.isEmpty()) continue;
            // how the dependent itself gets built: with its defaults, by its own users' requests
            List<Request> configs = new ArrayList<>();
            configs.add(new Request(FeatureSet.defaults(), d.name(), 1 + dependent.downloads()));
            configs.addAll(requests(d, dependentsOf, depth - 1));
            for (Request config : configs) {
                FeatureClosure closure = FeatureClosure.of(d, config.features().defaultFeatures(), config.features().features());
                for (IndexDependency dep : declarations) {
                    if (!closure.includes(dep)) continue;
                    out.add(new Request(new FeatureSet(dep.defaultFeatures(), List.copyOf(closure.featuresFor(dep))),
                            config.requester(), config.weight()));
                }
            }
        }
        return out;
    }

    private static boolean accepts(IndexDependency dep, IndexEntry target) {
        try {
            return CargoSemver.matches(dep.req(), target.vers());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}

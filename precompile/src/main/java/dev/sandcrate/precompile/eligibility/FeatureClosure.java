package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What enabling some features of one crate version turns on, following cargo's feature rules: {@code default},
 * features enabling features, {@code dep:x} and implicit optional-dependency features, {@code x/f} (enables
 * optional {@code x} and its feature {@code f}) and the weak {@code x?/f} (feature {@code f} only if {@code x} is
 * on anyway). Dependencies are named as in the crate's manifest (the rename, if renamed).
 *
 * @param features     every enabled feature of the crate
 * @param optionalDeps the optional dependencies switched on
 * @param depFeatures  features to enable on each dependency (weak ones only where the dependency is on)
 */
public record FeatureClosure(Set<String> features, Set<String> optionalDeps, Map<String, Set<String>> depFeatures) {

    /**
     * @param requested features asked for; names the crate does not have are ignored (see {@link #unknown})
     */
    public static FeatureClosure of(IndexEntry entry, boolean defaultFeatures, Iterable<String> requested) {
        Map<String, List<String>> declared = entry.allFeatures();
        Set<String> optional = new HashSet<>();
        for (IndexDependency d : entry.deps()) if (d.optional()) optional.add(d.name());
        boolean explicitDepSyntax = declared.values().stream().flatMap(List::stream).anyMatch(v -> v.startsWith("dep:"));

        Set<String> features = new TreeSet<>();
        Set<String> deps = new TreeSet<>();
        Map<String, Set<String>> depFeatures = new LinkedHashMap<>();
        Map<String, Set<String>> weak = new LinkedHashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        if (defaultFeatures && declared.containsKey("default")) queue.add("default");
        requested.forEach(queue::add);
        while (!queue.isEmpty()) {
            String f = queue.removeFirst();
            if (declared.containsKey(f)) {
                if (!features.add(f)) continue;
                for (String value : declared.get(f)) {
                    if (value.startsWith("dep:")) {
                        deps.add(value.substring(4));
                    } else if (value.contains("/")) {
                        String dep = value.substring(0, value.indexOf('/'));
                        String feature = value.substring(value.indexOf('/') + 1);
                        if (dep.endsWith("?")) {
                            weak.computeIfAbsent(dep.substring(0, dep.length() - 1), k -> new TreeSet<>()).add(feature);
                        } else {
                            depFeatures.computeIfAbsent(dep, k -> new TreeSet<>()).add(feature);
                            if (optional.contains(dep)) {
                                deps.add(dep);
                                if (!explicitDepSyntax) features.add(dep);
                            }
                        }
                    } else {
                        queue.add(value);
                    }
                }
            } else if (!explicitDepSyntax && optional.contains(f)) {
                // the implicit feature of an optional dependency
                features.add(f);
                deps.add(f);
            }
        }
        weak.forEach((dep, fs) -> {
            if (!optional.contains(dep) || deps.contains(dep)) depFeatures.computeIfAbsent(dep, k -> new TreeSet<>()).addAll(fs);
        });
        return new FeatureClosure(features, deps, depFeatures);
    }

    /** The requested names this crate version has neither as a feature nor as an optional dependency. */
    public static List<String> unknown(IndexEntry entry, Iterable<String> requested) {
        Map<String, List<String>> declared = entry.allFeatures();
        boolean explicitDepSyntax = declared.values().stream().flatMap(List::stream).anyMatch(v -> v.startsWith("dep:"));
        Set<String> optional = new HashSet<>();
        for (IndexDependency d : entry.deps()) if (d.optional()) optional.add(d.name());
        List<String> out = new java.util.ArrayList<>();
        for (String f : requested) {
            if (!declared.containsKey(f) && (explicitDepSyntax || !optional.contains(f))) out.add(f);
        }
        return out;
    }

    /** Whether this dependency declaration is built under this closure. */
    public boolean includes(IndexDependency d) {
        return !d.optional() || optionalDeps.contains(d.name());
    }

    /** The features to request of {@code d}: those declared on it plus those this closure adds. */
    public Set<String> featuresFor(IndexDependency d) {
        Set<String> out = new TreeSet<>(d.features());
        out.addAll(depFeatures.getOrDefault(d.name(), Set.of()));
        return out;
    }
}

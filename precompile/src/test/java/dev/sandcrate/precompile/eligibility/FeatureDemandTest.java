package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FeatureDemandTest {
    static final IndexEntry MACRO = IndexEntry.of("mac", "1.2.0", List.of(), "c", Map.of(
            "default", List.of("std"), "std", List.of(), "extra", List.of(), "diag", List.of()), null, null, null);

    static IndexDependency dep(String name, String req, List<String> features, boolean optional, boolean defaults) {
        return new IndexDependency(name, req, features, optional, defaults, null, IndexDependency.NORMAL, null, null);
    }

    static IndexEntry crate(String name, List<IndexDependency> deps, Map<String, List<String>> features) {
        return IndexEntry.of(name, "1.0.0", deps, "c", features, null, null, null);
    }

    @Test
    void ranksSetsByDependentsWeightedByDownloadsThroughFacadeCrates() {
        // facade re-exports the macro behind an optional feature, like serde's "derive"
        IndexEntry facade = crate("facade", List.of(dep("mac", "1", List.of(), true, true)),
                Map.of("derive", List.of("mac"), "diag", List.of("mac/diag")));
        IndexEntry direct1 = crate("direct1", List.of(dep("mac", "1.1", List.of("extra"), false, true)), Map.of());
        IndexEntry direct2 = crate("direct2", List.of(dep("mac", "1", List.of("extra"), false, true)), Map.of());
        IndexEntry old = crate("old", List.of(dep("mac", "0.9", List.of("diag"), false, true)), Map.of());
        IndexEntry user = crate("user", List.of(dep("facade", "1", List.of("derive"), false, true)), Map.of());
        IndexEntry diagUser = crate("diaguser", List.of(dep("facade", "1", List.of("diag"), false, true)), Map.of());
        IndexEntry noStd = crate("nostd", List.of(dep("mac", "1", List.of("std"), false, false)), Map.of());
        Map<String, List<FeatureDemand.Dependent>> rdeps = Map.of(
                "mac", List.of(new FeatureDemand.Dependent(facade, 0), new FeatureDemand.Dependent(direct1, 5),
                        new FeatureDemand.Dependent(direct2, 1), new FeatureDemand.Dependent(old, 1000),
                        new FeatureDemand.Dependent(noStd, 50)),
                "facade", List.of(new FeatureDemand.Dependent(user, 100), new FeatureDemand.Dependent(diagUser, 3)));

        List<FeatureDemand.Demand> ranked = FeatureDemand.rank(MACRO, name -> rdeps.getOrDefault(name, List.of()));
        List<String> keys = new ArrayList<>(ranked.stream().map(d -> d.features().key()).toList());
        // default (user via facade, 101) > no-default+std (51) > default+extra (6 + 2) > default+diag (4); "old" wants 0.9
        assertEquals(List.of("default", "no-default+std", "default+extra", "default+diag"), keys);
        assertEquals(101, ranked.get(0).score());
        assertEquals(List.of("user"), ranked.get(0).requestedBy(), "the facade's own default build does not enable the macro");
        assertEquals(8, ranked.get(2).score());
        assertEquals(List.of("direct1", "direct2"), ranked.get(2).requestedBy());
    }

    @Test
    void normalizesFeaturesTheDefaultsAlreadyEnable() {
        assertEquals(FeatureSet.defaults(), FeatureDemand.normalize(MACRO, new FeatureSet(true, List.of("std", "bogus"))));
        assertEquals(new FeatureSet(false, List.of("std")), FeatureDemand.normalize(MACRO, new FeatureSet(false, List.of("std"))));
    }

    @Test
    void equalEffectiveSetsHaveOneSpelling() {
        // futures-macro 0.3.21 declares no features: with or without default-features it is the same build
        IndexEntry featureless = IndexEntry.of("futures-macro", "0.3.21", List.of(), "c", Map.of(), null, null, null);
        assertEquals(FeatureSet.defaults(), FeatureDemand.normalize(featureless, new FeatureSet(false, List.of())));
        // asking for everything the defaults enable, without them, is the default build
        assertEquals(FeatureSet.defaults(), FeatureDemand.normalize(MACRO, new FeatureSet(false, List.of("default"))));
        // a feature enabling another: both spellings name every enabled feature
        IndexEntry nested = IndexEntry.of("mac", "1.0.0", List.of(), "c", Map.of("full", List.of("a"), "a", List.of()), null, null, null);
        assertEquals(FeatureDemand.normalize(nested, new FeatureSet(true, List.of("full"))),
                FeatureDemand.normalize(nested, new FeatureSet(false, List.of("a", "full"))));
        assertEquals("default+a+full", FeatureDemand.normalize(nested, new FeatureSet(true, List.of("full"))).key());
    }
}

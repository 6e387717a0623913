package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.TreeSet;

/**
 * The features a wasm artifact was built with: an artifact is valid for exactly one feature set.
 * Features are kept sorted and unique so equal sets have one spelling ({@link #key()}).
 */
public record FeatureSet(@JsonProperty("defaultFeatures") boolean defaultFeatures, @JsonProperty("features") List<String> features) {
    public FeatureSet {
        features = List.copyOf(new TreeSet<>(features == null ? List.of() : features));
        for (String f : features) {
            if (!f.matches("[A-Za-z0-9_][A-Za-z0-9_+.\\-/]*")) throw new IllegalArgumentException("not a feature name: \"" + f + "\"");
        }
    }

    public static FeatureSet defaults() {
        return new FeatureSet(true, List.of());
    }

    /** Parses the CLI form: {@code --features a,b} plus {@code --no-default-features}. */
    public static FeatureSet parse(String commaSeparated, boolean noDefaultFeatures) {
        List<String> list = commaSeparated == null || commaSeparated.isBlank() ? List.of()
                : List.of(commaSeparated.trim().split("\\s*[, ]\\s*"));
        return new FeatureSet(!noDefaultFeatures, list);
    }

    /** A short stable spelling, e.g. {@code default}, {@code default+derive}, {@code no-default+std}. */
    public String key() {
        StringBuilder s = new StringBuilder(defaultFeatures ? "default" : "no-default");
        features.forEach(f -> s.append('+').append(f));
        return s.toString();
    }
}

package dev.sandcrate.precompile.eligibility;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * Whether a macro crate version with one feature set may be precompiled, with every check that decided it
 * (passed ones too, so the API and UI can show why). Eligible means: no check failed.
 */
public record Eligibility(@JsonProperty("eligible") boolean eligible, @JsonProperty("checks") List<Check> checks) {
    public enum Outcome { PASS, FLAG, FAIL }

    /** Rule names, stable for API consumers. */
    public static final String PROC_MACRO = "proc-macro";
    public static final String FEATURES = "features";
    public static final String NO_PROC_MACRO_DEPS = "no-proc-macro-dependencies";
    public static final String DEPS_RESOLVE = "dependencies-resolve";
    /** Only reported when failed: most crates have no artifact dependencies, and their reports stay as they were. */
    public static final String NO_ARTIFACT_DEPS = "no-artifact-dependencies";
    public static final String BUILD_SCRIPT = "build-script";
    public static final String HOST_APIS = "host-apis";
    public static final String OPERATOR = "operator";

    public record Check(@JsonProperty("rule") String rule, @JsonProperty("outcome") Outcome outcome, @JsonProperty("detail") String detail) {
    }

    public static Eligibility of(List<Check> checks) {
        return new Eligibility(checks.stream().noneMatch(c -> c.outcome() == Outcome.FAIL), List.copyOf(checks));
    }

    /** The failed checks, as "rule: detail" lines. */
    public List<String> failures() {
        return checks.stream().filter(c -> c.outcome() == Outcome.FAIL).map(c -> c.rule() + ": " + c.detail()).toList();
    }

    public boolean failed(String rule) {
        return checks.stream().anyMatch(c -> c.rule().equals(rule) && c.outcome() == Outcome.FAIL);
    }
}

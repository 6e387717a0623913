package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The state of a precompile job. Its {@link #label() label} (the lowercase name, {@code queued}) is what the
 * {@code precompile_jobs.state} column stores, what the JSON APIs and the web UI show, and what {@link #toString()}
 * gives; {@link PrecompileStore} and Jackson convert through {@link #label()} and {@link #fromLabel(String)} only.
 */
public enum JobState {
    /** The analysis found reasons not to build it; an operator's allow (or a new analysis) queues it. */
    INELIGIBLE,
    /** Waiting for a worker (again after a failed attempt, once its backoff is over). */
    QUEUED,
    /** A worker holds the lease and builds it. */
    RUNNING,
    /** Built twice with the same bytes: its artifact is served. */
    VERIFIED,
    /** The two builds differed, or the module is invalid: never served. */
    REJECTED,
    /** Failed on every attempt. */
    FAILED,
    /** An operator denied the crate or version: neither built nor served. */
    DENIED;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The spelling the database, the APIs and the web UI use: {@code queued}. */
    @JsonValue
    public String label() {
        return label;
    }

    /** The state a label names; for a label that names none, an {@link IllegalArgumentException}. */
    @JsonCreator
    public static JobState fromLabel(String label) {
        return parse(label).orElseThrow(() -> new IllegalArgumentException("unknown precompile job state '" + label + "'"));
    }

    /** The state a label names, if any (user input: the admin API's {@code ?state=}). */
    public static Optional<JobState> parse(String label) {
        for (JobState s : values()) if (s.label.equals(label)) return Optional.of(s);
        return Optional.empty();
    }

    /** Every label, comma-separated, in declaration order (for error messages). */
    public static String allLabels() {
        return Arrays.stream(values()).map(JobState::label).collect(Collectors.joining(", "));
    }

    /** Only an operator's allow builds it again: an admin retry is refused. */
    public boolean needsAllow() {
        return this == INELIGIBLE || this == DENIED;
    }

    /** An admin retry puts it back in the queue with fresh attempts (it is waiting, building or built otherwise). */
    public boolean retryable() {
        return this == REJECTED || this == FAILED;
    }

    @Override
    public String toString() {
        return label;
    }
}

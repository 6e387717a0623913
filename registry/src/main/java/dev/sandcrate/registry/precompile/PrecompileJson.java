package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.precompile.eligibility.Eligibility;

import java.time.Instant;
import java.util.List;

/**
 * The precompile API's JSON ({@link PrecompileRoutes}; the admin page reuses {@link Queue}), as records Jackson writes
 * in component order: the order on the wire. Absent values are written as {@code null} unless a component says
 * otherwise.
 */
public final class PrecompileJson {
    private PrecompileJson() {}

    /** {@code GET /api/v1/crates/NAME/VERSION/precompiled}. */
    public record Status(String crate, String version, Analysis analysis, Toolchain toolchain, Object shim,
                         @JsonProperty("feature_sets") List<Job> featureSets, List<Request> requests) {}

    public record Analysis(@JsonProperty("proc_macro") boolean procMacro, boolean eligible, List<Eligibility.Check> checks,
                           @JsonProperty("analyzed_at") String analyzedAt) {}

    /** The server's wasm toolchain: its identity when it is there, the problem when it is not (never both keys). */
    public sealed interface Toolchain {
        record Available(boolean available, String id, String rustc) implements Toolchain {
            public Available(String id, String rustc) {
                this(true, id, rustc);
            }
        }

        record Missing(boolean available, String problem) implements Toolchain {
            public Missing(String problem) {
                this(false, problem);
            }
        }
    }

    public record Request(String key, long requests, long misses, @JsonProperty("last_requested_at") String lastRequestedAt) {}

    /**
     * One job: a feature set of a version for a toolchain. {@code artifact} only once verified; the build record's
     * fields only once built.
     */
    public record Job(String key, @JsonProperty("default_features") boolean defaultFeatures, List<String> features,
                      JobState state, String origin, double demand, @JsonProperty("job_id") long jobId, boolean eligible,
                      List<String> reasons, List<Eligibility.Check> checks, @JsonProperty("toolchain_id") String toolchainId, int attempts,
                      @JsonProperty("max_attempts") int maxAttempts, @JsonProperty("last_error") String lastError,
                      double priority, @JsonProperty("requested_at") String requestedAt, String phase,
                      @JsonProperty("phase_at") String phaseAt,
                      @JsonInclude(JsonInclude.Include.NON_NULL) Artifact artifact,
                      @JsonUnwrapped BuildRecord build, Timings timings, List<Log> logs) {}

    public record Artifact(String sha256, Long size, String url) {}

    /** What the build record says: the manifest's inputs, both builds and whether they agree. */
    public record BuildRecord(@JsonProperty("crate_sha256") String crateSha256, JsonNode toolchain, JsonNode recipe,
                              JsonNode macros, @JsonProperty("lockfile_sha256") String lockfileSha256, String lockfile,
                              String rejection, JsonNode dependencies, @JsonProperty("dependency_cache") JsonNode dependencyCache,
                              JsonNode flags, JsonNode patches, List<Build> builds,
                              @JsonProperty("hashes_match") boolean hashesMatch) {}

    public record Build(String id, int jobs, @JsonProperty("wasm_sha256") String wasmSha256,
                        @JsonProperty("wasm_bytes") long wasmBytes, @JsonProperty("duration_ms") long durationMs) {}

    /** {@code prepare_ms} only once built. */
    public record Timings(@JsonProperty("queued_at") String queuedAt, @JsonProperty("started_at") String startedAt,
                          @JsonProperty("finished_at") String finishedAt,
                          @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("prepare_ms") Long prepareMs) {}

    public record Log(String build, String url) {}

    /** {@code GET /api/v1/admin/precompile/jobs}. */
    public record JobList(Queue queue, List<ListedJob> jobs) {}

    /** A job in the admin list: its crate and version first, and which worker holds it last. */
    public record ListedJob(String crate, String version, @JsonUnwrapped Job job, @JsonProperty("lease_owner") String leaseOwner) {}

    /** Queue length and ETA ({@link PrecompileService#queue}); the average and ETA are null until a job was verified. */
    public record Queue(long queued, long due, long running, @JsonProperty("average_job_seconds") Double averageJobSeconds,
                        @JsonProperty("eta_seconds") Long etaSeconds, @JsonProperty("dependency_cache") DependencyCache dependencyCache) {}

    public record DependencyCache(long entries, long bytes) {}

    /** {@code GET /api/v1/admin/precompile/policy}. */
    public record Policy(List<PrecompileAdmin.PolicyListing> entries) {}

    /** An epoch-millisecond time as the API writes it (ISO-8601, UTC), or null. */
    static String time(Long epochMillis) {
        return epochMillis == null ? null : Instant.ofEpochMilli(epochMillis).toString();
    }
}

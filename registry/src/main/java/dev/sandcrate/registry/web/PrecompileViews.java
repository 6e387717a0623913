package dev.sandcrate.registry.web;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileAdmin;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the home and admin pages show of the precompile service, read through its public API (the per-version
 * report page reads {@code GET /api/v1/crates/{name}/{version}/precompiled} itself), and the admin actions
 * (allow/deny, retry) the admin page performs, through {@link PrecompileAdmin} like the admin API: it decides whether
 * the signed-in principal may.
 */
final class PrecompileViews {
    private final PrecompileService service;

    private final java.util.function.Supplier<List<dev.sandcrate.registry.view.PrecompiledView.Failure>> shimFailures;

    PrecompileViews(PrecompileService service, java.util.function.Supplier<List<dev.sandcrate.registry.view.PrecompiledView.Failure>> shimFailures) {
        this.service = service;
        this.shimFailures = shimFailures;
    }

    private List<PrecompileStore.Job> allJobs() {
        List<PrecompileStore.Job> jobs = new ArrayList<>();
        for (PublishedVersions.VersionRef v : service.store().allMacroVersions()) jobs.addAll(service.store().jobsOf(v.id()));
        return jobs;
    }

    /** The home page's counts: proc-macro versions, eligible ones, feature-set jobs by state, the toolchain's rustc. */
    record Stats(@JsonProperty("macro_versions") int macroVersions, @JsonProperty("eligible_versions") long eligibleVersions,
                 @JsonProperty("jobs_by_state") Map<String, Long> jobsByState, String toolchain) {
    }

    Stats stats() {
        List<PublishedVersions.VersionRef> versions = service.store().allMacroVersions();
        long eligible = versions.stream().filter(v -> service.store().analysis(v.id())
                .map(a -> a.eligibility().eligible()).orElse(false)).count();
        Map<String, Long> byState = new TreeMap<>();
        for (PrecompileStore.Job j : allJobs()) byState.merge(j.state().label(), 1L, Long::sum);
        return new Stats(versions.size(), eligible, byState,
                service.toolchain().map(t -> t.rustcVersion().lines().findFirst().orElse("")).orElse(null));
    }

    /** The admin page's data. */
    record Admin(Toolchain toolchain, int workers, dev.sandcrate.registry.precompile.PrecompileJson.Queue queue, List<JobRow> jobs,
                 List<PrecompileAdmin.PolicyListing> policy, @JsonProperty("shim_failures") List<ShimFailure> shimFailures) {
    }

    /** The toolchain jobs are built with: its rustc's first line, or why there is none. */
    record Toolchain(boolean available, @JsonInclude(JsonInclude.Include.NON_NULL) String rustc,
                     @JsonInclude(JsonInclude.Include.NON_NULL) String problem) {
    }

    /** One job in the admin page's table. */
    record JobRow(long id, String crate, String version, String features, JobState state, String origin, double demand,
                  int attempts, @JsonProperty("max_attempts") int maxAttempts, List<String> reasons,
                  @JsonProperty("last_error") String lastError, @JsonProperty("artifact_sha256") String artifactSha256,
                  @JsonProperty("queued_at") String queuedAt, @JsonProperty("finished_at") String finishedAt,
                  @JsonProperty("started_at") String startedAt, double priority, boolean requested, String phase,
                  @JsonProperty("phase_at") String phaseAt, boolean retryable) {
        static JobRow of(PrecompileStore.Job j) {
            return new JobRow(j.id(), j.crate(), j.num(), j.featureKey(), j.state(), j.origin(), j.demand(), j.attempts(),
                    j.maxAttempts(), j.checks() == null ? List.of() : j.checks().failures(), j.lastError(), j.artifactSha256(),
                    instant(j.createdAt()), instant(j.finishedAt()), instant(j.startedAt()), j.priority(), j.requestedAt() != null,
                    j.phase(), instant(j.phaseAt()), j.state().retryable());
        }
    }

    /** A verified artifact the view could not serve (it served the source). */
    record ShimFailure(String crate, String version, String error, String at) {
    }

    /** The admin page's data: toolchain, workers, queue, jobs (newest first), allow/deny entries, shim failures. */
    Admin admin(Principal who) {
        List<PrecompileAdmin.PolicyListing> policy = service.admin().policy(who, "admin");
        List<JobRow> jobs = allJobs().stream().sorted(Comparator.comparingLong(PrecompileStore.Job::id).reversed()).map(JobRow::of).toList();
        Toolchain toolchain = service.toolchain().map(t -> new Toolchain(true, t.rustcVersion().lines().findFirst().orElse(""), null))
                .orElseGet(() -> new Toolchain(false, null, service.toolchainProblem()));
        return new Admin(toolchain, service.config().workers(), service.queue(), jobs, policy,
                shimFailures.get().stream().map(f -> new ShimFailure(f.crate(), f.version(), f.error(), instant(f.at()))).toList());
    }

    private static String instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis).toString();
    }

    Principal authorize(Principal who) {
        return service.admin().authorize(who);
    }

    String setPolicy(Principal who, String action, String crate, String version, String reason) {
        return service.admin().setPolicy(who, action, crate, version, reason);
    }

    void clearPolicy(Principal who, String crate, String version) {
        service.admin().clearPolicy(who, crate, version);
    }

    void retry(Principal who, long id) {
        service.admin().retry(who, id);
    }
}

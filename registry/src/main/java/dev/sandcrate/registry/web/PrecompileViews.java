package dev.sandcrate.registry.web;

import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.precompile.PrecompileAdmin;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
        for (PrecompileStore.VersionRef v : service.store().allMacroVersions()) jobs.addAll(service.store().jobsOf(v.id()));
        return jobs;
    }

    /** Counts for the home page: proc-macro versions, eligible ones, and feature-set jobs by state. */
    Map<String, Object> stats() {
        List<PrecompileStore.VersionRef> versions = service.store().allMacroVersions();
        long eligible = versions.stream().filter(v -> service.store().analysis(v.id())
                .map(a -> a.eligibility().eligible()).orElse(false)).count();
        Map<String, Long> byState = new TreeMap<>();
        for (PrecompileStore.Job j : allJobs()) byState.merge(j.state().label(), 1L, Long::sum);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("macro_versions", versions.size());
        m.put("eligible_versions", eligible);
        m.put("jobs_by_state", byState);
        m.put("toolchain", service.toolchain().map(t -> t.rustcVersion().lines().findFirst().orElse("")).orElse(null));
        return m;
    }

    /** The admin page's data: toolchain, workers, queue, jobs, allow/deny entries, shim failures. */
    Map<String, Object> admin(Principal who) {
        List<PrecompileAdmin.PolicyListing> policy = service.admin().policy(who, "admin");
        List<Map<String, Object>> jobs = new ArrayList<>();
        allJobs().stream().sorted(Comparator.comparingLong(PrecompileStore.Job::id).reversed()).forEach(j -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", j.id());
            m.put("crate", j.crate());
            m.put("version", j.num());
            m.put("features", j.featureKey());
            m.put("state", j.state());
            m.put("origin", j.origin());
            m.put("demand", j.demand());
            m.put("attempts", j.attempts());
            m.put("max_attempts", j.maxAttempts());
            m.put("reasons", j.checks() == null ? List.of() : j.checks().failures());
            m.put("last_error", j.lastError());
            m.put("artifact_sha256", j.artifactSha256());
            m.put("queued_at", Instant.ofEpochMilli(j.createdAt()).toString());
            m.put("finished_at", j.finishedAt() == null ? null : Instant.ofEpochMilli(j.finishedAt()).toString());
            m.put("started_at", j.startedAt() == null ? null : Instant.ofEpochMilli(j.startedAt()).toString());
            m.put("priority", j.priority());
            m.put("requested", j.requestedAt() != null);
            m.put("phase", j.phase());
            m.put("phase_at", j.phaseAt() == null ? null : Instant.ofEpochMilli(j.phaseAt()).toString());
            m.put("retryable", j.state().retryable());
            jobs.add(m);
        });
        Map<String, Object> toolchain = new LinkedHashMap<>();
        service.toolchain().ifPresentOrElse(t -> {
            toolchain.put("available", true);
            toolchain.put("rustc", t.rustcVersion().lines().findFirst().orElse(""));
        }, () -> {
            toolchain.put("available", false);
            toolchain.put("problem", service.toolchainProblem());
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("toolchain", toolchain);
        out.put("workers", service.config().workers());
        out.put("queue", service.queue());
        out.put("jobs", jobs);
        out.put("policy", policy);
        out.put("shim_failures", shimFailures.get().stream().map(f -> Map.of("crate", f.crate(), "version", f.version(),
                "error", f.error(), "at", Instant.ofEpochMilli(f.at()).toString())).toList());
        return out;
    }

    Principal authorize(Principal who) {
        return service.admin().authorize(who);
    }

    String setPolicy(Principal who, String action, String crate, String version) {
        return service.admin().setPolicy(who, action, crate, version);
    }

    void clearPolicy(Principal who, String crate, String version) {
        service.admin().clearPolicy(who, crate, version);
    }

    void retry(Principal who, long id) {
        service.admin().retry(who, id);
    }
}

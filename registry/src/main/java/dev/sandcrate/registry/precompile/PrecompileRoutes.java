package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.RequestBodies;
import dev.sandcrate.registry.auth.Principal;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import dev.sandcrate.registry.crates.PublishedVersions.VersionRef;

/**
 * The precompile API:
 * <pre>
 * GET    /api/v1/crates/{name}/{version}/precompiled         analysis and status per feature set (hashes, toolchain, lockfile, timings, logs)
 * POST   /api/v1/crates/{name}/{version}/precompiled         request a feature set {"features":[...],"default_features":true}
 * GET    /api/v1/precompiled/{sha256}.wasm                   a verified artifact (content-addressed, immutable)
 * GET    /api/v1/precompiled/logs/{sha256}                   a build log
 * GET    /api/v1/admin/precompile/policy                     operator allow/deny entries (admin token)
 * PUT    /api/v1/admin/precompile/{deny|allow}/{name}[?version=V]
 * DELETE /api/v1/admin/precompile/policy/{name}[?version=V]
 * GET    /api/v1/admin/precompile/jobs[?state=S&limit=N]       queue length, ETA, and jobs (newest first; queued: build order) with phase
 * POST   /api/v1/admin/precompile/jobs/{id}/retry
 * </pre>
 */
public final class PrecompileRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PrecompileService service;
    private final ApiAuth auth;
    private final Supplier<String> publicUrl;

    private final Function<VersionRef, Object> shimStatus;

    /** @param shimStatus what the precompiled view serves for a version and why (the report's {@code shim}) */
    public PrecompileRoutes(PrecompileService service, ApiAuth auth, Supplier<String> publicUrl, Function<VersionRef, Object> shimStatus) {
        this.service = service;
        this.auth = auth;
        this.publicUrl = publicUrl;
        this.shimStatus = shimStatus;
    }

    public void register(Javalin app) {
        app.get("/api/v1/crates/{name}/{version}/precompiled", this::status);
        app.post("/api/v1/crates/{name}/{version}/precompiled", this::request);
        app.get("/api/v1/precompiled/logs/{sha256}", this::log);
        app.get("/api/v1/precompiled/{file}", this::artifact);
        app.get("/api/v1/admin/precompile/policy", this::listPolicy);
        app.put("/api/v1/admin/precompile/deny/{name}", ctx -> setPolicy(ctx, "deny"));
        app.put("/api/v1/admin/precompile/allow/{name}", ctx -> setPolicy(ctx, "allow"));
        app.delete("/api/v1/admin/precompile/policy/{name}", this::clearPolicy);
        app.get("/api/v1/admin/precompile/jobs", this::listJobs);
        app.post("/api/v1/admin/precompile/jobs/{id}/retry", this::retry);
    }

    // ---------------------------------------------------------------- auth

    /** The token's principal, for {@link PrecompileAdmin}, which decides whether it may (the web UI's admin page asks it too). */
    private Principal caller(Context ctx) {
        return auth.requireToken(ctx);
    }

    // ---------------------------------------------------------------- consumers

    private void status(Context ctx) {
        auth.requireRead(ctx);
        PublishedVersions.VersionRef v = service.requireVersion(ctx.pathParam("name"), ctx.pathParam("version"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("crate", v.crate());
        body.put("version", v.num());
        body.put("analysis", service.store().analysis(v.id()).map(a -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("proc_macro", a.procMacro());
            m.put("eligible", a.eligibility().eligible());
            m.put("checks", a.eligibility().checks());
            m.put("analyzed_at", Instant.ofEpochMilli(a.analyzedAt()).toString());
            return m;
        }).orElse(null));
        Map<String, Object> toolchain = new LinkedHashMap<>();
        service.toolchain().ifPresentOrElse(t -> {
            toolchain.put("available", true);
            toolchain.put("id", t.identityHash());
            toolchain.put("rustc", t.rustcVersion());
        }, () -> {
            toolchain.put("available", false);
            toolchain.put("problem", service.toolchainProblem());
        });
        body.put("toolchain", toolchain);
        body.put("shim", shimStatus.apply(v));
        List<Map<String, Object>> sets = new ArrayList<>();
        for (PrecompileStore.Job job : service.store().jobsOf(v.id())) sets.add(describe(job));
        body.put("feature_sets", sets);
        List<Map<String, Object>> requests = new ArrayList<>();
        for (PrecompileStore.Request r : service.store().requestsOf(v.id())) {
            requests.add(ordered("key", r.featureKey(), "requests", r.requests(), "misses", r.misses(),
                    "last_requested_at", Instant.ofEpochMilli(r.lastRequestedAt()).toString()));
        }
        body.put("requests", requests);
        ctx.json(body);
    }

    private Map<String, Object> describe(PrecompileStore.Job job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", job.featureKey());
        m.put("default_features", job.features().defaultFeatures());
        m.put("features", job.features().features());
        m.put("state", job.state());
        m.put("origin", job.origin());
        m.put("demand", job.demand());
        m.put("job_id", job.id());
        m.put("eligible", job.checks() == null || job.checks().eligible());
        m.put("reasons", job.checks() == null ? List.of() : job.checks().failures());
        m.put("checks", job.checks() == null ? List.of() : job.checks().checks());
        m.put("toolchain_id", job.toolchain());
        m.put("attempts", job.attempts());
        m.put("max_attempts", job.maxAttempts());
        m.put("last_error", job.lastError());
        m.put("priority", job.priority());
        m.put("requested_at", job.requestedAt() == null ? null : Instant.ofEpochMilli(job.requestedAt()).toString());
        m.put("phase", job.phase());
        m.put("phase_at", job.phaseAt() == null ? null : Instant.ofEpochMilli(job.phaseAt()).toString());
        if (job.state() == JobState.VERIFIED) {
            m.put("artifact", ordered("sha256", job.artifactSha256(), "size", job.artifactSize(),
                    "url", publicUrl.get() + "/api/v1/precompiled/" + job.artifactSha256() + ".wasm"));
        }
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("queued_at", Instant.ofEpochMilli(job.createdAt()).toString());
        timings.put("started_at", job.startedAt() == null ? null : Instant.ofEpochMilli(job.startedAt()).toString());
        timings.put("finished_at", job.finishedAt() == null ? null : Instant.ofEpochMilli(job.finishedAt()).toString());
        if (job.buildRecord() != null) {
            JsonNode record = read(job.buildRecord());
            JsonNode manifest = record.path("manifest");
            m.put("crate_sha256", manifest.path("crateSha256").asText(null));
            m.put("toolchain", manifest.path("toolchain"));
            m.put("recipe", manifest.path("recipe"));
            m.put("macros", manifest.path("macros"));
            m.put("lockfile_sha256", manifest.path("lockfileSha256").asText(null));
            m.put("lockfile", manifest.path("lockfile").asText(null));
            m.put("rejection", record.path("rejection").isNull() ? null : record.path("rejection").asText(null));
            m.put("dependencies", manifest.path("dependencies"));
            m.put("dependency_cache", record.path("dependencyCache"));
            m.put("flags", record.path("flags"));
            m.put("patches", record.path("patches"));
            List<Map<String, Object>> builds = new ArrayList<>();
            for (JsonNode b : record.path("builds")) {
                Map<String, Object> bm = new LinkedHashMap<>();
                bm.put("id", b.path("id").asText());
                bm.put("jobs", b.path("jobs").asInt());
                bm.put("wasm_sha256", b.path("wasmSha256").asText());
                bm.put("wasm_bytes", b.path("wasmBytes").asLong());
                bm.put("duration_ms", b.path("durationMillis").asLong());
                builds.add(bm);
            }
            m.put("builds", builds);
            m.put("hashes_match", builds.size() == 2 && builds.get(0).get("wasm_sha256").equals(builds.get(1).get("wasm_sha256")));
            timings.put("prepare_ms", record.path("prepareMillis").asLong());
        }
        m.put("timings", timings);
        List<Map<String, Object>> logs = new ArrayList<>();
        if (job.logs() != null) {
            for (JsonNode l : read(job.logs())) {
                logs.add(ordered("build", l.path("build").asText(), "url", publicUrl.get() + "/api/v1/precompiled/logs/" + l.path("sha256").asText()));
            }
        }
        m.put("logs", logs);
        return m;
    }

    private void request(Context ctx) {
        auth.requireRead(ctx);
        FeatureSet features;
        try {
            JsonNode body = RequestBodies.json(ctx);
            if (body == null) body = JSON.createObjectNode();
            if (!body.isObject()) throw RegistryException.badRequest("expected a JSON object {\"features\":[...],\"default_features\":true}");
            List<String> list = new ArrayList<>();
            JsonNode f = body.path("features");
            if (!f.isMissingNode() && !f.isArray()) throw RegistryException.badRequest("`features` must be an array of feature names");
            for (JsonNode n : f) {
                if (!n.isTextual()) throw RegistryException.badRequest("`features` must be an array of feature names");
                list.add(n.asText());
            }
            JsonNode df = body.path("default_features");
            if (!df.isMissingNode() && !df.isBoolean()) throw RegistryException.badRequest("`default_features` must be true or false");
            features = new FeatureSet(df.isMissingNode() || df.asBoolean(), list);
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        PrecompileStore.Job job = service.request(ctx.pathParam("name"), ctx.pathParam("version"), features);
        ctx.status(job.state() == JobState.VERIFIED ? 200 : 202).json(describe(job));
    }

    private void artifact(Context ctx) {
        auth.requireRead(ctx);
        String file = ctx.pathParam("file");
        String sha = file.endsWith(".wasm") ? file.substring(0, file.length() - 5) : file;
        InputStream in = service.artifact(sha).orElseThrow(() -> RegistryException.notFound("no verified artifact " + file));
        ctx.contentType("application/wasm");
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.header("ETag", "\"" + sha + "\"");
        ctx.result(in);
    }

    private void log(Context ctx) {
        auth.requireRead(ctx);
        String sha = ctx.pathParam("sha256");
        InputStream in = service.log(sha).orElseThrow(() -> RegistryException.notFound("no build log " + sha));
        ctx.contentType("text/plain; charset=utf-8");
        ctx.header("Cache-Control", "public, max-age=31536000, immutable");
        ctx.result(in);
    }

    // ---------------------------------------------------------------- admins

    private void listPolicy(Context ctx) {
        ctx.json(Map.of("entries", service.admin().policy(caller(ctx), "admin API")));
    }

    private void setPolicy(Context ctx, String action) {
        String msg = service.admin().setPolicy(caller(ctx), action, ctx.pathParam("name"), ctx.queryParam("version"));
        ctx.json(Map.of("ok", true, "msg", msg));
    }

    private void clearPolicy(Context ctx) {
        service.admin().clearPolicy(caller(ctx), ctx.pathParam("name"), ctx.queryParam("version"));
        ctx.json(Map.of("ok", true));
    }

    private void listJobs(Context ctx) {
        service.admin().authorize(caller(ctx));
        String stateParam = ctx.queryParam("state");
        JobState state = stateParam == null ? null : JobState.parse(stateParam)
                .orElseThrow(() -> RegistryException.badRequest("`state` must be one of " + JobState.allLabels()));
        int limit;
        try {
            limit = ctx.queryParam("limit") == null ? 100 : Integer.parseInt(ctx.queryParam("limit"));
        } catch (NumberFormatException e) {
            throw RegistryException.badRequest("`limit` must be a number");
        }
        if (limit < 1 || limit > 1000) throw RegistryException.badRequest("`limit` must be between 1 and 1000");
        List<Map<String, Object>> jobs = new ArrayList<>();
        for (PrecompileStore.Job job : service.store().recentJobs(state, limit)) {
            Map<String, Object> m = ordered("crate", job.crate(), "version", job.num());
            m.putAll(describe(job));
            m.put("lease_owner", job.leaseOwner());
            jobs.add(m);
        }
        ctx.json(ordered("queue", service.queue(), "jobs", jobs));
    }

    private void retry(Context ctx) {
        Principal who = service.admin().authorize(caller(ctx)); // a non-admin learns nothing about the id
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw RegistryException.badRequest("job id must be a number");
        }
        ctx.json(describe(service.admin().retry(who, id)));
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        return m;
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

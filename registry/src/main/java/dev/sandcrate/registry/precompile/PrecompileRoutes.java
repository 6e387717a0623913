package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.http.ApiAuth;
import dev.sandcrate.registry.http.ApiJson;
import dev.sandcrate.registry.http.RequestBodies;
import dev.sandcrate.registry.auth.Principal;
import io.javalin.Javalin;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
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
 * PUT    /api/v1/admin/precompile/{deny|allow}/{name}[?version=V]  optional body {"reason": "..."}
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
        PrecompileJson.Analysis analysis = service.store().analysis(v.id()).map(a -> new PrecompileJson.Analysis(a.procMacro(),
                a.eligibility().eligible(), a.eligibility().checks(), PrecompileJson.time(a.analyzedAt()))).orElse(null);
        PrecompileJson.Toolchain toolchain = service.toolchain()
                .<PrecompileJson.Toolchain>map(t -> new PrecompileJson.Toolchain.Available(t.identityHash(), t.rustcVersion()))
                .orElseGet(() -> new PrecompileJson.Toolchain.Missing(service.toolchainProblem()));
        List<PrecompileJson.Job> sets = service.store().jobsOf(v.id()).stream().map(this::describe).toList();
        List<PrecompileJson.Request> requests = service.store().requestsOf(v.id()).stream()
                .map(r -> new PrecompileJson.Request(r.featureKey(), r.requests(), r.misses(), PrecompileJson.time(r.lastRequestedAt())))
                .toList();
        ctx.json(new PrecompileJson.Status(v.crate(), v.num(), analysis, toolchain, shimStatus.apply(v), sets, requests));
    }

    private PrecompileJson.Job describe(PrecompileStore.Job job) {
        PrecompileJson.Artifact artifact = job.state() != JobState.VERIFIED ? null : new PrecompileJson.Artifact(job.artifactSha256(),
                job.artifactSize(), publicUrl.get() + "/api/v1/precompiled/" + job.artifactSha256() + ".wasm");
        PrecompileJson.BuildRecord build = null;
        Long prepareMs = null;
        if (job.buildRecord() != null) {
            JsonNode record = read(job.buildRecord());
            JsonNode manifest = record.path("manifest");
            List<PrecompileJson.Build> builds = new ArrayList<>();
            for (JsonNode b : record.path("builds")) {
                builds.add(new PrecompileJson.Build(b.path("id").asText(), b.path("jobs").asInt(), b.path("wasmSha256").asText(),
                        b.path("wasmBytes").asLong(), b.path("durationMillis").asLong()));
            }
            build = new PrecompileJson.BuildRecord(manifest.path("crateSha256").asText(null), manifest.path("toolchain"),
                    manifest.path("recipe"), manifest.path("macros"), manifest.path("lockfileSha256").asText(null),
                    manifest.path("lockfile").asText(null),
                    record.path("rejection").isNull() ? null : record.path("rejection").asText(null),
                    manifest.path("dependencies"), record.path("dependencyCache"), record.path("flags"), record.path("patches"),
                    builds, builds.size() == 2 && builds.get(0).wasmSha256().equals(builds.get(1).wasmSha256()));
            prepareMs = record.path("prepareMillis").asLong();
        }
        List<PrecompileJson.Log> logs = new ArrayList<>();
        if (job.logs() != null) {
            for (JsonNode l : read(job.logs())) {
                logs.add(new PrecompileJson.Log(l.path("build").asText(), publicUrl.get() + "/api/v1/precompiled/logs/" + l.path("sha256").asText()));
            }
        }
        boolean checked = job.checks() != null;
        return new PrecompileJson.Job(job.featureKey(), job.features().defaultFeatures(), job.features().features(), job.state(),
                job.origin(), job.demand(), job.id(), !checked || job.checks().eligible(),
                checked ? job.checks().failures() : List.of(), checked ? job.checks().checks() : List.of(), job.toolchain(),
                job.attempts(), job.maxAttempts(), job.lastError(), job.priority(), PrecompileJson.time(job.requestedAt()),
                job.phase(), PrecompileJson.time(job.phaseAt()), artifact, build,
                new PrecompileJson.Timings(PrecompileJson.time(job.createdAt()), PrecompileJson.time(job.startedAt()),
                        PrecompileJson.time(job.finishedAt()), prepareMs),
                logs);
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
        ctx.json(new PrecompileJson.Policy(service.admin().policy(caller(ctx), "admin API")));
    }

    /** The body is optional: {@code {"reason": "..."}} says why. */
    private void setPolicy(Context ctx, String action) {
        Principal who = service.admin().authorize(caller(ctx)); // a non-admin learns nothing from the body's checks
        String reason = null;
        JsonNode body = RequestBodies.json(ctx); // capped; null when empty
        if (body != null) {
            if (!body.isObject()) throw RegistryException.badRequest("expected a JSON object such as {\"reason\": \"...\"}");
            JsonNode r = body.get("reason");
            if (r != null && !r.isNull() && !r.isTextual()) throw RegistryException.badRequest("`reason` must be a string");
            reason = r == null || r.isNull() ? null : r.asText();
        }
        String msg = service.admin().setPolicy(who, action, ctx.pathParam("name"), ctx.queryParam("version"), reason);
        ctx.json(new ApiJson.OkMessage(msg));
    }

    private void clearPolicy(Context ctx) {
        service.admin().clearPolicy(caller(ctx), ctx.pathParam("name"), ctx.queryParam("version"));
        ctx.json(ApiJson.Ok.OK);
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
        List<PrecompileJson.ListedJob> jobs = service.store().recentJobs(state, limit).stream()
                .map(job -> new PrecompileJson.ListedJob(job.crate(), job.num(), describe(job), job.leaseOwner())).toList();
        ctx.json(new PrecompileJson.JobList(service.queue(), jobs));
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

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

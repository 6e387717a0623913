package dev.sandcrate.registry.http;

import dev.sandcrate.registry.crates.CrateEvents;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileStore;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * This process's metrics (Micrometer), served at {@code GET /metrics} in Prometheus's text format: HTTP requests per
 * route template (count and latency histogram, by method and status), index changes, downloads and index file
 * lookups, the precompile job queue and build durations and outcomes, and the JVM's memory, GC, threads, classes,
 * CPU and file descriptors. Unauthenticated like {@code /health}: scrape each process directly and keep the path
 * away from the public side of the load balancer.
 */
public final class Metrics implements AutoCloseable {
    /** Job states shown as {@code sandcrate_precompile_jobs{state=...}}; {@code queued} is the queue depth. */
    private static final List<JobState> JOB_STATES = List.of(JobState.QUEUED, JobState.RUNNING, JobState.VERIFIED,
            JobState.REJECTED, JobState.FAILED, JobState.INELIGIBLE, JobState.DENIED);
    /** The job counts are one query; a scrape reads them once, not once per state. */
    private static final Duration JOB_COUNTS_FRESH = Duration.ofSeconds(2);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    /** The request timers by their tags: looked up on every request, so without building a meter id each time. */
    private final Map<RequestKey, Timer> requestTimers = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Map<JobState, Long> jobCounts = Map.of();
    private volatile long jobCountsAt;

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    public void register(Javalin app) {
        app.get("/metrics", ctx -> {
            ctx.header("Cache-Control", "no-store");
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape());
        });
    }

    /** Counts one finished request (Javalin's request logger calls this after every request). */
    public void requestDone(Context ctx, float millis) {
        RequestKey key = new RequestKey(ctx.method().name(), route(ctx), ctx.statusCode());
        requestTimers.computeIfAbsent(key, k -> Timer.builder("http.server.requests").description("HTTP requests by route template, method and status")
                        .tags("method", k.method(), "route", k.route(), "status", Integer.toString(k.status()))
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                        .register(registry))
                .record((long) (millis * 1000), TimeUnit.MICROSECONDS);
    }

    private record RequestKey(String method, String route, int status) {}

    /** The matched route's template ({@code /api/v1/crates/{name}/{version}/download}), never the raw path. */
    static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.isEmpty() || path.equals("*") ? "unmatched" : path;
        } catch (RuntimeException e) {
            return "unmatched"; // no route matched (404)
        }
    }

    /** Publishes, yanks and unyanks through this process, downloads served and index file lookups. */
    public void watch(CrateService crates) {
        Map<CrateEvents.Change, Counter> changes = new java.util.EnumMap<>(CrateEvents.Change.class);
        for (CrateEvents.Change c : CrateEvents.Change.values()) {
            changes.put(c, Counter.builder("sandcrate.index.changes").description("publishes, yanks and unyanks through this process")
                    .tag("change", c.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
        crates.addListener((change, entry, actor) -> changes.get(change).increment());
        FunctionCounter.builder("sandcrate.downloads", crates, CrateService::downloadsServed)
                .description(".crate downloads served by this process").register(registry);
        FunctionCounter.builder("sandcrate.index.lookups", crates, CrateService::indexFilesFromCache)
                .description("index files served, by where they came from").tag("source", "memory").register(registry);
        FunctionCounter.builder("sandcrate.index.lookups", crates, CrateService::indexFilesRendered)
                .description("index files served, by where they came from").tag("source", "database").register(registry);
    }

    /** The precompile queue (every process's jobs, from the database) and the builds run in this process. */
    public void watch(PrecompileStore store) {
        for (JobState state : JOB_STATES) {
            Gauge.builder("sandcrate.precompile.jobs", store, s -> jobCounts(s).getOrDefault(state, 0L))
                    .description("precompile jobs by state, over all processes (state=queued is the queue depth)")
                    .tag("state", state.label()).register(registry);
        }
        store.onBuildEnded((outcome, took) -> Timer.builder("sandcrate.precompile.builds")
                .description("build attempts run in this process, by outcome").tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofSeconds(1)).maximumExpectedValue(Duration.ofHours(1))
                .register(registry).record(took));
    }

    private Map<JobState, Long> jobCounts(PrecompileStore store) {
        long now = System.nanoTime();
        if (now - jobCountsAt > JOB_COUNTS_FRESH.toNanos()) {
            jobCounts = store.jobCountsByState();
            jobCountsAt = now;
        }
        return jobCounts;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}

package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.EligibilityAnalyzer;
import dev.sandcrate.precompile.eligibility.FeatureClosure;
import dev.sandcrate.precompile.eligibility.Policy;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateEvents;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.storage.BlobStore;
import dev.sandcrate.registry.storage.BlobStorage;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The precompilation service of one process: the planner (in the registry process: wakes on every committed publish
 * through this process, and on changes through other replicas by polling the index change log; analyses and queues), the build workers (in the registry process and/or {@code sandcrate worker} processes, all
 * sharing the job queue in the database), and the artifact store ({@code <data-dir>/precompiled}, content-addressed:
 * verified .wasm artifacts and build logs).
 */
public final class PrecompileService implements CrateEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrecompileService.class);
    private final PrecompileStore store;
    private final RegistryCrateSource crates;
    private final BlobStore artifacts;
    private final PrecompileConfig config;
    private final Toolchain toolchain;
    private final String toolchainProblem;
    private final PrecompilePlanner planner;
    private final ScheduledExecutorService scheduler;
    private final List<PrecompileWorker> workers = new ArrayList<>();
    private final PrecompileAdmin admin = new PrecompileAdmin(this);
    private final List<Thread> workerThreads = new ArrayList<>();
    /** How often the planner looks at the change log for changes made through other replicas. */
    static final java.time.Duration CHANGE_POLL = java.time.Duration.ofSeconds(1);
    /** How often it plans anyway: admin actions on another replica reopen analyses without a change in the log. */
    static final java.time.Duration PLAN_ANYWAY = java.time.Duration.ofSeconds(30);
    /** How long the planner waits after a failure (the database down, say) before it polls again. */
    static final java.time.Duration FAILURE_PAUSE = java.time.Duration.ofSeconds(10);
    private final dev.sandcrate.registry.crates.IndexChanges changes;
    private final Object planSignal = new Object();
    private volatile boolean planRequested = true;
    private volatile boolean closed;
    private Thread plannerThread;

    private PrecompileService(Jdbi jdbi, CrateService crateService, Path dataDir, BlobStore artifacts, PrecompileConfig config, boolean planning) {
        this.store = new PrecompileStore(jdbi);
        this.crates = new RegistryCrateSource(crateService);
        this.changes = crateService.changes();
        this.artifacts = artifacts;
        this.config = config;
        Toolchain tc = null;
        String problem = null;
        try {
            tc = Toolchain.detect();
        } catch (PrecompileException e) {
            problem = e.getMessage();
            LOG.warn("precompilation is off on this machine: {}", problem);
        }
        this.toolchain = tc;
        this.toolchainProblem = problem;
        EligibilityAnalyzer analyzer = new EligibilityAnalyzer(crates, tc == null ? null : tc.targetCfg());
        this.planner = planning ? new PrecompilePlanner(store, crates, analyzer, config, this::policy, tc == null ? null : tc.identityHash()) : null;
        this.scheduler = Executors.newScheduledThreadPool(1, r -> daemon(r, "sandcrate-precompile-heartbeat"));
        if (tc != null) {
            Path work = dataDir.resolve("precompiled").resolve("work");
            for (int i = 0; i < config.workers(); i++) {
                workers.add(new PrecompileWorker(store, crates, artifacts, work, config, tc, scheduler, i));
            }
        }
    }

    /**
     * The service inside a registry process: plans on publish, and builds with {@code config.workers()} threads.
     *
     * @param dataDir   holds the build workspaces ({@code precompiled/work/})
     * @param artifacts verified .wasm artifacts and build logs ({@link BlobStorage.Area#ARTIFACTS})
     */
    public static PrecompileService forRegistry(Jdbi jdbi, CrateService crates, Path dataDir, BlobStore artifacts, PrecompileConfig config) {
        PrecompileService s = new PrecompileService(jdbi, crates, dataDir, artifacts, config, true);
        crates.addListener(s);
        return s;
    }

    /** A {@code sandcrate worker} process: only builds. */
    public static PrecompileService workerOnly(Jdbi jdbi, CrateService crates, Path dataDir, BlobStore artifacts, PrecompileConfig config) {
        if (config.workers() < 1) throw new IllegalArgumentException("a worker process needs at least one worker");
        PrecompileService s = new PrecompileService(jdbi, crates, dataDir, artifacts, config, false);
        if (s.toolchain == null) throw new IllegalStateException(s.toolchainProblem);
        return s;
    }

    /** Starts the planner and worker threads. */
    public void start() {
        if (planner != null) {
            plannerThread = daemon(this::planLoop, "sandcrate-precompile-planner");
            plannerThread.start();
        }
        for (PrecompileWorker w : workers) {
            Thread t = daemon(w, "sandcrate-precompile-" + w.id());
            workerThreads.add(t);
            t.start();
        }
        if (!workers.isEmpty()) LOG.info("{} precompile worker(s) running for toolchain {}", workers.size(), toolchain.identityHash());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void indexChanged(Change change, dev.sandcrate.index.IndexEntry entry, String actor) {
        if (change == Change.PUBLISHED) wakePlanner();
    }

    private void wakePlanner() {
        synchronized (planSignal) {
            planRequested = true;
            planSignal.notifyAll();
        }
    }

    private void planLoop() {
        try {
            synchronized (this) {
                planner.replanAll(() -> closed);
            }
        } catch (RuntimeException e) {
            if (!closed) LOG.error("precompile planning at start failed", e);
        }
        long seenChange = -1;
        long lastPlan = System.nanoTime();
        while (!closed) {
            try {
                synchronized (planSignal) {
                    if (!planRequested && !closed) planSignal.wait(CHANGE_POLL.toMillis());
                }
                if (closed) return;
                // a publish or yank through any replica is in the change log: poll it, so every planner wakes on it
                long latest = changes.latest();
                boolean due = System.nanoTime() - lastPlan > PLAN_ANYWAY.toNanos();
                synchronized (planSignal) {
                    if (!planRequested && latest == seenChange && !due) continue;
                    planRequested = false;
                }
                seenChange = latest;
                lastPlan = System.nanoTime();
                planNow();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) return;
                LOG.error("precompile planning failed; retrying in {} s", FAILURE_PAUSE.toSeconds(), e);
                try {
                    synchronized (planSignal) {
                        if (!closed) planSignal.wait(FAILURE_PAUSE.toMillis()); // a database that is down is not polled every second
                    }
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Runs the planner now on the caller's thread (tests, and the admin actions that change eligibility). */
    public synchronized int planNow() {
        if (planner == null) throw new IllegalStateException("this process does not plan");
        return planner.catchUp(() -> closed);
    }

    /** The command-line policy plus the admin API's entries. */
    Policy policy() {
        List<String> allow = new ArrayList<>(), deny = new ArrayList<>();
        for (PrecompileStore.PolicyEntry e : store.policyEntries()) (e.action().equals("allow") ? allow : deny).add(e.entry());
        return config.policy().plus(new Policy(allow, deny));
    }

    // ---------------------------------------------------------------- what the HTTP API needs

    public PrecompileStore store() {
        return store;
    }

    public PrecompileConfig config() {
        return config;
    }

    /** Allow, deny and retry, for admins only: what the admin API and the web UI's admin page both call. */
    public PrecompileAdmin admin() {
        return admin;
    }

    /** The toolchain identity jobs are built for, or empty (with {@link #toolchainProblem()}) when there is none. */
    public Optional<Toolchain> toolchain() {
        return Optional.ofNullable(toolchain);
    }

    /** Recent verified jobs the ETA averages over. */
    private static final int ETA_SAMPLE = 20;

    /**
     * Queue length and ETA: the queued jobs plus what the running ones have left (the recent average minus their
     * elapsed time), spread over the running workers (at least one), each job taking the average of the last
     * {@value #ETA_SAMPLE} verified jobs. Null until a job has been verified.
     */
    public PrecompileJson.Queue queue() {
        PrecompileStore.QueueStats stats = store.queueStats(ETA_SAMPLE);
        Long eta = null;
        if (stats.averageBuildMillis() != null) {
            long now = System.currentTimeMillis();
            long left = stats.queued() * stats.averageBuildMillis();
            for (PrecompileStore.Job running : store.recentJobs(JobState.RUNNING, 1000)) {
                long elapsed = running.startedAt() == null ? 0 : now - running.startedAt();
                left += Math.max(0, stats.averageBuildMillis() - elapsed);
            }
            eta = left / Math.max(1, stats.running()) / 1000;
        }
        long[] cache = store.dependencyCacheSize();
        return new PrecompileJson.Queue(stats.queued(), stats.due(), stats.running(),
                stats.averageBuildMillis() == null ? null : stats.averageBuildMillis() / 1000.0, eta,
                new PrecompileJson.DependencyCache(cache[0], cache[1]));
    }

    public String toolchainProblem() {
        return toolchainProblem;
    }

    public PublishedVersions.VersionRef requireVersion(String crate, String num) {
        return store.version(crate, num).orElseThrow(() -> RegistryException.notFound("crate `" + crate + "` has no version " + num));
    }

    /** A consumer asks for a feature set: recorded (a miss if no artifact is verified for it) and queued if eligible. */
    public PrecompileStore.Job request(String crate, String num, FeatureSet features) {
        PublishedVersions.VersionRef v = requireVersion(crate, num);
        List<String> unknown = FeatureClosure.unknown(v.entry(), features.features());
        if (!unknown.isEmpty()) {
            throw RegistryException.badRequest(crate + " " + num + " has no feature " + String.join(", ", unknown)
                    + " (features: " + String.join(", ", v.entry().allFeatures().keySet()) + ")");
        }
        if (toolchain == null || planner == null) {
            throw new RegistryException(503, "this registry cannot precompile: " + (toolchainProblem != null ? toolchainProblem : "planning is off"));
        }
        PrecompileStore.Job job;
        synchronized (this) {
            job = planner.request(v, features);
        }
        store.recordRequest(v.id(), job.features(), job.state() != JobState.VERIFIED);
        return job;
    }

    public Optional<InputStream> artifact(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}") || !store.servable(sha256)) return Optional.empty();
        return open(sha256);
    }

    public Optional<InputStream> log(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}") || !store.hasLog(sha256)) return Optional.empty();
        return open(sha256);
    }

    private Optional<InputStream> open(String sha256) {
        try {
            return Optional.ofNullable(artifacts.open(sha256));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Admin ({@link PrecompileAdmin} checked who): deny (stop building and serving) a crate or one version. */
    int deny(String crate, String num, String by, String reason) {
        String entry = num == null ? crate : crate + "@" + num;
        store.setPolicy(validEntry(entry), "deny", by, reason);
        int n = store.deny(crate, num);
        store.reopenAnalysesOf(crate);
        wakePlanner();
        return n;
    }

    /** Admin ({@link PrecompileAdmin} checked who): allow a crate whose sources are flagged (host APIs), or lift a deny. */
    void allow(String crate, String num, String by, String reason) {
        String entry = num == null ? crate : crate + "@" + num;
        store.setPolicy(validEntry(entry), "allow", by, reason);
        store.undeny(crate, num);
        store.reopenAnalysesOf(crate);
        wakePlanner();
    }

    /**
     * Who denied a version and why, for the reasons the view and the precompile report give: the entry for the version,
     * else the one for the whole crate (an admin's, then the command line's).
     */
    public Optional<String> denial(String crate, String num) {
        Optional<PrecompileStore.PolicyEntry> admin = store.policyEntries().stream()
                .filter(e -> e.action().equals("deny") && Policy.covers(e.entry(), crate, num))
                .min(java.util.Comparator.comparing(e -> !e.entry().contains("@")));
        if (admin.isPresent()) {
            return Optional.of("denied by " + admin.get().createdBy() + (admin.get().reason() == null ? "" : ": " + admin.get().reason()));
        }
        return config.policy().deny().stream().anyMatch(d -> Policy.covers(d, crate, num))
                ? Optional.of("denied on the command line") : Optional.empty();
    }

    /** Admin ({@link PrecompileAdmin} checked who): remove an allow/deny entry an admin added. */
    boolean clearPolicy(String crate, String num) {
        String entry = num == null ? crate : crate + "@" + num;
        boolean removed = store.removePolicy(entry);
        store.undeny(crate, num);
        store.reopenAnalysesOf(crate);
        wakePlanner();
        return removed;
    }

    private static String validEntry(String entry) {
        try {
            new Policy(List.of(entry), List.of());
            return entry;
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
    }

    /**
     * Stops the planner and the workers (a running build is killed; its job is retried after the lease expires).
     * Threads are not interrupted: an interrupt during a database call would close H2's file under everyone.
     */
    @Override
    public void close() {
        closed = true;
        workers.forEach(PrecompileWorker::stop);
        wakePlanner();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (Thread t : workerThreads) {
            try {
                // a build between two sandboxed steps may start another one: keep killing until the thread is out
                while (t.isAlive() && System.nanoTime() < deadline) {
                    workers.forEach(PrecompileWorker::stop);
                    t.join(200);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (plannerThread != null) {
            try {
                plannerThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

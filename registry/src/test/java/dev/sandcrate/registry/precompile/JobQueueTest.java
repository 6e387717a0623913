package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.db.DatabaseConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The durable queue's protocol on the real database: claims, leases, heartbeats, retries, one row per key, restarts.
 * Runs on H2 here and on PostgreSQL in {@link dev.sandcrate.registry.db.PostgresTest} (which overrides {@link #newDatabase}).
 */
public class JobQueueTest {
    static final Eligibility OK = Eligibility.of(List.of());
    @TempDir
    Path tmp;
    Registry registry;
    PrecompileStore store;
    PublishedVersions.VersionRef version;
    DatabaseConfig database;

    /** The database each test starts with (and restarts on). */
    protected DatabaseConfig newDatabase() throws Exception {
        return DatabaseConfig.EMBEDDED;
    }

    RegistryConfig config() {
        return RegistryConfig.loopback(tmp.resolve("data")).withDatabase(database);
    }

    @BeforeEach
    void start() throws Exception {
        database = newDatabase();
        registry = Registry.start(config(), PrecompileConfig.embedded());
        String token = PrecompileFixtures.token(registry, "alice", false);
        PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "queued", "1.0.0", "", "pub fn f() {}\n"));
        store = registry.precompile().store();
        version = store.version("queued", "1.0.0").orElseThrow();
    }

    @AfterEach
    void stop() {
        if (registry != null) registry.close();
    }

    @Test
    void oneRowPerVersionFeatureSetAndToolchainAndOneClaimantAtATime() throws Exception {
        PrecompileStore.Job a = store.upsertJob(version, FeatureSet.defaults(), "tc1", "default", 0, OK, 3);
        PrecompileStore.Job again = store.upsertJob(version, new FeatureSet(true, List.of()), "tc1", "request", 5, OK, 3);
        assertEquals(a.id(), again.id());
        assertEquals(5, again.demand());
        assertNotEquals(a.id(), store.upsertJob(version, FeatureSet.defaults(), "tc2", "default", 0, OK, 3).id());

        // eight workers race for the one tc1 job: exactly one gets it
        ExecutorService pool = Executors.newFixedThreadPool(8);
        ConcurrentHashMap<String, Long> winners = new ConcurrentHashMap<>();
        List<Future<?>> futures = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String owner = "w" + i;
            futures.add(pool.submit(() -> store.claim(owner, "tc1", 60_000).ifPresent(j -> winners.put(owner, j.id()))));
        }
        for (Future<?> f : futures) f.get();
        pool.shutdown();
        assertEquals(1, winners.size(), winners.toString());
        String owner = winners.keySet().iterator().next();
        PrecompileStore.Job running = store.job(a.id()).orElseThrow();
        assertEquals(JobState.RUNNING, running.state());
        assertEquals(owner, running.leaseOwner());
        assertEquals(1, running.attempts());
        assertTrue(store.claim("late", "tc1", 60_000).isEmpty());
        assertTrue(store.heartbeat(a.id(), owner, 60_000));
        assertFalse(store.heartbeat(a.id(), "late", 60_000), "only the owner renews");
        assertFalse(store.finish(a.id(), "late", JobState.VERIFIED, "a".repeat(64), 1L, "{}", "[]", null));
        assertTrue(store.finish(a.id(), owner, JobState.VERIFIED, "a".repeat(64), 1L, "{}", "[]", null));
        assertTrue(store.servable("a".repeat(64)));
        assertTrue(store.claim("late", "tc1", 60_000).isEmpty(), "a verified job is done");
    }

    @Test
    void twoWorkersClaimingConcurrentlyNeverGetTheSameJob() throws Exception {
        int jobs = 30;
        for (int i = 0; i < jobs; i++) store.upsertJob(version, new FeatureSet(true, List.of("f" + i)), "tc", "default", 0, OK, 3);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<Long>>> claimed = new java.util.ArrayList<>();
        for (String owner : List.of("worker-a", "worker-b")) {
            claimed.add(pool.submit(() -> {
                List<Long> mine = new java.util.ArrayList<>();
                for (Optional<PrecompileStore.Job> j; (j = store.claim(owner, "tc", 60_000)).isPresent(); ) mine.add(j.get().id());
                return mine;
            }));
        }
        List<Long> a = claimed.get(0).get(), b = claimed.get(1).get();
        pool.shutdown();
        List<Long> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        assertEquals(jobs, all.size(), "every job claimed exactly once: a=" + a + " b=" + b);
        assertEquals(jobs, new HashSet<>(all).size(), "no job claimed twice: a=" + a + " b=" + b);
        for (long id : a) assertEquals("worker-a", store.job(id).orElseThrow().leaseOwner());
        for (long id : b) assertEquals("worker-b", store.job(id).orElseThrow().leaseOwner());
    }

    @Test
    void anExpiredLeaseGoesToTheNextWorkerAndTheOldOwnersResultIsDropped() throws Exception {
        PrecompileStore.Job job = store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, OK, 3);
        assertTrue(store.claim("dies", "tc", 1_000).isPresent());
        assertTrue(store.claim("other", "tc", 60_000).isEmpty(), "the lease is still valid");
        Thread.sleep(1_100);
        PrecompileStore.Job retaken = store.claim("other", "tc", 60_000).orElseThrow();
        assertEquals(job.id(), retaken.id());
        assertEquals(2, retaken.attempts());
        assertFalse(store.heartbeat(job.id(), "dies", 60_000));
        assertFalse(store.finish(job.id(), "dies", JobState.VERIFIED, "b".repeat(64), 1L, "{}", "[]", null));
        assertTrue(store.finish(job.id(), "other", JobState.VERIFIED, "c".repeat(64), 1L, "{}", "[]", null));
        assertFalse(store.servable("b".repeat(64)));
        assertEquals("c".repeat(64), store.job(job.id()).orElseThrow().artifactSha256());
    }

    @Test
    void failuresAreRetriedWithBackoffThenFailForGoodAndAdminsCanRetry() throws Exception {
        PrecompileStore.Job job = store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, OK, 2);
        store.claim("w", "tc", 60_000).orElseThrow();
        assertTrue(store.fail(job.id(), "w", "boom", 60_000, "[]", false));
        PrecompileStore.Job queued = store.job(job.id()).orElseThrow();
        assertEquals(JobState.QUEUED, queued.state());
        assertTrue(queued.nextAttemptAt() >= System.currentTimeMillis() + 50_000, "backoff of a minute");
        assertTrue(store.claim("w", "tc", 60_000).isEmpty(), "not due yet");

        PrecompileStore.Job soon = store.upsertJob(version, new FeatureSet(false, List.of()), "tc", "request", 1, OK, 2);
        store.claim("w", "tc", 60_000).orElseThrow();
        assertTrue(store.fail(soon.id(), "w", "first", 1, "[]", false));
        Thread.sleep(20);
        assertEquals(soon.id(), store.claim("w", "tc", 60_000).orElseThrow().id());
        assertTrue(store.fail(soon.id(), "w", "second", 1, "[]", false));
        PrecompileStore.Job failed = store.job(soon.id()).orElseThrow();
        assertEquals(JobState.FAILED, failed.state());
        assertEquals("second", failed.lastError());
        Thread.sleep(20);
        assertTrue(store.claim("w", "tc", 60_000).isEmpty());

        assertEquals(JobState.QUEUED, store.retry(soon.id()).orElseThrow().state());
        assertEquals(0, store.job(soon.id()).orElseThrow().attempts());
        assertEquals(soon.id(), store.claim("w", "tc", 60_000).orElseThrow().id());
        // a failure the same inputs would repeat (both builds stopped at the same compile error) is final at once
        assertTrue(store.fail(soon.id(), "w", "the same compile error twice", 1, "[]", true));
        PrecompileStore.Job deterministic = store.job(soon.id()).orElseThrow();
        assertEquals(JobState.FAILED, deterministic.state());
        assertEquals(1, deterministic.attempts());
    }

    @Test
    void theQueueSurvivesARestart() throws Exception {
        PrecompileStore.Job job = store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, OK, 3);
        assertTrue(store.claim("before-restart", "tc", 1_000).isPresent());
        registry.close();
        registry = Registry.start(config(), PrecompileConfig.embedded().withLease(Duration.ofSeconds(1)));
        store = registry.precompile().store();
        Thread.sleep(1_100);
        Optional<PrecompileStore.Job> after = store.claim("after-restart", "tc", 60_000);
        assertEquals(job.id(), after.orElseThrow().id());
        assertEquals(2, after.get().attempts());
    }

    @Test
    void ineligibleJobsAreRecordedNotQueuedAndBecomeQueuedWhenEligible() {
        Eligibility no = Eligibility.of(List.of(new Eligibility.Check(Eligibility.HOST_APIS, Eligibility.Outcome.FAIL, "uses std::fs")));
        PrecompileStore.Job job = store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, no, 3);
        assertEquals(JobState.INELIGIBLE, job.state());
        assertEquals(List.of("host-apis: uses std::fs"), job.checks().failures());
        assertTrue(store.claim("w", "tc", 60_000).isEmpty());
        assertEquals(JobState.QUEUED, store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, OK, 3).state());
        assertEquals(1, store.deny("QUEUED", null), "deny matches names case-insensitively");
        assertTrue(store.claim("w", "tc", 60_000).isEmpty(), "denied jobs are not built");
    }

    @Test
    void requestedJobsComeFirstThenByPriorityThenTheRest() throws Exception {
        String token = PrecompileFixtures.token(registry, "bob", false);
        java.util.Map<String, PrecompileStore.Job> jobs = new java.util.LinkedHashMap<>();
        for (String name : List.of("rest", "popular", "niche", "asked")) {
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, name, "1.0.0", "", "pub fn f() {}\n"));
            jobs.put(name, store.upsertJob(store.version(name, "1.0.0").orElseThrow(), FeatureSet.defaults(), "tc", "default", 0, OK, 3));
        }
        store.setPriority(jobs.get("popular").versionId(), 30);
        store.setPriority(jobs.get("niche").versionId(), 2);
        store.markRequested(jobs.get("asked").versionId(), "default");
        PrecompileStore.Job asked = store.job(jobs.get("asked").id()).orElseThrow();
        assertNotNull(asked.requestedAt());
        store.markRequested(jobs.get("asked").versionId(), "default");
        assertEquals(asked.requestedAt(), store.job(asked.id()).orElseThrow().requestedAt(), "the first ask counts");

        List<String> expected = List.of("asked", "popular", "niche", "rest");
        assertEquals(expected, store.recentJobs(JobState.QUEUED, 10).stream().map(PrecompileStore.Job::crate)
                .filter(expected::contains).toList(), "the queue is listed in build order");
        List<String> claimed = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) store.claim("w", "tc", 60_000).ifPresent(j -> claimed.add(j.crate()));
        assertEquals(expected, claimed);
    }

    @Test
    void runningJobsShowTheirPhaseAndTheQueueItsLengthAndAverage() {
        store.upsertJob(version, FeatureSet.defaults(), "tc", "default", 0, OK, 3);
        store.upsertJob(version, new FeatureSet(false, List.of()), "tc", "default", 0, OK, 3);
        PrecompileStore.QueueStats before = store.queueStats(20);
        assertEquals(2, before.queued());
        assertEquals(0, before.running());
        assertNull(before.averageBuildMillis(), "no job verified yet");

        PrecompileStore.Job job = store.claim("w1", "tc", 60_000).orElseThrow();
        assertEquals("claimed", job.phase());
        store.setPhase(job.id(), "w1", "build a-1: cargo build -j2 under bubblewrap");
        store.setPhase(job.id(), "someone-else", "not my job");
        assertEquals("build a-1: cargo build -j2 under bubblewrap", store.job(job.id()).orElseThrow().phase());
        assertEquals(1, store.queueStats(20).running());
        assertEquals(1, store.queueStats(20).queued());

        assertTrue(store.finish(job.id(), "w1", JobState.VERIFIED, "ab".repeat(32), 10L, "{}", "[]", null));
        PrecompileStore.QueueStats after = store.queueStats(20);
        assertEquals(0, after.running());
        assertEquals(1, after.recentBuilds());
        PrecompileStore.Job done = store.job(job.id()).orElseThrow();
        assertEquals(done.finishedAt() - done.startedAt(), after.averageBuildMillis());
    }

    @Test
    void dependencyCacheEntriesAreSharedThroughTheBlobStoreAndTheFirstStoredWins() throws Exception {
        var blobs = new dev.sandcrate.registry.storage.LocalBlobStore(tmp.resolve("shared-blobs"));
        BlobDependencyCache workerA = new BlobDependencyCache(store, blobs);
        BlobDependencyCache workerB = new BlobDependencyCache(store, blobs);
        var syn = new dev.sandcrate.precompile.pipeline.DependencyCache.Dependency("syn", "2.0.0", "5".repeat(64));
        assertNull(workerA.get(syn));
        workerA.put(syn, "entry of a".getBytes());
        workerB.put(syn, "entry of b".getBytes());
        assertArrayEquals("entry of a".getBytes(), workerB.get(syn), "a second worker reads the first one's entry");
        assertArrayEquals(new long[]{1, 10}, store.dependencyCacheSize());
        assertThrows(IllegalArgumentException.class, () -> workerA.get(new dev.sandcrate.precompile.pipeline.DependencyCache.Dependency("x", "1", "../etc")));
    }
}

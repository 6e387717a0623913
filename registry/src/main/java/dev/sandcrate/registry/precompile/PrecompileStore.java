package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.crates.PublishedVersions;
import dev.sandcrate.registry.crates.PublishedVersions.VersionRef;
import dev.sandcrate.registry.crates.ReverseDependencies;
import dev.sandcrate.registry.db.Database;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.precompile.eligibility.FeatureDemand;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The precompile service's tables (migration V2): eligibility analyses, the durable job queue (one row per
 * version + feature set + toolchain, which also holds the one artifact), consumer requests and operator overrides.
 * <p>
 * Queue protocol: a worker claims the oldest due job ({@code queued} and due, or {@code running} with an expired
 * lease) with {@code SELECT ... FOR UPDATE SKIP LOCKED} and a guarded update, renews its lease while building, and
 * finishes only while it still holds the lease. A worker that dies loses the lease; another one retries the job.
 */
public final class PrecompileStore {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Jdbi jdbi;

    public PrecompileStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    public record Analysis(long versionId, boolean procMacro, Eligibility eligibility, long analyzedAt) {
    }

    public record Job(long id, long versionId, String crate, String num, String featureKey, FeatureSet features,
                      String toolchain, String origin, double demand, JobState state, Eligibility checks, int attempts,
                      int maxAttempts, long nextAttemptAt, String leaseOwner, Long leaseUntil, String lastError,
                      long createdAt, Long startedAt, Long finishedAt, String artifactSha256, Long artifactSize,
                      String buildRecord, String logs, Long requestedAt, double priority, String phase, Long phaseAt) {
    }

    /** The queue at a glance: how many jobs wait and run, and how long recent verified builds took. */
    public record QueueStats(long queued, long due, long running, Long averageBuildMillis, int recentBuilds) {
    }

    public record Request(String featureKey, FeatureSet features, long requests, long misses, long lastRequestedAt) {
    }

    /** An allow or deny entry an admin added, with the reason given (null when none was). */
    public record PolicyEntry(long id, String entry, String action, String createdBy, long createdAt, String reason) {
    }

    // ---------------------------------------------------------------- versions and analyses

    /** Versions published since the last analysis (or whose analysis was dropped for re-analysis), oldest first. */
    public List<VersionRef> unanalyzed() {
        // the planner asks every 30 s and after every publish: the usual answers (nothing, or the few versions published
        // since the newest analysis) come from counts and a range, not from a list of every version's id.
        // Read in this order (analyses, newer ids, count) so that a publish racing these reads can't hide a gap.
        long[] seen = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*), COALESCE(MAX(version_id), 0) FROM precompile_analyses")
                .map((rs, ctx) -> new long[] {rs.getLong(1), rs.getLong(2)}).one());
        List<Long> newer = PublishedVersions.idsAfter(jdbi, seen[1]);
        // every analysis is of a published version (foreign key): when the counts add up, no version below the
        // newest analysed one lacks an analysis
        if (seen[0] + newer.size() >= PublishedVersions.count(jdbi)) return PublishedVersions.withIds(jdbi, newer);
        // analyses below the newest were dropped (re-analysis), or a version committed after a higher id: compare all
        Set<Long> analyzed = new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT version_id FROM precompile_analyses")
                .mapTo(Long.class).list()));
        return PublishedVersions.withIds(jdbi, PublishedVersions.allIds(jdbi).stream().filter(id -> !analyzed.contains(id)).toList());
    }

    public Optional<VersionRef> version(String crate, String num) {
        return PublishedVersions.find(jdbi, crate, num);
    }

    public Optional<VersionRef> version(long id) {
        return PublishedVersions.withId(jdbi, id);
    }

    /** Versions of a crate that were analysed as proc-macro crates. */
    public List<VersionRef> macroVersions(String crate) {
        List<VersionRef> versions = PublishedVersions.ofCrate(jdbi, crate);
        Set<Long> macros = new HashSet<>();
        for (List<Long> ids : Database.idChunks(versions.stream().map(VersionRef::id).toList())) {
            macros.addAll(jdbi.withHandle(h -> h.createQuery("SELECT version_id FROM precompile_analyses WHERE proc_macro AND version_id IN (<ids>)")
                    .bindList("ids", ids).mapTo(Long.class).list()));
        }
        return versions.stream().filter(v -> macros.contains(v.id())).toList();
    }

    /** Every version analysed as a proc-macro crate. */
    public List<VersionRef> allMacroVersions() {
        return PublishedVersions.withIds(jdbi, jdbi.withHandle(h -> h.createQuery("SELECT version_id FROM precompile_analyses WHERE proc_macro")
                .mapTo(Long.class).list()));
    }

    public void saveAnalysis(long versionId, boolean procMacro, Eligibility eligibility, List<String> unresolved) {
        String waiting = unresolved.isEmpty() ? null : "," + String.join(",", unresolved) + ",";
        retryingOnceOnUniqueViolation(() -> jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM precompile_analyses WHERE version_id = :v").bind("v", versionId).execute();
            h.createUpdate("""
                            INSERT INTO precompile_analyses (version_id, proc_macro, eligible, checks, unresolved, analyzed_at)
                            VALUES (:v, :p, :e, :c, :u, :t)""")
                    .bind("v", versionId).bind("p", procMacro).bind("e", eligibility.eligible()).bind("c", json(eligibility))
                    .bind("u", waiting).bind("t", System.currentTimeMillis()).execute();
        }));
    }

    /**
     * Registry processes sharing one database each plan: two may insert the same analysis or job at once. The loser's
     * transaction fails on the unique constraint; run once more, it finds the winner's row and updates that.
     */
    private static void retryingOnceOnUniqueViolation(Runnable op) {
        retryingOnceOnUniqueViolation(() -> {
            op.run();
            return null;
        });
    }

    private static <T> T retryingOnceOnUniqueViolation(java.util.function.Supplier<T> op) {
        try {
            return op.get();
        } catch (RuntimeException e) {
            if (!Database.isUniqueViolation(e)) throw e;
            return op.get();
        }
    }

    public Optional<Analysis> analysis(long versionId) {
        return jdbi.withHandle(h -> h.createQuery("SELECT version_id, proc_macro, checks, analyzed_at FROM precompile_analyses WHERE version_id = :v")
                .bind("v", versionId)
                .map((rs, ctx) -> new Analysis(rs.getLong(1), rs.getBoolean(2), read(rs.getString(3), Eligibility.class), rs.getLong(4)))
                .findOne());
    }

    /** Drops the analyses that were missing {@code crate}, so the planner analyses those versions again. */
    public int reopenAnalysesWaitingFor(String crate) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM precompile_analyses WHERE unresolved LIKE :p ESCAPE '!'")
                .bind("p", "%," + likeEscape(crate) + ",%").execute());
    }

    /** Drops every analysis of a crate (after an operator allow/deny change). */
    public void reopenAnalysesOf(String crate) {
        for (List<Long> ids : Database.idChunks(PublishedVersions.idsOf(jdbi, crate))) {
            jdbi.useHandle(h -> h.createUpdate("DELETE FROM precompile_analyses WHERE version_id IN (<ids>)").bindList("ids", ids).execute());
        }
    }

    /** Every published version of another crate that declares a dependency on {@code crate}, with its crate's downloads. */
    public List<FeatureDemand.Dependent> dependentsOf(String crate) {
        return ReverseDependencies.of(jdbi, crate).stream().map(d -> new FeatureDemand.Dependent(d.entry(), d.crateDownloads())).toList();
    }

    // ---------------------------------------------------------------- jobs

    private static final String JOB_SELECT = """
            SELECT id, version_id, crate_name, num, feature_key, features, toolchain, origin, demand, state, checks, attempts,
                   max_attempts, next_attempt_at, lease_owner, lease_until, last_error, created_at, started_at, finished_at,
                   artifact_sha256, artifact_size, build_record, logs, requested_at, priority, phase, phase_at FROM precompile_jobs""";
    /** The order workers claim due jobs in: asked-for first, then by priority, then oldest due. */
    static final String BUILD_ORDER = "CASE WHEN requested_at IS NULL THEN 1 ELSE 0 END, priority DESC, next_attempt_at, id";

    private static final RowMapper<Job> JOB_MAPPER = (rs, ctx) -> new Job(rs.getLong(1), rs.getLong(2), rs.getString(3),
            rs.getString(4), rs.getString(5), read(rs.getString(6), FeatureSet.class), rs.getString(7), rs.getString(8),
            rs.getDouble(9), JobState.fromLabel(rs.getString(10)), rs.getString(11) == null ? null : read(rs.getString(11), Eligibility.class),
            rs.getInt(12), rs.getInt(13), rs.getLong(14), rs.getString(15), (Long) rs.getObject(16, Long.class), rs.getString(17),
            rs.getLong(18), rs.getObject(19, Long.class), rs.getObject(20, Long.class), rs.getString(21),
            rs.getObject(22, Long.class), rs.getString(23), rs.getString(24), rs.getObject(25, Long.class), rs.getDouble(26),
            rs.getString(27), rs.getObject(28, Long.class));

    /**
     * Records that {@code version} should be built with {@code features} on {@code toolchain}: inserts the job
     * (queued if eligible, else ineligible with the reasons), or updates an existing one's demand and eligibility.
     * A job that is queued, running or finished keeps its state; an ineligible one becomes queued once eligible.
     */
    public Job upsertJob(VersionRef version, FeatureSet features, String toolchain, String origin, double demand,
                         Eligibility eligibility, int maxAttempts) {
        return retryingOnceOnUniqueViolation(() -> jdbi.inTransaction(h -> {
            Optional<Job> existing = findJob(h, version.id(), features.key(), toolchain);
            long now = System.currentTimeMillis();
            if (existing.isEmpty()) {
                long id = h.createUpdate("""
                                INSERT INTO precompile_jobs (version_id, crate_name, num, feature_key, features, toolchain, origin, demand,
                                    state, checks, max_attempts, next_attempt_at, created_at)
                                VALUES (:v, :c, :n, :k, :f, :t, :o, :d, :s, :ch, :m, :now, :now)""")
                        .bind("v", version.id()).bind("c", version.crate()).bind("n", version.num()).bind("k", features.key())
                        .bind("f", json(features)).bind("t", toolchain).bind("o", origin).bind("d", demand)
                        .bind("s", (eligibility.eligible() ? JobState.QUEUED : JobState.INELIGIBLE).label()).bind("ch", json(eligibility))
                        .bind("m", maxAttempts).bind("now", now)
                        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                return findJob(h, id).orElseThrow();
            }
            Job job = existing.get();
            JobState state = job.state();
            if (state == JobState.INELIGIBLE && eligibility.eligible()) state = JobState.QUEUED;
            else if (state == JobState.QUEUED && !eligibility.eligible()) state = JobState.INELIGIBLE;
            h.createUpdate("""
                            UPDATE precompile_jobs SET demand = :d, checks = :ch, state = :s,
                                next_attempt_at = CASE WHEN :s = 'queued' AND state <> 'queued' THEN :now ELSE next_attempt_at END
                            WHERE id = :id""")
                    .bind("d", Math.max(demand, job.demand())).bind("ch", json(eligibility)).bind("s", state.label())
                    .bind("now", now).bind("id", job.id()).execute();
            return findJob(h, job.id()).orElseThrow();
        }));
    }

    /**
     * Takes the next due job for {@code toolchain}: queued and due, or running with an expired lease (its worker
     * died). Returns it with the lease held by {@code owner}, or empty when there is nothing to do.
     */
    public Optional<Job> claim(String owner, String toolchain, long leaseMillis) {
        return jdbi.inTransaction(h -> {
            long now = System.currentTimeMillis();
            Optional<Long> id = h.createQuery("""
                            SELECT id FROM precompile_jobs
                            WHERE toolchain = :t AND ((state = 'queued' AND next_attempt_at <= :now) OR (state = 'running' AND lease_until < :now))
                            ORDER BY %s
                            FETCH FIRST 1 ROWS ONLY
                            FOR UPDATE SKIP LOCKED""".formatted(BUILD_ORDER))
                    .bind("t", toolchain).bind("now", now).mapTo(Long.class).findOne();
            if (id.isEmpty()) return Optional.<Job>empty();
            int n = h.createUpdate("""
                            UPDATE precompile_jobs SET state = 'running', lease_owner = :o, lease_until = :u, attempts = attempts + 1,
                                started_at = :now, finished_at = NULL, phase = 'claimed', phase_at = :now
                            WHERE id = :id AND ((state = 'queued' AND next_attempt_at <= :now) OR (state = 'running' AND lease_until < :now))""")
                    .bind("o", owner).bind("u", now + leaseMillis).bind("now", now).bind("id", id.get()).execute();
            return n == 1 ? findJob(h, id.get()) : Optional.<Job>empty();
        });
    }

    /** What {@link #installArtifact} did. */
    public enum Installed { INSTALLED, ALREADY_PRESENT }

    /**
     * Records an artifact verified at another registry (carried in a mirror bundle) as the verified job of
     * {@code version} + {@code features} + {@code toolchain}; its blob must already be in the artifact store. A missing
     * row is inserted; a queued, failed or ineligible one is upgraded (the artifact is reproducible, its build record
     * holds both builds' hashes, and {@code sandcrate rebuild} can check it bit for bit). The same verified artifact is
     * already present. Any other state (another verified artifact, a build running now, a rejected build, an operator
     * deny) is refused with why: never an overwrite. Later planning keeps a verified row as it is ({@link #upsertJob}).
     */
    public Installed installArtifact(VersionRef version, FeatureSet features, String toolchain, String origin,
                                     String artifactSha256, long artifactSize, String buildRecord) {
        return jdbi.inTransaction(h -> {
            Optional<Job> existing = findJob(h, version.id(), features.key(), toolchain);
            long now = System.currentTimeMillis();
            if (existing.isEmpty()) {
                h.createUpdate("""
                                INSERT INTO precompile_jobs (version_id, crate_name, num, feature_key, features, toolchain, origin, state,
                                    max_attempts, next_attempt_at, created_at, finished_at, artifact_sha256, artifact_size, build_record)
                                VALUES (:v, :c, :n, :k, :f, :t, :o, 'verified', 0, :now, :now, :now, :a, :z, :r)""")
                        .bind("v", version.id()).bind("c", version.crate()).bind("n", version.num()).bind("k", features.key())
                        .bind("f", json(features)).bind("t", toolchain).bind("o", origin).bind("now", now)
                        .bind("a", artifactSha256).bind("z", artifactSize).bind("r", buildRecord).execute();
                return Installed.INSTALLED;
            }
            Job job = existing.get();
            if (job.state() == JobState.VERIFIED && artifactSha256.equals(job.artifactSha256())) return Installed.ALREADY_PRESENT;
            String here = "this registry's job " + job.id() + " for " + version.crate() + " " + version.num() + " [" + features.key() + "]";
            switch (job.state()) {
                case VERIFIED -> throw new IllegalStateException(here + " is verified with another artifact (sha256 "
                        + job.artifactSha256() + "); the same build inputs must give the same bytes, so one of the two registries"
                        + " differs: compare them with `sandcrate rebuild`");
                case QUEUED, FAILED, INELIGIBLE -> {
                    int n = h.createUpdate("""
                                    UPDATE precompile_jobs SET state = 'verified', origin = :o, artifact_sha256 = :a, artifact_size = :z,
                                        build_record = :r, logs = NULL, last_error = NULL, finished_at = :now
                                    WHERE id = :id AND state = :s""")
                            .bind("o", origin).bind("a", artifactSha256).bind("z", artifactSize).bind("r", buildRecord)
                            .bind("now", now).bind("id", job.id()).bind("s", job.state().label()).execute();
                    if (n != 1) throw new IllegalStateException(here + " changed while importing; import again");
                    return Installed.INSTALLED;
                }
                default -> throw new IllegalStateException(here + " is " + job.state()
                        + (job.state() == JobState.DENIED ? " (an operator denied the crate)" : job.state() == JobState.RUNNING
                        ? " (being built here right now; import again when it has finished)" : " (" + job.lastError() + ")"));
            }
        });
    }

    /** Extends the lease; false when {@code owner} no longer holds the job (it expired and another worker took it). */
    public boolean heartbeat(long id, String owner, long leaseMillis) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE precompile_jobs SET lease_until = :u WHERE id = :id AND lease_owner = :o AND state = 'running'""")
                .bind("u", System.currentTimeMillis() + leaseMillis).bind("id", id).bind("o", owner).execute()) == 1;
    }

    /**
     * Finishes a job the owner still holds: {@code verified} with its artifact, or {@code rejected} (the two builds
     * differ, or the module is invalid; never served). False when the lease was lost: the result is dropped.
     */
    public boolean finish(long id, String owner, JobState state, String artifactSha256, Long artifactSize, String buildRecord,
                          String logs, String error) {
        boolean kept = jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE precompile_jobs SET state = :s, artifact_sha256 = :a, artifact_size = :z, build_record = :r, logs = :l,
                            last_error = :e, finished_at = :now, lease_owner = NULL, lease_until = NULL
                        WHERE id = :id AND lease_owner = :o AND state = 'running'""")
                .bind("s", state.label()).bind("a", artifactSha256).bind("z", artifactSize).bind("r", buildRecord).bind("l", logs)
                .bind("e", error).bind("now", System.currentTimeMillis()).bind("id", id).bind("o", owner).execute()) == 1;
        if (kept) buildEnded(id, state.label());
        return kept;
    }

    /**
     * A failed attempt: queued again after {@code backoff * 2^(attempts-1)}, or failed for good after the last attempt, or
     * at once when it is {@code deterministic} (the same inputs fail the same way, so a retry could only fail again).
     */
    public boolean fail(long id, String owner, String error, long backoffMillis, String logs, boolean deterministic) {
        String[] outcome = new String[1];
        boolean kept = jdbi.inTransaction(h -> {
            Optional<Job> job = findJob(h, id);
            if (job.isEmpty() || !owner.equals(job.get().leaseOwner()) || job.get().state() != JobState.RUNNING) return false;
            boolean last = deterministic || job.get().attempts() >= job.get().maxAttempts();
            long now = System.currentTimeMillis();
            long delay = backoffMillis << Math.min(20, Math.max(0, job.get().attempts() - 1));
            outcome[0] = last ? JobState.FAILED.label() : "retry";
            return h.createUpdate("""
                            UPDATE precompile_jobs SET state = :s, last_error = :e, next_attempt_at = :next, logs = :l,
                                finished_at = :now, lease_owner = NULL, lease_until = NULL
                            WHERE id = :id AND lease_owner = :o AND state = 'running'""")
                    .bind("s", (last ? JobState.FAILED : JobState.QUEUED).label()).bind("e", error).bind("next", now + delay).bind("l", logs)
                    .bind("now", now).bind("id", id).bind("o", owner).execute() == 1;
        });
        if (kept) buildEnded(id, outcome[0]);
        return kept;
    }

    /** Hears every build attempt that ends in this process: its outcome and how long it ran (for metrics). */
    public interface BuildListener {
        /** @param outcome verified, rejected, retry (failed, queued again) or failed (for good) */
        void buildEnded(String outcome, java.time.Duration took);
    }

    private volatile BuildListener buildListener;

    public void onBuildEnded(BuildListener listener) {
        this.buildListener = listener;
    }

    private void buildEnded(long id, String outcome) {
        BuildListener l = buildListener;
        if (l == null) return;
        job(id).filter(j -> j.startedAt() != null && j.finishedAt() != null)
                .ifPresent(j -> l.buildEnded(outcome, java.time.Duration.ofMillis(j.finishedAt() - j.startedAt())));
    }

    /** How many jobs are in each state (queue depth: {@code queued}), over every toolchain; states without jobs are absent. */
    public Map<JobState, Long> jobCountsByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        jdbi.useHandle(h -> h.createQuery("SELECT state, COUNT(*) FROM precompile_jobs GROUP BY state")
                .map((rs, ctx) -> Map.entry(JobState.fromLabel(rs.getString(1)), rs.getLong(2)))
                .forEach(e -> counts.put(e.getKey(), e.getValue())));
        return counts;
    }

    /** Admin retry: a finished or failed job goes back to the queue with fresh attempts. */
    public Optional<Job> retry(long id) {
        return jdbi.inTransaction(h -> {
            Optional<Job> job = findJob(h, id);
            if (job.isEmpty()) return Optional.<Job>empty();
            if (List.of(JobState.QUEUED, JobState.RUNNING, JobState.VERIFIED).contains(job.get().state())) return job;
            h.createUpdate("""
                            UPDATE precompile_jobs SET state = 'queued', attempts = 0, next_attempt_at = :now, last_error = NULL
                            WHERE id = :id""").bind("now", System.currentTimeMillis()).bind("id", id).execute();
            return findJob(h, id);
        });
    }

    /** Operator deny: every job of the crate (or one version) stops being built and served. Returns how many. */
    public int deny(String crate, String num) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE precompile_jobs SET state = 'denied', lease_owner = NULL, lease_until = NULL
                        WHERE LOWER(crate_name) = LOWER(:c) AND state <> 'denied'""" + versionFilter(num))
                .bind("c", crate).bindMap(num == null ? java.util.Map.of() : java.util.Map.of("n", num)).execute());
    }

    /** Lifting a deny: verified artifacts are served again, everything else is planned again. */
    public void undeny(String crate, String num) {
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                            UPDATE precompile_jobs SET state = 'verified'
                            WHERE LOWER(crate_name) = LOWER(:c) AND state = 'denied' AND artifact_sha256 IS NOT NULL""" + versionFilter(num))
                    .bind("c", crate).bindMap(num == null ? java.util.Map.of() : java.util.Map.of("n", num)).execute();
            h.createUpdate("""
                            UPDATE precompile_jobs SET state = 'ineligible'
                            WHERE LOWER(crate_name) = LOWER(:c) AND state = 'denied'""" + versionFilter(num))
                    .bind("c", crate).bindMap(num == null ? java.util.Map.of() : java.util.Map.of("n", num)).execute();
        });
    }

    /**
     * A consumer asked for this version's feature set (the view served its source, {@code why}, or the API): its job
     * goes to the front of the queue. The first ask counts; later ones do not push others back.
     */
    public void markRequested(long versionId, String featureKey) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE precompile_jobs SET requested_at = :now
                        WHERE version_id = :v AND feature_key = :k AND requested_at IS NULL""")
                .bind("now", System.currentTimeMillis()).bind("v", versionId).bind("k", featureKey).execute());
    }

    /** The build priority of every job of a version (dependent crates x (downloads + 1), from the planner). */
    public void setPriority(long versionId, double priority) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE precompile_jobs SET priority = :p WHERE version_id = :v AND priority <> :p")
                .bind("p", priority).bind("v", versionId).execute());
    }

    /** The macro crate's download count (0 if unknown). */
    public long downloads(String crate) {
        return PublishedVersions.crateDownloads(jdbi, crate);
    }

    /** A running job's current step, written by the worker holding it (ignored once it lost the lease). */
    public void setPhase(long id, String owner, String phase) {
        String text = phase.length() > 500 ? phase.substring(0, 497) + "..." : phase;
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE precompile_jobs SET phase = :p, phase_at = :now WHERE id = :id AND lease_owner = :o AND state = 'running'""")
                .bind("p", text).bind("now", System.currentTimeMillis()).bind("id", id).bind("o", owner).execute());
    }

    /** Queue length and the average wall time of the last {@code recent} verified jobs (claim to finish). */
    public QueueStats queueStats(int recent) {
        return jdbi.withHandle(h -> {
            long now = System.currentTimeMillis();
            long queued = h.createQuery("SELECT COUNT(*) FROM precompile_jobs WHERE state = 'queued'").mapTo(Long.class).one();
            long due = h.createQuery("SELECT COUNT(*) FROM precompile_jobs WHERE state = 'queued' AND next_attempt_at <= :now")
                    .bind("now", now).mapTo(Long.class).one();
            long running = h.createQuery("SELECT COUNT(*) FROM precompile_jobs WHERE state = 'running'").mapTo(Long.class).one();
            List<Long> durations = h.createQuery("""
                            SELECT finished_at - started_at FROM precompile_jobs
                            WHERE state = 'verified' AND started_at IS NOT NULL AND finished_at IS NOT NULL
                            ORDER BY finished_at DESC FETCH FIRST :n ROWS ONLY""")
                    .bind("n", recent).mapTo(Long.class).list();
            Long average = durations.isEmpty() ? null : durations.stream().mapToLong(Long::longValue).sum() / durations.size();
            return new QueueStats(queued, due, running, average, durations.size());
        });
    }

    // ---------------------------------------------------------------- dependency cache

    /** The entry blob (sha256) stored for a dependency cache key, if any. */
    public Optional<String> dependencyCacheEntry(String key) {
        return jdbi.withHandle(h -> h.createQuery("SELECT entry_sha256 FROM precompile_dependency_cache WHERE cache_key = :k")
                .bind("k", key).mapTo(String.class).findOne());
    }

    /** Records an entry (whose blob is stored already); a key stored first by another worker keeps its entry. */
    public void putDependencyCacheEntry(String key, String label, String entrySha256, long size) {
        jdbi.useHandle(h -> {
            if (h.createQuery("SELECT COUNT(*) FROM precompile_dependency_cache WHERE cache_key = :k").bind("k", key).mapTo(Long.class).one() > 0) {
                return;
            }
            try {
                h.createUpdate("""
                                INSERT INTO precompile_dependency_cache (cache_key, label, entry_sha256, entry_size, stored_at)
                                VALUES (:k, :l, :s, :z, :now)""")
                        .bind("k", key).bind("l", label).bind("s", entrySha256).bind("z", size).bind("now", System.currentTimeMillis()).execute();
            } catch (RuntimeException e) {
                if (!Database.isUniqueViolation(e)) throw e; // another worker stored the same key at the same time: both are verified
            }
        });
    }

    /** Entries in the dependency cache and their total size, for the operator. */
    public long[] dependencyCacheSize() {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*), COALESCE(SUM(entry_size), 0) FROM precompile_dependency_cache")
                .map((rs, ctx) -> new long[]{rs.getLong(1), rs.getLong(2)}).one());
    }

    public Optional<Job> job(long id) {
        return jdbi.withHandle(h -> findJob(h, id));
    }

    /**
     * The most recent jobs, optionally in one state, newest first (the operator's view of the queue); queued jobs
     * in the order workers will take them.
     */
    public List<Job> recentJobs(JobState state, int limit) {
        String order = state == JobState.QUEUED ? BUILD_ORDER : "id DESC";
        return jdbi.withHandle(h -> h.createQuery(JOB_SELECT + (state == null ? "" : " WHERE state = :s") + " ORDER BY " + order + " FETCH FIRST :n ROWS ONLY")
                .bindMap(state == null ? java.util.Map.of() : java.util.Map.of("s", state.label())).bind("n", limit).map(JOB_MAPPER).list());
    }

    public List<Job> jobsOf(long versionId) {
        return jdbi.withHandle(h -> h.createQuery(JOB_SELECT + " WHERE version_id = :v ORDER BY id").bind("v", versionId).map(JOB_MAPPER).list());
    }

    /** Only a verified (and not denied) job's artifact may be served. */
    public boolean servable(String artifactSha256) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM precompile_jobs WHERE artifact_sha256 = :a AND state = 'verified'")
                .bind("a", artifactSha256).mapTo(Integer.class).one()) > 0;
    }

    /** Whether a log blob belongs to some job (logs of rejected and failed builds are served too). */
    public boolean hasLog(String sha256) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM precompile_jobs WHERE logs LIKE :p")
                .bind("p", "%\"" + sha256 + "\"%").mapTo(Integer.class).one()) > 0;
    }

    private static Optional<Job> findJob(Handle h, long id) {
        return h.createQuery(JOB_SELECT + " WHERE id = :id").bind("id", id).map(JOB_MAPPER).findOne();
    }

    private static Optional<Job> findJob(Handle h, long versionId, String featureKey, String toolchain) {
        return h.createQuery(JOB_SELECT + " WHERE version_id = :v AND feature_key = :k AND toolchain = :t")
                .bind("v", versionId).bind("k", featureKey).bind("t", toolchain).map(JOB_MAPPER).findOne();
    }

    // ---------------------------------------------------------------- consumer requests

    public void recordRequest(long versionId, FeatureSet features, boolean miss) {
        jdbi.useTransaction(h -> {
            long now = System.currentTimeMillis();
            int n = h.createUpdate("""
                            UPDATE precompile_requests SET requests = requests + 1, misses = misses + :m, last_requested_at = :now
                            WHERE version_id = :v AND feature_key = :k""")
                    .bind("m", miss ? 1 : 0).bind("now", now).bind("v", versionId).bind("k", features.key()).execute();
            if (n == 0) {
                h.createUpdate("""
                                INSERT INTO precompile_requests (version_id, feature_key, features, requests, misses, last_requested_at)
                                VALUES (:v, :k, :f, 1, :m, :now)""")
                        .bind("v", versionId).bind("k", features.key()).bind("f", json(features)).bind("m", miss ? 1 : 0)
                        .bind("now", now).execute();
            }
        });
    }

    public List<Request> requestsOf(long versionId) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT feature_key, features, requests, misses, last_requested_at FROM precompile_requests
                        WHERE version_id = :v ORDER BY requests DESC, feature_key""")
                .bind("v", versionId)
                .map((rs, ctx) -> new Request(rs.getString(1), read(rs.getString(2), FeatureSet.class), rs.getLong(3), rs.getLong(4), rs.getLong(5)))
                .list());
    }

    // ---------------------------------------------------------------- operator policy

    public List<PolicyEntry> policyEntries() {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, entry, action, created_by, created_at, reason FROM precompile_policy ORDER BY id")
                .map((rs, ctx) -> new PolicyEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6)))
                .list());
    }

    /** Adds an allow or deny entry with its reason, or null (replacing the opposite one for the same entry). */
    public void setPolicy(String entry, String action, String by, String reason) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM precompile_policy WHERE entry = :e").bind("e", entry).execute();
            h.createUpdate("INSERT INTO precompile_policy (entry, action, created_by, created_at, reason) VALUES (:e, :a, :b, :t, :r)")
                    .bind("e", entry).bind("a", action).bind("b", by).bind("t", System.currentTimeMillis()).bind("r", reason).execute();
        });
    }

    public boolean removePolicy(String entry) {
        return jdbi.withHandle(h -> h.createUpdate("DELETE FROM precompile_policy WHERE entry = :e").bind("e", entry).execute()) > 0;
    }

    // ---------------------------------------------------------------- helpers

    static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable " + type.getSimpleName() + " in the database: " + e.getMessage(), e);
        }
    }

    private static String likeEscape(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    private static String versionFilter(String num) {
        return num == null ? "" : " AND num = :n";
    }
}

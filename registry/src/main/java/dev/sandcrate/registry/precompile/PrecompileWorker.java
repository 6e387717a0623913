package dev.sandcrate.registry.precompile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.MacroCrate;
import dev.sandcrate.precompile.pipeline.Precompiler;
import dev.sandcrate.precompile.sandbox.BuildFolder;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;
import dev.sandcrate.registry.storage.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One build worker: claims a job, builds it twice under bubblewrap with the precompiler, and stores the verified
 * artifact, its build record and both build logs in the artifact store. It renews its lease while building; if it
 * loses the lease (it stalled and another worker took the job) it stops the build and drops its result, so a job
 * ends with at most one artifact. Runs in the registry process or in a {@code sandcrate worker} process.
 */
final class PrecompileWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(PrecompileWorker.class);
    /** Build logs are only as small as the sandbox's file size limit makes them: the store keeps each one's end. */
    private static final long MAX_LOG_BYTES = 8L << 20;
    private final PrecompileStore store;
    private final CrateSource crates;
    private final BlobStore artifacts;
    private final Path workRoot;
    private final PrecompileConfig config;
    private final Toolchain toolchain;
    private final String id;
    private final ScheduledExecutorService heartbeats;
    private volatile boolean stopping;
    private volatile Path building;

    PrecompileWorker(PrecompileStore store, CrateSource crates, BlobStore artifacts, Path workRoot, PrecompileConfig config,
                     Toolchain toolchain, ScheduledExecutorService heartbeats, int index) {
        this.store = store;
        this.crates = crates;
        this.artifacts = artifacts;
        this.workRoot = workRoot;
        this.config = config;
        this.toolchain = toolchain;
        this.heartbeats = heartbeats;
        this.id = ManagementFactory.getRuntimeMXBean().getName() + "/w" + index + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    String id() {
        return id;
    }

    /** Stops taking jobs and kills the running build, if any (its job is retried once the lease expires). */
    void stop() {
        stopping = true;
        killBuild(building);
    }

    /**
     * Kills the sandboxed processes of one build (bwrap takes everything inside with it). Threads are not interrupted:
     * an interrupt inside a database call would close H2's file.
     */
    private static void killBuild(Path dir) {
        if (dir == null) return;
        String marker = dir.toString();
        ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(args -> java.util.Arrays.stream(args).anyMatch(a -> a.contains(marker))).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void run() {
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            try {
                var job = store.claim(id, toolchain.identityHash(), config.lease().toMillis());
                if (job.isPresent()) {
                    build(job.get());
                } else {
                    Thread.sleep(config.poll().toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (stopping) break;
                LOG.error("precompile worker {} failed; continuing", id, e);
                sleepQuietly();
            }
        }
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(config.poll().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void build(PrecompileStore.Job job) {
        String label = job.crate() + " " + job.num() + " [" + job.featureKey() + "]";
        Path dir = workRoot.resolve("job-" + job.id() + "-attempt-" + job.attempts() + "-" + id.substring(id.lastIndexOf('/') + 1));
        Path progressLog = dir.resolve("progress.log");
        AtomicBoolean leaseLost = new AtomicBoolean();
        building = dir;
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> {
            if (!leaseLost.get() && !store.heartbeat(job.id(), id, config.lease().toMillis())) {
                leaseLost.set(true);
                LOG.warn("worker {} lost the lease of job {} ({}); stopping its build", id, job.id(), label);
                killBuild(dir);
            }
        }, config.lease().toMillis() / 3, config.lease().toMillis() / 3, TimeUnit.MILLISECONDS);
        LOG.info("worker {} builds job {}: {} (attempt {} of {})", id, job.id(), label, job.attempts(), job.maxAttempts());
        try {
            Files.createDirectories(dir);
            Progress progress = message -> {
                LOG.info("job {}: {}", job.id(), message);
                append(progressLog, message);
                store.setPhase(job.id(), id, message);
            };
            WasmStd.Sysroot sysroot = WasmStd.ensure(toolchain, WasmStd.cacheRoot(), progress);
            BuildLimits d = BuildLimits.defaults();
            BuildLimits limits = new BuildLimits(config.buildTimeout(), Math.max(d.cpuSeconds(), config.buildTimeout().toSeconds() * 2),
                    d.addressSpaceBytes(), d.maxFileBytes());
            Path out = dir.resolve("out");
            BuildRecord record = new Precompiler(toolchain, sysroot, out, limits, progress)
                    .withDependencyCache(new BlobDependencyCache(store, artifacts))
                    .precompile(MacroCrate.of(crates.crateBytes(job.crate(), job.num())), job.features(), crates);
            heartbeat.cancel(false);
            if (leaseLost.get() || stopping) return;
            String logs = storeLogs(record, progressLog, out.resolve("logs"));
            String recordJson = PrecompileStore.json(record);
            boolean kept;
            if (record.verified()) {
                byte[] wasm = Files.readAllBytes(out.resolve(record.artifact()));
                if (!Checksums.sha256Hex(wasm).equals(record.artifactSha256())) {
                    throw new IllegalStateException("the artifact on disk does not match its build record");
                }
                artifacts.put(wasm);
                kept = store.finish(job.id(), id, JobState.VERIFIED, record.artifactSha256(), (long) wasm.length, recordJson, logs, null);
                LOG.info("job {} verified: {} sha256 {} ({} bytes)", job.id(), label, record.artifactSha256(), wasm.length);
            } else {
                kept = store.finish(job.id(), id, JobState.REJECTED, null, null, recordJson, logs, record.rejection());
                LOG.warn("job {} rejected: {}: {} (outputs kept in {})", job.id(), label, record.rejection(), out.resolve("rejected"));
            }
            if (!kept) LOG.warn("worker {} no longer held job {} when it finished; its result was dropped", id, job.id());
            if (record.verified()) FileTrees.delete(dir);
        } catch (RuntimeException | IOException e) {
            heartbeat.cancel(false);
            if (leaseLost.get() || stopping) return; // the job is someone else's now (or will be after a restart)
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            append(progressLog, "FAILED: " + message);
            String logs = storeLogs(null, progressLog, dir.resolve("out").resolve("logs"));
            store.fail(job.id(), id, message, config.retryBackoff().toMillis(), logs,
                    e instanceof dev.sandcrate.precompile.PrecompileException p && p.deterministic());
            // the logs are in the artifact store now; nothing of a failed attempt is worth keeping on disk
            FileTrees.delete(dir);
            LOG.warn("job {} ({}) attempt {} failed: {}", job.id(), label, job.attempts(), message);
        } finally {
            heartbeat.cancel(false);
            building = null;
        }
    }

    /**
     * The progress log and the build logs go to the artifact store (each at most {@link #MAX_LOG_BYTES}, its end kept);
     * returns their list as JSON. A finished job's logs are named by build id, a failed one's by file name.
     */
    private String storeLogs(BuildRecord record, Path progressLog, Path buildLogs) {
        ArrayNode list = PrecompileStore.JSON.createArrayNode();
        try {
            if (Files.isRegularFile(progressLog)) {
                list.addObject().put("build", "progress").put("sha256", artifacts.put(Files.readAllBytes(progressLog)));
            }
            if (record != null) {
                for (BuildRecord.BuildRun run : record.builds()) {
                    Path log = Path.of(run.log());
                    if (Files.isRegularFile(log)) list.addObject().put("build", run.id()).put("sha256", artifacts.put(BuildFolder.tailBytes(log, MAX_LOG_BYTES)));
                }
            } else if (Files.isDirectory(buildLogs)) {
                try (var logs = Files.list(buildLogs)) {
                    for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                        String name = log.getFileName().toString();
                        list.addObject().put("build", name.substring(0, name.length() - 4)).put("sha256", artifacts.put(BuildFolder.tailBytes(log, MAX_LOG_BYTES)));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not store build logs", e);
        }
        return list.toString();
    }

    private static void append(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.sandcrate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.precompile.JobState;
import dev.sandcrate.registry.precompile.PrecompileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.sandcrate.e2e.PrecompileHarness.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Workers as separate {@code sandcrate worker} processes: one is killed (SIGKILL) in the middle of a build; after
 * its lease expires another worker retries the job, and the job ends with one verified artifact, not two.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class PrecompileWorkerKillTest {
    @TempDir
    Path tmp;

    @Test
    void aKilledWorkersJobIsRetriedAndEndsWithOneArtifact() throws Exception {
        Path data = tmp.resolve("data");
        // this registry only plans: the builds happen in the worker processes
        try (Registry registry = Registry.start(RegistryConfig.loopback(data), PrecompileConfig.embedded())) {
            String token = token(registry, "alice", false);
            publish(registry, token, smallMacro(tmp, "shouting", false));
            JsonNode queued = awaitDefault(registry, "shouting", "0.1.0", Duration.ofMinutes(1), s -> s.path("state").asText().equals("queued"));
            long jobId = queued.path("job_id").asLong();

            Process first = startWorker(data, 5, tmp.resolve("worker-1.log"));
            Process second = null;
            try {
                // wait until the first worker is inside the sandboxed build, then kill it
                Path building = awaitBuildStarted(data, jobId, Duration.ofMinutes(3), first, tmp.resolve("worker-1.log"));
                PrecompileStore.Job before = registry.precompile().store().job(jobId).orElseThrow();
                assertEquals(JobState.RUNNING, before.state());
                assertTrue(before.leaseOwner().startsWith(first.pid() + "@"), before.leaseOwner());
                first.destroyForcibly().waitFor();
                System.out.println("killed worker " + first.pid() + " while it built in " + building);

                second = startWorker(data, 5, tmp.resolve("worker-2.log"));
                JsonNode set = awaitDefault(registry, "shouting", "0.1.0", Duration.ofMinutes(4), PrecompileHarness::finished);
                assertEquals("verified", set.path("state").asText(), set.toPrettyString() + "\n" + Files.readString(tmp.resolve("worker-2.log")));
                assertEquals(2, set.path("attempts").asInt(), "the killed attempt counts, the retry finished it");
                PrecompileStore.Job after = registry.precompile().store().job(jobId).orElseThrow();
                assertNull(after.leaseOwner());

                // one job row for the key, one wasm module in the artifact store, and it is the one served
                assertEquals(1, status(registry, "shouting", "0.1.0").path("feature_sets").size());
                List<Path> modules;
                try (Stream<Path> blobs = Files.walk(data.resolve("precompiled/blobs"))) {
                    modules = blobs.filter(Files::isRegularFile).filter(PrecompileWorkerKillTest::isWasm).toList();
                }
                assertEquals(1, modules.size(), modules.toString());
                String sha = set.path("artifact").path("sha256").asText();
                assertEquals(sha, modules.getFirst().getFileName().toString());
                assertEquals(sha, Checksums.sha256Hex(get(set.path("artifact").path("url").asText()).body()));
            } finally {
                first.destroyForcibly().waitFor();
                if (second != null) {
                    second.destroy(); // SIGTERM: the worker's shutdown hook stops it cleanly
                    if (!second.waitFor(30, TimeUnit.SECONDS)) second.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static boolean isWasm(Path p) {
        try (var in = Files.newInputStream(p)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 0 && head[1] == 'a' && head[2] == 's' && head[3] == 'm';
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The job's work folder once its progress log shows the first sandboxed build running. */
    private static Path awaitBuildStarted(Path data, long jobId, Duration timeout, Process worker, Path workerLog) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path work = data.resolve("precompiled/work");
        while (System.nanoTime() < deadline) {
            if (!worker.isAlive()) fail("the worker exited:\n" + Files.readString(workerLog));
            if (Files.isDirectory(work)) {
                try (Stream<Path> dirs = Files.list(work)) {
                    for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith("job-" + jobId + "-")).toList()) {
                        Path progress = dir.resolve("progress.log");
                        if (Files.isRegularFile(progress) && Files.readString(progress).contains("cargo build")) return dir;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the worker did not start building within " + timeout + ":\n" + Files.readString(workerLog));
    }
}

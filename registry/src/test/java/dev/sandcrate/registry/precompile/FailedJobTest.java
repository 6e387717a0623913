package dev.sandcrate.registry.precompile;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A job whose build fails, built by a real worker: it ends failed with the reason and its logs, leaves no folder behind,
 * and, since both builds stop at the same compile error, is not retried.
 */
class FailedJobTest {
    @Test
    void aFailedBuildKeepsItsLogsInTheStoreAndLeavesNoWorkFolder(@TempDir Path tmp) throws Exception {
        PrecompileConfig config = PrecompileConfig.embedded().withWorkers(1).withRetries(3, Duration.ofSeconds(1));
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")), config)) {
            String token = PrecompileFixtures.token(registry, "alice", false);
            PrecompileFixtures.publish(registry, token, PrecompileFixtures.crate(tmp, "broken_macro", "1.0.0", "[lib]\nproc-macro = true\n",
                    "extern crate proc_macro;\nuse proc_macro::TokenStream;\n#[proc_macro]\npub fn same(i: TokenStream) -> TokenStream { i }\n"
                            + "pub fn broken() -> u8 { \"not a number\" }\n"));
            PrecompileStore store = registry.precompile().store();
            long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
            PrecompileStore.Job job;
            do {
                Thread.sleep(1000);
                long versionId = store.version("broken_macro", "1.0.0").orElseThrow().id();
                job = store.jobsOf(versionId).stream().findFirst().orElse(null);
            } while ((job == null || !job.state().equals(JobState.FAILED)) && System.nanoTime() < deadline);
            assertNotNull(job, "no job was planned");
            assertEquals(JobState.FAILED, job.state(), "the job did not fail in time: " + job);
            assertTrue(job.lastError().contains("failed (exit 101)") && job.lastError().contains("mismatched types"), job.lastError());
            assertTrue(job.lastError().startsWith("both builds failed with the same compile error, so it is not retried: error[E0308]"),
                    job.lastError());
            assertEquals(1, job.attempts(), "a compile error comes back on every attempt");
            assertTrue(job.logs().contains("\"build\":\"progress\"") && job.logs().contains("-a-"), "the build log is stored: " + job.logs());
            Path work = tmp.resolve("data/precompiled/work");
            try (Stream<Path> left = Files.exists(work) ? Files.list(work) : Stream.empty()) {
                assertEquals(List.of(), left.toList(), "the failed job's folder stayed in precompiled/work");
            }
        }
    }
}

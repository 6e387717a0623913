package dev.sandcrate.registry.cli;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.mirror.CrateImporter;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import dev.sandcrate.registry.precompile.PrecompileStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WorkerCommandTest {
    @Test
    void refusesADataDirWithoutARegistryAndCreatesNothing(@TempDir Path tmp) {
        Path empty = tmp.resolve("not-a-registry");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new WorkerCommand()).execute("--data-dir", empty.toString());
        } finally {
            System.setErr(old);
        }
        assertEquals(1, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no registry database in " + empty), err.toString(StandardCharsets.UTF_8));
        assertFalse(Files.exists(empty), "nothing is created");
    }

    /**
     * The services a worker builds from its options are the registry's: the crate serve published is readable through
     * them, the job serve queued is claimable, and they refuse to publish (a worker knows no index URL).
     */
    @Test
    void theWorkersServicesAreTheRegistrysAndDoNotPublish(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        String toolchain = "test-toolchain";
        CratePacker.PackedCrate crate = PrecompileFixtures.crate(tmp, "queued", "1.0.0", "", "pub fn f() {}\n");
        try (Registry registry = Registry.start(RegistryConfig.loopback(data))) {
            PrecompileFixtures.publish(registry, PrecompileFixtures.token(registry, "alice", false), crate);
            PrecompileStore store = registry.precompile().store();
            store.upsertJob(store.version("queued", "1.0.0").orElseThrow(), FeatureSet.defaults(), toolchain, "default", 0,
                    Eligibility.of(List.of()), 3);

            WorkerCommand worker = new WorkerCommand();
            new CommandLine(worker).parseArgs("--data-dir", data.toString());
            try (Services services = worker.openServices()) {
                assertArrayEquals(crate.bytes(), services.crates().crateBytes("queued", "1.0.0").orElseThrow());
                PrecompileStore.Job job = new PrecompileStore(services.database().jdbi()).claim("worker-test", toolchain, 60_000).orElseThrow();
                assertEquals("queued", job.crate());
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> services.crates().importCrate(CrateImporter.importerPrincipal(services.users(), "bot"), crate.bytes()));
                assertEquals("this process does not publish", refused.getMessage());
            }
            assertTrue(store.claim("another-worker", toolchain, 60_000).isEmpty(), "serve sees the worker's claim");
        }
    }

    @Test
    void rejectsANonPositiveConcurrency(@TempDir Path tmp) {
        assertEquals(1, new CommandLine(new WorkerCommand()).execute("--data-dir", tmp.toString(), "--concurrency", "0"));
    }
}

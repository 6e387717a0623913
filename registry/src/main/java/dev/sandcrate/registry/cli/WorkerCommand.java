package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.app.Services;
import dev.sandcrate.registry.precompile.PrecompileConfig;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.storage.BlobStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code sandcrate worker}: precompile workers in their own process, taking jobs from the registry's database
 * (H2 beside a running {@code serve} through AUTO_SERVER, or PostgreSQL) and writing artifacts to its store.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Run precompile workers for a registry: take jobs from its database, build each twice in the sandbox,",
                "store verified artifacts. Run as many as you like beside `sandcrate serve`; each job is built by one of them."})
public final class WorkerCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Option(names = "--concurrency", defaultValue = "1", paramLabel = "N", description = "Jobs built at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--lease-seconds", defaultValue = "120", paramLabel = "S",
            description = "How long a job stays with this worker without a heartbeat (default: ${DEFAULT-VALUE}).")
    long leaseSeconds;

    @Option(names = "--build-timeout-minutes", defaultValue = "20", paramLabel = "M",
            description = "Wall-clock limit of each of the two builds (default: ${DEFAULT-VALUE}).")
    long buildTimeoutMinutes;

    /** A worker never publishes, so it needs no index URL (and has no --public-url). */
    Services openServices() {
        return data.openServices(Services.Publishing.NONE);
    }

    @Override
    public Integer call() throws Exception {
        if (concurrency < 1) {
            System.err.println("sandcrate worker: --concurrency must be at least 1");
            return 1;
        }
        if (data.database().embedded() && !java.nio.file.Files.isRegularFile(data.dataDir.resolve("db").resolve("sandcrate.mv.db"))) {
            System.err.println("sandcrate worker: no registry database in " + data.dataDir.toAbsolutePath().normalize()
                    + "; point --data-dir at the folder `sandcrate serve` uses");
            return 1;
        }
        PrecompileConfig d = PrecompileConfig.defaults();
        PrecompileConfig config = new PrecompileConfig(concurrency, d.topFeatureSets(), d.policy(), Duration.ofSeconds(leaseSeconds),
                d.maxAttempts(), d.retryBackoff(), d.poll(), Duration.ofMinutes(buildTimeoutMinutes));
        Services services = openServices();
        PrecompileService service;
        try {
            service = services.precompileWorkers(config);
        } catch (IllegalStateException | IllegalArgumentException | BlobStorage.Unavailable e) {
            services.close();
            System.err.println("sandcrate worker: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            services.close();
            stopped.countDown();
        }, "sandcrate-worker-shutdown"));
        service.start();
        System.out.println("sandcrate: worker running (" + concurrency + " at a time, toolchain "
                + service.toolchain().orElseThrow().identityHash() + ", data " + data.dataDir.toAbsolutePath().normalize() + ", database " + data.database().describe(data.dataDir) + ", " + data.blobs().describe(data.dataDir) + ")");
        System.out.flush();
        stopped.await();
        return 0;
    }
}

package dev.sandcrate.registry.cli;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the registry (blobs under --data-dir; rows in the embedded H2 database there, or in PostgreSQL with --database-url).")
public final class ServeCommand implements Callable<Integer> {
    @Mixin
    DataDirOption data;

    @Mixin
    dev.sandcrate.registry.precompile.PrecompileOptions precompile;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--public-url", paramLabel = "URL",
            description = "URL users reach the registry at (default: http://HOST:PORT). Cargo sees it in config.json.")
    String publicUrl;

    @Option(names = "--auth-required", description = "Require a token with the read scope for the index, downloads and search.")
    boolean authRequired;

    @Option(names = "--max-upload-mib", defaultValue = "10", description = "Largest .crate accepted (default: ${DEFAULT-VALUE} MiB).")
    long maxUploadMib;

    @Option(names = "--max-unpacked-mib", defaultValue = "512", description = "Largest unpacked size of a .crate (default: ${DEFAULT-VALUE} MiB).")
    long maxUnpackedMib;

    @Option(names = "--upstream", paramLabel = "INDEX_URL",
            description = "Pull-through proxy: serve crates not published here from this registry's sparse index (e.g. sparse+https://host/index/) and cache them.")
    String upstream;

    @Option(names = "--upstream-token", paramLabel = "TOKEN", description = "Authorization header value sent to the upstream.")
    String upstreamToken;

    @Option(names = "--upstream-ttl", defaultValue = "60", paramLabel = "SECONDS",
            description = "How long a cached upstream index file is served before asking the upstream again (default: ${DEFAULT-VALUE}).")
    long upstreamTtl;

    @Override
    public Integer call() throws Exception {
        RegistryConfig config = new RegistryConfig(host, port, publicUrl, data.dataDir, data.database(), data.blobs(), authRequired,
                maxUploadMib << 20, maxUnpackedMib << 20);
        Registry registry = Registry.start(config, precompile.toConfig());
        if (upstream != null) registry.pullThrough().configure(upstream, upstreamToken, java.time.Duration.ofSeconds(upstreamTtl));
        System.out.println("sandcrate: serving " + registry.url() + " (index " + registry.sparseIndexUrl() + ", data "
                + data.dataDir.toAbsolutePath().normalize() + ", database " + config.database().describe(data.dataDir)
                + ", " + config.blobs().describe(data.dataDir) + (authRequired ? ", auth required" : "") + ")");
        System.out.flush();
        registry.awaitShutdown();
        return 0;
    }
}

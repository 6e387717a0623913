package dev.sandcrate.registry.precompile;

import dev.sandcrate.precompile.eligibility.Policy;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/** {@code sandcrate serve}'s precompilation options. */
public final class PrecompileOptions {
    @Option(names = "--precompile-workers", defaultValue = "1", paramLabel = "N",
            description = "In-process precompile workers; each runs two sandboxed builds at a time (default: ${DEFAULT-VALUE}; 0: only `sandcrate worker` processes build).")
    int workers;

    @Option(names = "--precompile-feature-sets", defaultValue = "3", paramLabel = "N",
            description = "Per version, besides the default set, how many of the feature sets dependents request are precompiled (default: ${DEFAULT-VALUE}).")
    int topFeatureSets;

    @Option(names = "--precompile-allow", split = ",", paramLabel = "CRATE[@VERSION]",
            description = "Mark these flagged crates (std::fs/env/process/net, time or randomness in their sources) as reviewed; lifts a deny of the same entry.")
    List<String> allow;

    @Option(names = "--precompile-deny", split = ",", paramLabel = "CRATE[@VERSION]",
            description = "Never precompile (or serve precompiled) these crates.")
    List<String> deny;

    @Option(names = "--precompile-native-dependency-macros",
            description = "Also precompile macro crates that depend on other proc-macro crates: those run natively while the crate "
                    + "compiles, inside the same bubblewrap sandbox and limits as build scripts (off: such crates are refused).")
    boolean nativeDependencyMacros;

    @Option(names = "--precompile-lease-seconds", defaultValue = "120", paramLabel = "S",
            description = "How long a job stays with a worker that stopped renewing its lease (default: ${DEFAULT-VALUE}).")
    long leaseSeconds;

    @Option(names = "--precompile-max-attempts", defaultValue = "3", paramLabel = "N",
            description = "Attempts per job before it is marked failed (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--precompile-retry-seconds", defaultValue = "30", paramLabel = "S",
            description = "Delay before the first retry of a failed job, doubled for each further one (default: ${DEFAULT-VALUE}).")
    long retrySeconds;

    @Option(names = "--precompile-build-timeout-minutes", defaultValue = "20", paramLabel = "M",
            description = "Wall-clock limit of each of the two builds (default: ${DEFAULT-VALUE}).")
    long buildTimeoutMinutes;

    public PrecompileConfig toConfig() {
        PrecompileConfig d = PrecompileConfig.defaults();
        return new PrecompileConfig(workers, topFeatureSets, d.policy(), Duration.ofSeconds(leaseSeconds), maxAttempts,
                Duration.ofSeconds(retrySeconds), d.poll(), Duration.ofMinutes(buildTimeoutMinutes))
                .withPolicy(new Policy(allow == null ? List.of() : allow, deny == null ? List.of() : deny, nativeDependencyMacros));
    }
}

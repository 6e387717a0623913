package dev.sandcrate.registry.precompile;

import dev.sandcrate.precompile.eligibility.Policy;

import java.time.Duration;
import java.util.List;

/**
 * How the precompile service runs.
 *
 * @param workers         in-process build workers (0: only {@code sandcrate worker} processes build)
 * @param topFeatureSets  besides the default set, how many of the feature sets dependents request are built per version
 * @param policy          the operator's allow/deny lists from the command line (the admin API adds more)
 * @param lease           how long a claimed job stays with its worker without a heartbeat
 * @param maxAttempts     attempts per job before it is marked failed
 * @param retryBackoff    delay before the first retry; doubled for each further attempt
 * @param poll            how often idle workers look for jobs
 * @param buildTimeout    wall-clock limit of each of the two builds
 */
public record PrecompileConfig(int workers, int topFeatureSets, Policy policy, Duration lease, int maxAttempts,
                               Duration retryBackoff, Duration poll, Duration buildTimeout) {
    public PrecompileConfig {
        if (workers < 0) throw new IllegalArgumentException("precompile workers must be 0 or more");
        if (topFeatureSets < 0) throw new IllegalArgumentException("the number of feature sets must be 0 or more");
        if (maxAttempts < 1) throw new IllegalArgumentException("max attempts must be at least 1");
        if (lease.toMillis() < 1000) throw new IllegalArgumentException("the job lease must be at least one second");
    }

    /** {@code sandcrate serve}'s defaults: one in-process worker (builds use both cores of a small machine). */
    public static PrecompileConfig defaults() {
        return new PrecompileConfig(1, 3, Policy.none(), Duration.ofMinutes(2), 3, Duration.ofSeconds(30),
                Duration.ofSeconds(2), Duration.ofMinutes(20));
    }

    /** An embedded registry ({@code Registry.start(config)}) analyses and queues, but builds only if asked to. */
    public static PrecompileConfig embedded() {
        return defaults().withWorkers(0);
    }

    public PrecompileConfig withWorkers(int n) {
        return new PrecompileConfig(n, topFeatureSets, policy, lease, maxAttempts, retryBackoff, poll, buildTimeout);
    }

    public PrecompileConfig withLease(Duration lease) {
        return new PrecompileConfig(workers, topFeatureSets, policy, lease, maxAttempts, retryBackoff, poll, buildTimeout);
    }

    public PrecompileConfig withPolicy(List<String> allow, List<String> deny) {
        return withPolicy(new Policy(allow, deny, policy.nativeDependencyMacros()));
    }

    public PrecompileConfig withPolicy(Policy policy) {
        return new PrecompileConfig(workers, topFeatureSets, policy, lease, maxAttempts, retryBackoff, poll, buildTimeout);
    }

    public PrecompileConfig withTopFeatureSets(int n) {
        return new PrecompileConfig(workers, n, policy, lease, maxAttempts, retryBackoff, poll, buildTimeout);
    }

    public PrecompileConfig withRetries(int maxAttempts, Duration backoff) {
        return new PrecompileConfig(workers, topFeatureSets, policy, lease, maxAttempts, backoff, poll, buildTimeout);
    }
}

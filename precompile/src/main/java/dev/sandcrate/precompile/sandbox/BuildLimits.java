package dev.sandcrate.precompile.sandbox;

import java.time.Duration;

/**
 * Resource bounds for one sandboxed build. CPU time, address space and the size of any single file written
 * are kernel rlimits (prlimit) inside the sandbox; wall-clock time is enforced from outside by killing it.
 */
public record BuildLimits(Duration wallClock, long cpuSeconds, long addressSpaceBytes, long maxFileBytes) {
    public static BuildLimits defaults() {
        return new BuildLimits(Duration.ofMinutes(20), 1800, 8L << 30, 512L << 20);
    }
}

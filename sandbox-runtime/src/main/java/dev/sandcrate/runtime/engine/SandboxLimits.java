package dev.sandcrate.runtime.engine;

import java.time.Duration;

/**
 * Resource limits for one macro invocation.
 *
 * @param maxMemoryBytes linear memory a module may grow to (rounded down to whole 64 KiB pages)
 * @param timeout wall-clock time one {@code expand} call may take before it is interrupted
 * @param maxOutputBytes largest wire response accepted from the module
 * @param stackBytes JVM thread stack for the thread running wasm (deeply recursive macros need a lot)
 */
public record SandboxLimits(long maxMemoryBytes, Duration timeout, int maxOutputBytes, long stackBytes) {

    public static final int WASM_PAGE_BYTES = 64 * 1024;

    public SandboxLimits {
        if (maxMemoryBytes < WASM_PAGE_BYTES) {
            throw new IllegalArgumentException("memory limit must be at least one wasm page (64 KiB), got " + maxMemoryBytes);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        if (maxOutputBytes <= 0) {
            throw new IllegalArgumentException("output limit must be positive, got " + maxOutputBytes);
        }
        if (stackBytes < 1024 * 1024) {
            throw new IllegalArgumentException("stack must be at least 1 MiB, got " + stackBytes);
        }
    }

    /** 1 GiB memory, 30 s per expansion, 64 MiB output, 256 MiB stack. */
    public static SandboxLimits defaults() {
        return new SandboxLimits(1L << 30, Duration.ofSeconds(30), 64 << 20, 256L << 20);
    }

    /**
     * Time allowed to instantiate a module (parse, initialise memory, run a start function): at least two minutes,
     * because a large module's first instantiation in a cold engine is legitimately slow; the expansion limit is
     * {@link #timeout()}.
     */
    public Duration instantiationTimeout() {
        Duration floor = Duration.ofMinutes(2);
        return timeout.compareTo(floor) > 0 ? timeout : floor;
    }

    public int maxMemoryPages() {
        return (int) Math.min(65536, maxMemoryBytes / WASM_PAGE_BYTES);
    }

    public SandboxLimits withMaxMemoryBytes(long bytes) {
        return new SandboxLimits(bytes, timeout, maxOutputBytes, stackBytes);
    }

    public SandboxLimits withTimeout(Duration newTimeout) {
        return new SandboxLimits(maxMemoryBytes, newTimeout, maxOutputBytes, stackBytes);
    }

    public SandboxLimits withMaxOutputBytes(int bytes) {
        return new SandboxLimits(maxMemoryBytes, timeout, bytes, stackBytes);
    }
}

package dev.sandcrate.precompile.sandbox;

import java.time.Duration;

/**
 * Resource bounds for one sandboxed command. Kernel-enforced inside the sandbox: CPU time, address space per process,
 * the size of any single file written and the number of processes and threads (prlimit; the kernel exempts uid 0
 * from the last one), and the size of the sandbox's tmpfs at /tmp. Enforced from outside by {@link ResourceWatch},
 * which kills the whole sandbox and names the limit: wall-clock time, processes and threads, resident memory of all
 * its processes together, and the bytes in its writable folders (the disk it may fill).
 *
 * @param maxTasks    processes and threads at once, the sandbox's init included
 * @param memoryBytes resident memory of all the sandbox's processes together
 * @param tmpBytes    size of the tmpfs at /tmp (RAM)
 * @param diskBytes   bytes in the writable host folders mounted into the sandbox (the workspace)
 */
public record BuildLimits(Duration wallClock, long cpuSeconds, long addressSpaceBytes, long maxFileBytes,
                          int maxTasks, long memoryBytes, long tmpBytes, long diskBytes) {
    private static final int DEFAULT_TASKS = 1024;
    private static final long DEFAULT_MEMORY = 6L << 30, DEFAULT_TMP = 1L << 30, DEFAULT_DISK = 8L << 30;

    /** Time, CPU and per-file limits with the default process, memory, tmpfs and disk limits. */
    public BuildLimits(Duration wallClock, long cpuSeconds, long addressSpaceBytes, long maxFileBytes) {
        this(wallClock, cpuSeconds, addressSpaceBytes, maxFileBytes, DEFAULT_TASKS, DEFAULT_MEMORY, DEFAULT_TMP, DEFAULT_DISK);
    }

    public BuildLimits {
        if (maxTasks < 2) throw new IllegalArgumentException("a sandbox needs at least 2 tasks (its init and the command)");
    }

    public static BuildLimits defaults() {
        return new BuildLimits(Duration.ofMinutes(20), 1800, 8L << 30, 512L << 20);
    }

    /** These limits with other process, memory, tmpfs and disk limits. */
    public BuildLimits withSandbox(int maxTasks, long memoryBytes, long tmpBytes, long diskBytes) {
        return new BuildLimits(wallClock, cpuSeconds, addressSpaceBytes, maxFileBytes, maxTasks, memoryBytes, tmpBytes, diskBytes);
    }
}

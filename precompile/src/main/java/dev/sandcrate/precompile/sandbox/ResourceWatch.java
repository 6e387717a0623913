package dev.sandcrate.precompile.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches a running sandbox from outside, for the limits no rlimit can express for a whole process tree: the number
 * of processes and threads (the kernel's RLIMIT_NPROC does not apply to uid 0), the resident memory of all processes
 * together, and the bytes in the sandbox's writable folders. Answers why the sandbox must die, or null.
 */
final class ResourceWatch implements ProcessRunner.Watch {
    private static final long PAGE_BYTES = 4096;
    private static final long MIN_DISK_INTERVAL_NANOS = 300_000_000L;
    private final BuildLimits limits;
    private final List<Path> writable;
    private long nextDiskCheck;
    private Path namespaceProc;
    private long initPid;

    ResourceWatch(BuildLimits limits, List<Path> writable) {
        this.limits = limits;
        this.writable = writable;
    }

    @Override
    public String check(ProcessHandle sandbox) {
        // the sandbox's own /proc, seen through its init (the outer bwrap's child): lists only the namespace's
        // processes (cheaper than walking the whole host process table every 50 ms)
        if (namespaceProc == null) {
            sandbox.children().findFirst().ifPresent(init -> {
                initPid = init.pid();
                namespaceProc = Path.of("/proc", Long.toString(initPid), "root", "proc");
            });
        }
        List<Path> processes = namespaceProcesses();
        if (processes.size() >= limits.maxTasks()) return processLimit(processes.size());
        long tasks = 0, residentBytes = 0;
        for (Path p : processes) {
            long[] stat = stat(p.resolve("stat"));
            tasks += stat[0];
            residentBytes += stat[1];
        }
        if (tasks >= limits.maxTasks()) return processLimit(tasks);
        if (residentBytes > limits.memoryBytes()) {
            return "memory limit: " + mib(residentBytes) + " resident (limit " + mib(limits.memoryBytes()) + ")";
        }
        long now = System.nanoTime();
        if (now - nextDiskCheck >= 0) {
            long used = 0;
            for (Path dir : writable) used += bytesUnder(dir);
            // walking a big tree is not free: look again after at least 4 times as long as this walk took
            nextDiskCheck = System.nanoTime() + Math.max(MIN_DISK_INTERVAL_NANOS, 4 * (System.nanoTime() - now));
            if (used > limits.diskBytes()) {
                return "disk limit: " + mib(used) + " written in the build folder (limit " + mib(limits.diskBytes()) + ")";
            }
        }
        return null;
    }

    /** The /proc/PID folders of the sandbox's processes (none before its init started, or once it is gone). */
    private List<Path> namespaceProcesses() {
        if (namespaceProc == null) return List.of();
        // until bwrap has set up the sandbox's root, that path is the host's /proc, where the init has its host pid
        if (Files.exists(namespaceProc.resolve(Long.toString(initPid)))) return List.of();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(namespaceProc, p -> Character.isDigit(p.getFileName().toString().charAt(0)))) {
            List<Path> pids = new ArrayList<>();
            entries.forEach(pids::add);
            return pids;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private String processLimit(long tasks) {
        return "process limit: " + tasks + " processes and threads (limit " + limits.maxTasks() + ")";
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    /** Threads and resident bytes of one process from its /proc/PID/stat; zeros once it is gone. */
    private static long[] stat(Path statFile) {
        try {
            String s = Files.readString(statFile);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": f[0] is field 3 (state); num_threads is field 20, rss (pages) field 24
            return new long[]{Long.parseLong(f[17]), Long.parseLong(f[21]) * PAGE_BYTES};
        } catch (IOException | RuntimeException e) {
            return new long[]{0, 0};
        }
    }

    /** Apparent bytes of the regular files under {@code dir}, not following links; files vanishing meanwhile are skipped. */
    private static long bytesUnder(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // the tree changed under us: count what was seen
        }
        return total[0];
    }
}

package dev.sandcrate.precompile.sandbox;

import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one external command with output captured (to a string or a log file), a wall-clock limit and an optional watch. */
public final class ProcessRunner {
    private static final long WATCH_INTERVAL_MILLIS = 50;

    private ProcessRunner() {
    }

    /**
     * @param killedFor why the command was killed for exceeding a limit its {@link Watch} enforces, or null
     */
    public record Result(int exitCode, String output, boolean timedOut, String killedFor) {
        public boolean ok() {
            return exitCode == 0 && !timedOut && killedFor == null;
        }

        /** Why it did not succeed, for error messages: the limit it hit, or its exit status. */
        public String failure(Duration wallClock) {
            if (timedOut) return "wall-clock limit " + wallClock;
            if (killedFor != null) return "killed: " + killedFor;
            return "exit " + exitCode;
        }
    }

    /** Looked at about every 50 ms while a command runs: an answer other than null kills it, and is why. */
    public interface Watch {
        String check(ProcessHandle process);
    }

    /** Runs a short command (e.g. {@code rustc -vV}) and returns its combined output. */
    public static Result capture(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        try {
            Path log = Files.createTempFile("sandcrate-cmd", ".log");
            try {
                Result r = toLog(command, workDir, env, timeout, log, null);
                return new Result(r.exitCode(), Files.readString(log, StandardCharsets.UTF_8), r.timedOut(), r.killedFor());
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new PrecompileException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a command with stdout and stderr appended to {@code log}; {@code env == null} inherits ours. When it returns,
     * the command and every process it started are gone.
     */
    public static Result toLog(List<String> command, Path workDir, Map<String, String> env, Duration timeout, Path log, Watch watch) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (workDir != null) pb.directory(workDir.toFile());
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new PrecompileException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!process.waitFor(WATCH_INTERVAL_MILLIS, TimeUnit.MILLISECONDS)) {
                if (System.nanoTime() - deadline >= 0) {
                    killTree(process);
                    return new Result(-1, "", true, null);
                }
                String why = watch == null ? null : watch.check(process.toHandle());
                if (why != null) {
                    killTree(process);
                    return new Result(-1, "", false, why);
                }
            }
            return new Result(process.exitValue(), "", false, null);
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
            throw new PrecompileException("interrupted while running " + command.getFirst(), e);
        }
    }

    /**
     * Kills the command and everything it started, and waits until they are gone. For a sandbox it is enough to wait
     * for the command's own children: a PID namespace's init exits only after the kernel has killed all the rest.
     */
    private static void killTree(Process process) {
        List<ProcessHandle> children = process.children().toList();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // stuck in the kernel: nothing more a SIGKILL can do
                }
            }
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

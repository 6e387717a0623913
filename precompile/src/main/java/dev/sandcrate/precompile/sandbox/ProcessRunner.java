package dev.sandcrate.precompile.sandbox;

import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one external command with output captured (to a string or a log file) and a wall-clock limit. */
public final class ProcessRunner {
    private ProcessRunner() {
    }

    public record Result(int exitCode, String output, boolean timedOut) {
        public boolean ok() {
            return exitCode == 0 && !timedOut;
        }
    }

    /** Runs a short command (e.g. {@code rustc -vV}) and returns its combined output. */
    public static Result capture(List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
        try {
            Path log = Files.createTempFile("sandcrate-cmd", ".log");
            try {
                Result r = toLog(command, workDir, env, timeout, log);
                return new Result(r.exitCode(), Files.readString(log, StandardCharsets.UTF_8), r.timedOut());
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new PrecompileException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
    }

    /** Runs a command with stdout and stderr appended to {@code log}; {@code env == null} inherits ours. */
    public static Result toLog(List<String> command, Path workDir, Map<String, String> env, Duration timeout, Path log) {
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
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor();
                return new Result(-1, "", true);
            }
            return new Result(process.exitValue(), "", false);
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new PrecompileException("interrupted while running " + command.getFirst(), e);
        }
    }
}

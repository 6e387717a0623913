package dev.sandcrate.runtime.engine.isolated;

import dev.sandcrate.runtime.engine.SandboxException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running engine worker, seen from the runtime. When it dies (a crash in native code, or killed because it
 * overran a deadline), every call waiting on it fails at once with {@link SandboxException.Kind#ENGINE_FAILED};
 * nothing waits for an answer that cannot come.
 */
final class WorkerProcess {

    /** A worker's answer. */
    record Answer(int status, byte[] body) {}

    /** Thrown when the worker did not answer in time; the worker has been killed. */
    static final class Overran extends Exception {
        Overran(String message) {
            super(message);
        }
    }

    private final Process process;
    private final DataOutputStream in;
    private final Map<Integer, CompletableFuture<Answer>> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger callIds = new AtomicInteger();
    private volatile String death;
    private volatile boolean closing;
    private volatile boolean answered;

    private WorkerProcess(Process process) {
        this.process = process;
        this.in = new DataOutputStream(new BufferedOutputStream(process.getOutputStream()));
        Thread.ofPlatform().daemon(true).name("sandcrate-worker-reader-" + process.pid()).start(this::readAnswers);
    }

    static WorkerProcess start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("WASMTIME_JNI_LOAD_DISABLED", "1"); // WasmtimeLibrary loads it from the cache
        return new WorkerProcess(builder.start());
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return death == null;
    }

    /** Dead without having answered a single call: it could not start (no library, no cache, a broken JVM). */
    boolean failedToStart() {
        return death != null && !answered;
    }

    /** Sends a call and waits up to {@code timeout} for its answer. */
    Answer call(int op, byte[] body, Duration timeout) throws SandboxException, Overran {
        String dead = death;
        if (dead != null) {
            throw failed(dead);
        }
        int id = callIds.incrementAndGet();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            synchronized (in) {
                WorkerChannel.write(in, id, op, body);
            }
            if (death != null) {
                answer.completeExceptionally(failed(death)); // died before the reader saw this call
            }
            return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            kill("could not write to it (" + e.getMessage() + ")");
            throw failed(death);
        } catch (TimeoutException e) {
            kill("it did not answer within " + timeout.toMillis() + " ms");
            throw new Overran(death);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof SandboxException sandbox ? sandbox : failed(String.valueOf(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Kind.TIMEOUT, "macro expansion was cancelled", e);
        } finally {
            waiting.remove(id);
        }
    }

    /** Sends a call nobody waits for (e.g. closing an instance); a dead worker is ignored. */
    void send(int op, byte[] body) {
        if (death != null) {
            return;
        }
        try {
            synchronized (in) {
                WorkerChannel.write(in, callIds.incrementAndGet(), op, body);
            }
        } catch (IOException e) {
            kill("could not write to it (" + e.getMessage() + ")");
        }
    }

    private void readAnswers() {
        try (DataInputStream out = new DataInputStream(new BufferedInputStream(process.getInputStream()))) {
            WorkerChannel.Message message;
            while ((message = WorkerChannel.read(out)) != null) {
                answered = true;
                CompletableFuture<Answer> answer = waiting.get(message.id());
                if (answer != null) {
                    answer.complete(new Answer(message.code(), message.body()));
                }
            }
        } catch (IOException e) {
            // treated as death below
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill(process.isAlive() ? "it closed its output" : "it exited with code " + process.exitValue());
    }

    /** Ends the worker (if still running) and fails every call waiting on it. */
    synchronized void kill(String why) {
        if (death == null) {
            death = "the engine worker (pid " + process.pid() + ") stopped: " + why;
            if (!closing) {
                System.err.println("sandcrate-runtime: " + death);
            }
        }
        process.destroyForcibly();
        SandboxException failure = failed(death);
        waiting.values().forEach(answer -> answer.completeExceptionally(failure));
    }

    /**
     * Closes the worker's stdin and waits (at most 5 s) until it has answered what it was sent and exited, so nothing
     * (Wasmtime's cache worker thread included) still writes into the cache when this returns.
     */
    void close() {
        closing = true;
        try {
            in.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static SandboxException failed(String why) {
        return new SandboxException(SandboxException.Kind.ENGINE_FAILED, why);
    }
}

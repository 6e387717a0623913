package dev.sandcrate.runtime.engine;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs wasm code on pooled threads with a large stack (macros recurse deeply and compiled wasm uses the JVM stack)
 * and stops it when it exceeds the time limit. Shared by all engines and instances.
 */
public final class InvocationRunner {

    /** How long a timed-out invocation gets to notice the interrupt and unwind. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final long stackBytes;
    private final ExecutorService pool;

    public InvocationRunner(long stackBytes) {
        this.stackBytes = stackBytes;
        this.pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                wasmThreads("sandcrate-wasm-"));
    }

    /** A thread with the runner's stack, on which wasm may run directly (see {@link #runSelfInterrupting}). */
    private static final class WasmThread extends Thread {
        WasmThread(Runnable body, String name, long stackBytes) {
            super(null, body, name, stackBytes);
            setDaemon(true);
        }
    }

    /**
     * Daemon threads with this runner's stack, for a pool whose tasks call wasm: the engine worker runs each call on
     * one, so a call of a self-interrupting engine needs no hand-off to the runner's own pool (two thread wake-ups
     * per macro call fewer).
     */
    public ThreadFactory wasmThreads(String namePrefix) {
        AtomicInteger counter = new AtomicInteger();
        return body -> new WasmThread(body, namePrefix + counter.incrementAndGet(), stackBytes);
    }

    /**
     * For engines that stop their own code at the deadline (Wasmtime's epoch interruption): on a thread of
     * {@link #wasmThreads} the body runs right there, else as {@link #run}. Inline, nothing but the engine watches the
     * clock; the engine worker that does this is itself killed by the runtime when a call outlives its limit.
     */
    public <T> T runSelfInterrupting(Callable<T> body, Duration timeout, Stopper stopper) throws SandboxException {
        if (!(Thread.currentThread() instanceof WasmThread)) {
            return run(body, timeout, stopper);
        }
        try {
            return body.call();
        } catch (Exception e) {
            throw failureOf(e);
        }
    }

    /** What to do to stop running wasm; engines whose code polls the interrupt flag use {@link Thread#interrupt()}. */
    @FunctionalInterface
    public interface Stopper {
        void stop(Thread running);
    }

    /**
     * Runs {@code body} and returns its result, or throws {@link SandboxException.Kind#TIMEOUT} once it has been
     * stopped after {@code timeout}. Exceptions thrown by the body are rethrown unchanged when they are
     * {@link SandboxException} or unchecked.
     */
    public <T> T run(Callable<T> body, Duration timeout, Stopper stopper) throws SandboxException {
        CountDownLatch finished = new CountDownLatch(1);
        Thread[] runner = new Thread[1];
        CountDownLatch started = new CountDownLatch(1);
        Future<T> future = pool.submit(() -> {
            runner[0] = Thread.currentThread();
            started.countDown();
            try {
                return body.call();
            } finally {
                finished.countDown();
                Thread.interrupted(); // never hand a pooled thread back with a stale interrupt
            }
        });
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            awaitQuietly(started, STOP_GRACE);
            if (runner[0] != null) {
                stopper.stop(runner[0]);
            }
            future.cancel(true);
            awaitQuietly(finished, STOP_GRACE);
            throw timedOut(timeout);
        } catch (ExecutionException e) {
            throw failureOf(e.getCause());
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new SandboxException(SandboxException.Kind.TIMEOUT, "macro expansion was cancelled", e);
        } catch (CancellationException e) {
            throw new SandboxException(SandboxException.Kind.TIMEOUT, "macro expansion was cancelled", e);
        }
    }

    /** What the body threw, as the caller sees it: sandbox failures and unchecked ones unchanged, anything else wrapped. */
    private static IllegalStateException failureOf(Throwable cause) throws SandboxException {
        if (cause instanceof SandboxException sandbox) {
            throw sandbox;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout) {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The user-facing report of an expansion stopped at the time limit, the same whatever engine ran it. */
    public static SandboxException timedOut(Duration timeout) {
        return new SandboxException(SandboxException.Kind.TIMEOUT,
                "macro expansion did not finish within the time limit of " + describe(timeout) + " and was stopped");
    }

    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
    }
}

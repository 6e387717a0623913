package dev.sandcrate.runtime.engine.wasm2c;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxException.Kind;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** One process of a module's host executable: one instance, its statics kept until it is closed (host.c's protocol). */
final class Wasm2cInstance implements MacroInstance {

    private static final int OK = 0;
    private static final int PANIC = 1;
    private static final int TRAP = 2;
    private static final int MEMORY_LIMIT = 3;
    private static final int EXHAUSTED = 4;
    private static final int BAD_ALLOC = 5;
    /** In the greeting only: the process could not enter its seccomp filter. */
    private static final int NO_SECCOMP = 1;

    private final String sha256;
    private final SandboxLimits limits;
    private final ScheduledExecutorService watchdog;
    private final Process process;
    private final DataInputStream from;
    private final OutputStream to;
    private volatile boolean killedAtDeadline;
    private boolean usable = true;

    private Wasm2cInstance(String sha256, SandboxLimits limits, ScheduledExecutorService watchdog, Process process) {
        this.sha256 = sha256;
        this.limits = limits;
        this.watchdog = watchdog;
        this.process = process;
        this.from = new DataInputStream(new BufferedInputStream(process.getInputStream(), 1 << 16));
        this.to = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
    }

    static Wasm2cInstance start(String sha256, Path executable, SandboxLimits limits, ScheduledExecutorService watchdog)
            throws SandboxException {
        ProcessBuilder builder = new ProcessBuilder(executable.toString(), Integer.toString(limits.maxOutputBytes()))
                .directory(executable.getParent().toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().clear();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new SandboxException(Kind.ENGINE_FAILED, "the host of module " + sha256 + " could not be started: " + e.getMessage(), e);
        }
        Wasm2cInstance instance = new Wasm2cInstance(sha256, limits, watchdog, process);
        try {
            int[] hello = instance.withDeadline(limits.instantiationTimeout(), () -> {
                byte[] bytes = instance.from.readNBytes(5);
                if (bytes.length < 5) {
                    throw instance.ended("while it was instantiated");
                }
                return new int[] {bytes[0], ByteBuffer.wrap(bytes, 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt()};
            });
            if (hello[0] == NO_SECCOMP) {
                throw new SandboxException(Kind.ENGINE_FAILED, "the host of module " + sha256 + " could not enter its seccomp filter");
            }
            if (hello[0] != OK) {
                throw new SandboxException(Kind.INVALID_MODULE, "module " + sha256 + " trapped while it was instantiated");
            }
            if (hello[1] != ArtifactAbi.VERSION) {
                throw ArtifactAbi.wrongVersion(sha256, hello[1]);
            }
            return instance;
        } catch (SandboxException | RuntimeException e) {
            instance.close();
            throw e;
        }
    }

    @Override
    public byte[] expand(byte[] wireRequest) throws SandboxException {
        if (!usable) {
            throw SandboxException.discarded(sha256);
        }
        try {
            return withDeadline(limits.timeout(), () -> call(wireRequest));
        } catch (SandboxException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private byte[] call(byte[] request) throws IOException, SandboxException {
        to.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(request.length).array());
        to.write(request);
        to.flush();
        byte[] header = from.readNBytes(21);
        if (header.length < 21) {
            throw ended("during a call");
        }
        ByteBuffer fields = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int status = fields.get();
        long value = fields.getLong();
        long memoryBytes = fields.getLong();
        int length = fields.getInt();
        if (length < 0 || length > limits.maxOutputBytes()) {
            throw ended("with a malformed answer");
        }
        byte[] payload = from.readNBytes(length);
        if (payload.length < length) {
            throw ended("during an answer");
        }
        switch (status) {
            case OK, PANIC -> {
                ArtifactAbi.Region region = ArtifactAbi.region(value, memoryBytes, limits,
                        status == OK ? "sandcrate_expand returned" : "sandcrate_last_panic returned");
                if (region.length() != length) {
                    throw ended("with an answer of the wrong length");
                }
                if (status == PANIC) {
                    usable = false;
                    close();
                }
                return payload;
            }
            case BAD_ALLOC -> {
                ArtifactAbi.checkRange(value >>> 32, value & 0xffff_ffffL, memoryBytes, "sandcrate_alloc returned");
                throw ended("after a bad allocation it could not describe");
            }
            case MEMORY_LIMIT -> throw SandboxException.memoryLimit(limits, null);
            case TRAP -> throw new SandboxException(Kind.TRAP,
                    "macro trapped without a recorded panic (" + new String(payload, StandardCharsets.UTF_8) + ")");
            case EXHAUSTED -> throw new SandboxException(Kind.ENGINE_FAILED, "macro exhausted the host's native stack");
            default -> throw ended("with an unknown status " + status);
        }
    }

    private interface Call<T> {
        T run() throws IOException, SandboxException;
    }

    /** Runs {@code call}, killing the process if it has not answered by the deadline. */
    private <T> T withDeadline(Duration timeout, Call<T> call) throws SandboxException {
        ScheduledFuture<?> kill = watchdog.schedule(() -> {
            killedAtDeadline = true;
            process.destroyForcibly();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return call.run();
        } catch (IOException e) {
            throw killedAtDeadline ? InvocationRunner.timedOut(timeout) : ended("(" + e.getMessage() + ")");
        } catch (SandboxException e) {
            throw killedAtDeadline ? InvocationRunner.timedOut(timeout) : e;
        } finally {
            kill.cancel(false);
        }
    }

    /** The process stopped answering (withDeadline reports it as a timeout when the deadline killed it). */
    private SandboxException ended(String when) {
        String how;
        try {
            how = process.waitFor(1, TimeUnit.SECONDS) ? "exit status " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            how = "interrupted";
        }
        return new SandboxException(Kind.ENGINE_FAILED, "the host process of module " + sha256 + " ended " + when + " (" + how + ")");
    }

    /** For tests: the instance's process. */
    long pid() {
        return process.pid();
    }

    @Override
    public boolean usable() {
        return usable;
    }

    @Override
    public void close() {
        usable = false;
        try {
            to.close();
        } catch (IOException ignored) {
            // the process is gone already
        }
        process.destroyForcibly();
        try {
            process.waitFor(1, TimeUnit.SECONDS); // gone when close returns: its executable can be replaced
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

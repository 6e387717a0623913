package dev.sandcrate.runtime.engine.isolated;

import dev.sandcrate.runtime.engine.InvocationRunner;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxException.Kind;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeEngine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The native engine ({@link WasmtimeEngine}) run in an engine worker process, so that a crash in native code ends
 * the worker, not the runtime and the other rustc sessions it serves. A call in flight when the worker dies fails
 * with {@link Kind#ENGINE_FAILED} (the {@code FallbackEngine} reruns it on Chicory); the next call starts a new
 * worker. A worker that does not answer within the time limit plus a grace period is killed, so a hung native
 * engine cannot hang a build either.
 */
public final class IsolatedEngine implements MacroEngine, AutoCloseable {

    /** What the worker gets beyond the time limit (it enforces the limit itself) before it is killed. */
    static final Duration GRACE = Duration.ofSeconds(5);

    private final SandboxLimits limits;
    private final List<String> command;
    private WorkerProcess worker;

    /** An engine whose workers keep their native library and compiled modules under {@code cacheRoot}. */
    public IsolatedEngine(SandboxLimits limits, Path cacheRoot) {
        this(limits, workerCommand(limits, cacheRoot));
    }

    IsolatedEngine(SandboxLimits limits, List<String> command) {
        this.limits = limits;
        this.command = command;
    }

    /**
     * The worker's command line: this runtime's own Java and class path and the worker's main class, in a network
     * namespace of its own (no network at all) where the system lets us create one.
     */
    static List<String> workerCommand(SandboxLimits limits, Path cacheRoot) {
        List<String> command = new ArrayList<>(WITHOUT_NETWORK);
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED",
                // stdout is the protocol: the JVM's own messages (an AOT cache it cannot map, say) go to stderr
                "-Xlog:disable", "-Xlog:all=warning:stderr",
                // a crash leaves its report in the cache, not in the directory the daemon was started from
                "-XX:ErrorFile=" + cacheRoot.toAbsolutePath().resolve("engine-worker-crash-%p.log"),
                "-XX:-CreateCoredumpOnCrash"));
        command.addAll(inheritedStartupOptions());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), EngineWorker.class.getName(),
                cacheRoot.toAbsolutePath().toString(), Long.toString(limits.maxMemoryBytes()),
                Long.toString(limits.timeout().toMillis()), Integer.toString(limits.maxOutputBytes()),
                Long.toString(limits.stackBytes())));
        return command;
    }

    /**
     * {@code unshare -rn}: a new user namespace (mapping this user to root inside it, needed to create the next one
     * without privileges) and a new, empty network namespace. Empty where util-linux's unshare is missing or the
     * system forbids unprivileged user namespaces; the worker then shares the runtime's network.
     */
    static final List<String> WITHOUT_NETWORK = probeUnshare();

    private static List<String> probeUnshare() {
        List<String> prefix = List.of("unshare", "-rn");
        try {
            Process probe = new ProcessBuilder(concat(prefix, List.of("true")))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return prefix;
            }
            probe.destroyForcibly();
        } catch (IOException e) {
            // no unshare on PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return List.of();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    /** The runtime's own class-data-sharing or AOT cache options: the worker has the same class path, so they fit. */
    private static List<String> inheritedStartupOptions() {
        return ProcessHandle.current().info().arguments().stream().flatMap(Arrays::stream)
                .filter(arg -> arg.startsWith("-XX:SharedArchiveFile=") || arg.startsWith("-XX:AOTCache=")
                        || arg.startsWith("-Xshare:"))
                .toList();
    }

    @Override
    public String name() {
        return WasmtimeEngine.NAME;
    }

    @Override
    public SandboxLimits limits() {
        return limits;
    }

    /** Starts the worker now rather than at the first call (the daemon does this as it starts). */
    public void warmUp() {
        try {
            worker();
        } catch (SandboxException e) {
            System.err.println("sandcrate-runtime: " + e.getMessage());
        }
    }

    /**
     * The running worker, started when there is none or the last one died. A worker that died before answering
     * anything is not started again: whatever stopped it would stop the next one, and every call would pay a JVM
     * start before falling back.
     */
    synchronized WorkerProcess worker() throws SandboxException {
        if (worker != null && worker.failedToStart()) {
            throw new SandboxException(Kind.ENGINE_FAILED, "the Wasmtime engine worker could not start (see the log above)");
        }
        if (worker == null || !worker.alive()) {
            try {
                worker = WorkerProcess.start(command);
            } catch (IOException e) {
                throw new SandboxException(Kind.ENGINE_FAILED, "the engine worker could not be started: " + e.getMessage(), e);
            }
        }
        return worker;
    }

    @Override
    public synchronized void close() {
        if (worker != null) {
            worker.close();
        }
    }

    @Override
    public MacroModule load(byte[] wasm, String sha256) throws SandboxException {
        WorkerProcess current = worker();
        byte[] answer = call(current, WorkerChannel.OP_LOAD, loadBody(sha256, wasm), limits.instantiationTimeout());
        Optional<String> manifest = answer[0] == 0 ? Optional.empty()
                : Optional.of(new String(answer, 1, answer.length - 1, StandardCharsets.UTF_8));
        return new RemoteModule(sha256, manifest, wasm, current);
    }

    private static byte[] loadBody(String sha256, byte[] wasm) {
        return ByteBuffer.allocate(64 + wasm.length).put(sha256.getBytes(StandardCharsets.US_ASCII)).put(wasm).array();
    }

    /** Sends a call; an ERROR answer becomes the exception the worker reported, an overrun a timeout. */
    private static byte[] call(WorkerProcess worker, int op, byte[] body, Duration timeout) throws SandboxException {
        WorkerProcess.Answer answer;
        try {
            answer = worker.call(op, body, timeout.plus(GRACE));
        } catch (WorkerProcess.Overran e) {
            throw InvocationRunner.timedOut(timeout);
        }
        if (answer.status() == WorkerChannel.STATUS_ERROR) {
            Kind[] kinds = Kind.values();
            int kind = answer.body()[0] & 0xff;
            throw new SandboxException(kind < kinds.length ? kinds[kind] : Kind.ENGINE_FAILED,
                    new String(answer.body(), 1, answer.body().length - 1, StandardCharsets.UTF_8));
        }
        return answer.status() == WorkerChannel.STATUS_NOT_LOADED ? null : answer.body();
    }

    private final class RemoteModule implements MacroModule {
        private final String sha256;
        private final Optional<String> manifest;
        private final byte[] wasm;
        private WorkerProcess loadedIn;

        RemoteModule(String sha256, Optional<String> manifest, byte[] wasm, WorkerProcess loadedIn) {
            this.sha256 = sha256;
            this.manifest = manifest;
            this.wasm = wasm;
            this.loadedIn = loadedIn;
        }

        @Override
        public String sha256() {
            return sha256;
        }

        @Override
        public Optional<String> manifestJson() {
            return manifest;
        }

        @Override
        public MacroInstance instantiate() throws SandboxException {
            WorkerProcess current = worker();
            byte[] shaBytes = sha256.getBytes(StandardCharsets.US_ASCII);
            byte[] id = null;
            synchronized (this) {
                if (loadedIn == current) {
                    id = call(current, WorkerChannel.OP_INSTANTIATE, shaBytes, limits.instantiationTimeout());
                }
                if (id == null) { // a new worker, or one that evicted the module
                    call(current, WorkerChannel.OP_LOAD, loadBody(sha256, wasm), limits.instantiationTimeout());
                    loadedIn = current;
                    id = call(current, WorkerChannel.OP_INSTANTIATE, shaBytes, limits.instantiationTimeout());
                    if (id == null) {
                        throw new SandboxException(Kind.ENGINE_FAILED, "the engine worker lost module " + sha256);
                    }
                }
            }
            return new RemoteInstance(current, ByteBuffer.wrap(id).getInt());
        }
    }

    private final class RemoteInstance implements MacroInstance {
        private final WorkerProcess worker;
        private final int id;
        private boolean usable = true;

        RemoteInstance(WorkerProcess worker, int id) {
            this.worker = worker;
            this.id = id;
        }

        @Override
        public byte[] expand(byte[] wireRequest) throws SandboxException {
            if (!usable) {
                throw new SandboxException(Kind.DISCARDED, "this instance was discarded after an earlier failure");
            }
            byte[] body = ByteBuffer.allocate(4 + wireRequest.length).putInt(id).put(wireRequest).array();
            try {
                byte[] answer = call(worker, WorkerChannel.OP_EXPAND, body, limits.timeout());
                usable = answer[0] == 1;
                return Arrays.copyOfRange(answer, 1, answer.length);
            } catch (SandboxException e) {
                usable = false;
                throw e;
            }
        }

        /** Still true when the worker died: the next call then fails over and replays this session's statics. */
        @Override
        public boolean usable() {
            return usable;
        }

        @Override
        public void close() {
            if (usable) {
                usable = false;
                worker.send(WorkerChannel.OP_CLOSE, ByteBuffer.allocate(4).putInt(id).array());
            }
        }
    }
}

package dev.sandcrate.runtime.engine.isolated;

import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeEngine;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine worker: a child process of the runtime that runs the native engine, so a crash in native code ends
 * this process and not the runtime. It serves {@link WorkerChannel} calls on stdin/stdout, each on a pooled thread,
 * and exits when the runtime closes its stdin.
 *
 * <p>Arguments: cache root, memory limit (bytes), time limit (ms), output limit (bytes), stack (bytes).
 */
public final class EngineWorker {

    /** Modules kept loaded; the runtime loads an evicted one again when it answers NOT_LOADED. */
    private static final int MAX_MODULES = 128;

    private final WasmtimeEngine engine;
    private final DataOutputStream out;
    private final Map<String, MacroModule> modules = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Integer, MacroInstance> instances = new ConcurrentHashMap<>();
    /**
     * Per loaded module, one fresh instance made ahead of need, so the next rustc session's first expansion does not
     * wait for instantiation (an edit-rebuild starts a new session for every macro crate it uses).
     */
    private final Map<String, MacroInstance> spares = new ConcurrentHashMap<>();
    private final AtomicInteger instanceIds = new AtomicInteger();
    /**
     * Runs each call; pooled platform threads with the engine's large stack, so the wasm runs on the call's own thread
     * (Wasmtime stops it at the deadline itself) instead of being handed to the engine's runner and back.
     */
    private final ExecutorService calls;

    private EngineWorker(WasmtimeEngine engine, DataOutputStream out) {
        this.engine = engine;
        this.out = out;
        this.calls = Executors.newCachedThreadPool(engine.callThreads("sandcrate-worker-call-"));
    }

    public static void main(String[] args) throws IOException {
        // stdout carries the channel: anything else printed goes to stderr (the runtime's log)
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        SandboxLimits limits = new SandboxLimits(Long.parseLong(args[1]), Duration.ofMillis(Long.parseLong(args[2])),
                Integer.parseInt(args[3]), Long.parseLong(args[4]));
        EngineWorker worker = new EngineWorker(new WasmtimeEngine(limits, Path.of(args[0])), out);
        worker.serve(new DataInputStream(new BufferedInputStream(new FileInputStream(FileDescriptor.in))));
        System.exit(0);
    }

    private void serve(DataInputStream in) throws IOException {
        WorkerChannel.Message call;
        while ((call = WorkerChannel.read(in)) != null) {
            WorkerChannel.Message received = call;
            calls.execute(() -> answer(received));
        }
    }

    private void answer(WorkerChannel.Message call) {
        int status = WorkerChannel.STATUS_OK;
        byte[] body;
        try {
            body = switch (call.code()) {
                case WorkerChannel.OP_LOAD -> load(call.body());
                case WorkerChannel.OP_INSTANTIATE -> instantiate(new String(call.body(), StandardCharsets.US_ASCII));
                case WorkerChannel.OP_EXPAND -> expand(call.body());
                case WorkerChannel.OP_CLOSE -> close(call.body());
                default -> throw new SandboxException(SandboxException.Kind.ENGINE_FAILED, "unknown worker call " + call.code());
            };
            if (body == null) {
                status = WorkerChannel.STATUS_NOT_LOADED;
                body = new byte[0];
            }
        } catch (SandboxException e) {
            status = WorkerChannel.STATUS_ERROR;
            body = error(e.kind(), e.getMessage());
        } catch (RuntimeException | Error e) {
            status = WorkerChannel.STATUS_ERROR;
            body = error(SandboxException.Kind.ENGINE_FAILED, "the engine worker failed: " + e);
        }
        synchronized (out) {
            try {
                WorkerChannel.write(out, call.id(), status, body);
            } catch (IOException e) {
                System.exit(1); // the runtime is gone
            }
        }
    }

    /** Body: sha256 (64 hex chars, computed by the runtime), wasm. */
    private byte[] load(byte[] body) throws SandboxException {
        String sha256 = new String(body, 0, 64, StandardCharsets.US_ASCII);
        MacroModule module = engine.load(Arrays.copyOfRange(body, 64, body.length), sha256);
        synchronized (modules) {
            modules.put(module.sha256(), module);
            while (modules.size() > MAX_MODULES) {
                String evicted = modules.keySet().iterator().next();
                modules.remove(evicted);
                MacroInstance spare = spares.remove(evicted);
                if (spare != null) spare.close();
            }
        }
        byte[] manifest = module.manifestJson().map(json -> json.getBytes(StandardCharsets.UTF_8)).orElse(null);
        ByteBuffer answer = ByteBuffer.allocate(1 + (manifest == null ? 0 : manifest.length));
        answer.put((byte) (manifest == null ? 0 : 1));
        if (manifest != null) {
            answer.put(manifest);
        }
        return answer.array();
    }

    /** The new instance's id, or null when the module is not loaded here. */
    private byte[] instantiate(String sha256) throws SandboxException {
        MacroModule module;
        synchronized (modules) {
            module = modules.get(sha256);
        }
        if (module == null) {
            return null;
        }
        MacroInstance spare = spares.remove(sha256);
        int id = instanceIds.incrementAndGet();
        instances.put(id, spare != null ? spare : module.instantiate());
        Thread.ofVirtual().name("sandcrate-worker-spare").start(() -> makeSpare(sha256, module));
        return ByteBuffer.allocate(4).putInt(id).array();
    }

    private void makeSpare(String sha256, MacroModule module) {
        if (spares.containsKey(sha256)) return;
        try {
            MacroInstance spare = module.instantiate();
            boolean loaded;
            synchronized (modules) {
                loaded = modules.containsKey(sha256) && spares.putIfAbsent(sha256, spare) == null;
            }
            if (!loaded) spare.close();
        } catch (SandboxException e) {
            // the next session instantiates for itself and gets the error then
        }
    }

    private byte[] expand(byte[] body) throws SandboxException {
        ByteBuffer buffer = ByteBuffer.wrap(body);
        int id = buffer.getInt();
        MacroInstance instance = instances.get(id);
        if (instance == null) {
            throw new SandboxException(SandboxException.Kind.DISCARDED, "engine worker has no instance " + id);
        }
        byte[] request = new byte[buffer.remaining()];
        buffer.get(request);
        byte[] response;
        try {
            response = instance.expand(request);
        } finally {
            if (!instance.usable()) {
                instances.remove(id);
                instance.close();
            }
        }
        return ByteBuffer.allocate(1 + response.length).put((byte) (instance.usable() ? 1 : 0)).put(response).array();
    }

    private byte[] close(byte[] body) {
        MacroInstance instance = instances.remove(ByteBuffer.wrap(body).getInt());
        if (instance != null) {
            instance.close();
        }
        return new byte[0];
    }

    static byte[] error(SandboxException.Kind kind, String message) {
        byte[] text = String.valueOf(message).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + text.length).put((byte) kind.ordinal()).put(text).array();
    }
}

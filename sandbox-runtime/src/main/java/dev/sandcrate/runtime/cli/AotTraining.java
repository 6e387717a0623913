package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.daemon.DaemonClient;
import dev.sandcrate.runtime.daemon.DaemonServer;
import dev.sandcrate.runtime.daemon.MacroService;
import dev.sandcrate.runtime.daemon.Protocol;
import dev.sandcrate.runtime.daemon.StdioServer;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeEngine;
import dev.sandcrate.runtime.engine.wasmtime.WasmtimeLibrary;
import dev.sandcrate.runtime.wire.Request;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The training run of {@code sandcrate-runtime aot-cache} (the launcher runs it with {@code -XX:AOTCacheOutput}):
 * what a build's first macro call makes the runtime do, so that the classes of those paths are in the JDK AOT cache
 * that daemons and engine workers start from. Its input is {@code lib/aot-training.bin}, protocol frames whose LOAD
 * carries a tiny ABI module that answers with its request; the request is made here, in this runtime's wire format.
 * It runs them
 * <ul>
 *   <li>through a daemon on a socket, as a shim does (EXPAND answered NEED_MODULE, LOAD, EXPAND again), then
 *       through a second daemon that answers from the first one's expansion journal, with no LOAD;</li>
 *   <li>through {@code --stdio};</li>
 *   <li>and through a Wasmtime engine in this JVM, which is what the engine worker runs: the worker starts from the
 *       same cache, and its own start (JNI binding, engine, module load) was on the cold path uncached.</li>
 * </ul>
 * Needs SANDCRATE_CACHE pointing at a scratch directory (the launcher makes one and removes it).
 */
public final class AotTraining {

    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        List<Protocol.Frame> frames = new ArrayList<>();
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            for (Protocol.Frame frame; (frame = Protocol.read(in)) != null; ) {
                frames.add(frame);
            }
        }
        Protocol.Frame load = only(frames, Protocol.OP_LOAD);
        // the request is made here, in this runtime's wire format (the module answers with it)
        byte[] request = Request.fromSource(Request.MacroKind.DERIVE, "Training", "lib.rs", "struct S { a: u8 }", null).encode();
        byte[] expandPayload = ByteBuffer.allocate(36 + request.length).order(ByteOrder.LITTLE_ENDIAN).putInt(1)
                .put(HexFormat.of().parseHex(ArtifactAbi.sha256(load.payload()))).put(request).array();
        Protocol.Frame expand = new Protocol.Frame(Protocol.OP_EXPAND, expandPayload);
        RuntimeCommand.EngineOptions engine = RuntimeCommand.EngineOptions.fromEnvironment(System.getenv());

        Path socketDirectory = Path.of(System.getenv("SANDCRATE_CACHE"), "run"); // removed with the scratch cache
        Path journals = MacroService.journalDirectory(System.getenv());
        MacroEngine daemonEngine = engine.create(); // one engine (and worker) for both daemons, as in a daemon's life
        // the second daemon answers from the first one's journal, before any LOAD
        for (boolean first : new boolean[] {true, false}) {
            DaemonServer daemon = new DaemonServer(new MacroService(daemonEngine, 1 << 20, journals), socketDirectory, Duration.ofMinutes(1));
            try {
                if (!daemon.start()) {
                    throw new IllegalStateException("the training daemon could not start in " + socketDirectory);
                }
                try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
                    client.ping();
                    if (first) {
                        expect(client.call(expand.code(), expand.payload()), Protocol.STATUS_NEED_MODULE);
                        client.load(load.payload());
                        expect(client.call(expand.code(), expand.payload()), Protocol.STATUS_OK);
                    }
                    expect(client.call(expand.code(), expand.payload()), Protocol.STATUS_OK); // answered from the cache
                }
            } finally {
                daemon.close();
            }
        }

        ByteArrayOutputStream stdioIn = new ByteArrayOutputStream();
        for (Protocol.Frame frame : List.of(load, expand)) {
            Protocol.write(stdioIn, frame.code(), frame.payload());
        }
        ByteArrayOutputStream stdioOut = new ByteArrayOutputStream();
        StdioServer.serve(new MacroService(engine.create()), new ByteArrayInputStream(stdioIn.toByteArray()), stdioOut);
        InputStream answers = new ByteArrayInputStream(stdioOut.toByteArray());
        expect(Protocol.read(answers), Protocol.STATUS_OK);
        expect(Protocol.read(answers), Protocol.STATUS_OK);

        if (WasmtimeLibrary.available()) {
            WasmtimeEngine wasmtime = new WasmtimeEngine(engine.limits(), Engines.cacheDirectory(System.getenv()));
            MacroModule module = wasmtime.load(load.payload());
            try (MacroInstance instance = module.instantiate()) {
                instance.expand(request);
            }
        }
        System.out.println("trained on " + frames.size() + " frames");
        System.exit(0); // the engines' worker and ticker threads
    }

    private static Protocol.Frame only(List<Protocol.Frame> frames, int op) {
        return frames.stream().filter(frame -> frame.code() == op).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the training input has no frame with operation " + op));
    }

    private static void expect(Protocol.Frame answer, int status) throws IOException {
        if (answer.code() != status) {
            throw new IOException("training: expected status " + status + ", got " + answer.code()
                    + (answer.code() == Protocol.STATUS_ERROR ? ": " + DaemonClient.errorMessage(answer) : ""));
        }
    }
}

package dev.sandcrate.runtime.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.FallbackEngine;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.engine.isolated.IsolatedEngine;
import dev.sandcrate.runtime.wire.Request;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with the production engine (Wasmtime in a worker process, Chicory fallback): a native crash in the
 * engine while two rustc processes use the daemon neither takes the daemon down nor changes what either of them
 * gets back, statics included.
 */
class EngineCrashDaemonTest {

    private static final SandboxLimits LIMITS = SandboxLimits.defaults().withTimeout(Duration.ofSeconds(5));
    private static final byte[] REQUEST = Request.fromSource(Request.MacroKind.BANG, "m", "input.rs", "a + b", null).encode();

    @TempDir
    Path temp;

    private static int lastByte(Protocol.Frame frame) {
        assertEquals(Protocol.STATUS_OK, frame.code(), () -> DaemonClient.errorMessage(frame));
        return frame.payload()[frame.payload().length - 1];
    }

    private static List<ProcessHandle> engineWorkers() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(
                        "dev.sandcrate.runtime.engine.isolated.EngineWorker")).orElse(false))
                .toList();
    }

    @Test
    void aCrashingEngineDoesNotBreakTheExpansionsOfOtherRustcProcesses() throws Exception {
        IsolatedEngine isolated = new IsolatedEngine(LIMITS, temp.resolve("cache"));
        FallbackEngine engine = new FallbackEngine(isolated, new ChicoryEngine(LIMITS));
        DaemonServer daemon = new DaemonServer(new MacroService(engine), temp.resolve("run"), Duration.ofMinutes(1));
        assertTrue(daemon.start());
        long me = ProcessHandle.current().pid();
        Process otherRustc = new ProcessBuilder("sleep", "60").start();
        byte[] wasm = AbiTestModules.countsCalls();
        String sha = ArtifactAbi.sha256(wasm);
        try (DaemonClient first = DaemonClient.connect(daemon.socket());
             DaemonClient second = DaemonClient.connect(daemon.socket())) {
            first.load(wasm);
            assertEquals(1, lastByte(first.expand(me, sha, REQUEST)));
            assertEquals(2, lastByte(first.expand(me, sha, REQUEST)));
            assertEquals(1, lastByte(second.expand(otherRustc.pid(), sha, REQUEST)));

            List<ProcessHandle> workers = engineWorkers();
            assertEquals(1, workers.size(), "one engine worker: " + workers);
            assertEquals(0, new ProcessBuilder("kill", "-SEGV", Long.toString(workers.get(0).pid())).start().waitFor());
            workers.get(0).onExit().get(30, TimeUnit.SECONDS);

            // both sessions go on as if nothing happened (rerun on Chicory with their earlier requests replayed)
            assertEquals(3, lastByte(first.expand(me, sha, REQUEST)));
            assertEquals(2, lastByte(second.expand(otherRustc.pid(), sha, REQUEST)));
            assertTrue(first.ping().startsWith("sandcrate-runtime "));
            assertEquals(2, engine.fallbackCount());
            // a rustc process that comes later gets Wasmtime again, in a new worker
            Process laterRustc = new ProcessBuilder("sleep", "60").start();
            try {
                assertEquals(1, lastByte(second.expand(laterRustc.pid(), sha, REQUEST)));
                assertEquals(2, engine.fallbackCount());
                assertEquals(1, engineWorkers().size());
            } finally {
                laterRustc.destroy();
            }
        } finally {
            otherRustc.destroy();
            daemon.close();
            isolated.close();
        }
    }
}

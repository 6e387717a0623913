package dev.sandcrate.runtime.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.wire.Request;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonServerTest {

    private static final SandboxLimits LIMITS = SandboxLimits.defaults().withTimeout(Duration.ofMillis(500));
    private static final byte[] REQUEST = Request.fromSource(Request.MacroKind.BANG, "m", "input.rs", "a + b", null).encode();
    private static final long MY_PID = ProcessHandle.current().pid();

    @TempDir
    Path temp;
    private DaemonServer daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private DaemonServer start(Duration idle) throws IOException {
        daemon = new DaemonServer(new MacroService(new ChicoryEngine(LIMITS)), temp.resolve("run"), idle);
        assertTrue(daemon.start());
        return daemon;
    }

    @Test
    void servesExpansionsAndAsksForModulesItLacks() throws Exception {
        start(Duration.ofMinutes(1));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("run"))));
        byte[] wasm = AbiTestModules.echo();
        String sha = ArtifactAbi.sha256(wasm);
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            assertTrue(client.ping().startsWith("sandcrate-runtime "));
            assertEquals(Protocol.STATUS_NEED_MODULE, client.expand(MY_PID, sha, REQUEST).code());
            client.load(wasm);
            Protocol.Frame ok = client.expand(MY_PID, sha, REQUEST);
            assertEquals(Protocol.STATUS_OK, ok.code());
            assertArrayEquals(REQUEST, ok.payload());
        }
        // a second connection (the next rustc) finds the module cached
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            assertEquals(Protocol.STATUS_OK, client.expand(MY_PID, sha, REQUEST).code());
        }
    }

    @Test
    void eachProcessGetsItsOwnInstanceAndExitedProcessesAreDropped() throws Exception {
        start(Duration.ofMinutes(1));
        byte[] wasm = AbiTestModules.countsCalls();
        String sha = ArtifactAbi.sha256(wasm);
        Process other = new ProcessBuilder("sleep", "60").start();
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            client.load(wasm);
            assertEquals(1, lastByte(client.expand(MY_PID, sha, REQUEST)));
            assertEquals(2, lastByte(client.expand(MY_PID, sha, REQUEST)));
            assertEquals(1, lastByte(client.expand(other.pid(), sha, REQUEST)));
            assertEquals(3, lastByte(client.expand(MY_PID, sha, REQUEST)));
            assertEquals(2, lastByte(client.expand(other.pid(), sha, REQUEST)));
            other.destroy();
            other.waitFor(10, TimeUnit.SECONDS);
            MacroService service = serviceOf(daemon);
            assertEquals(2, service.sessionCount());
            service.sweep();
            assertEquals(1, service.sessionCount());
            // the connection remembered the dropped session: it must get a new one, which the service tracks (and sweeps)
            assertEquals(1, lastByte(client.expand(other.pid(), sha, REQUEST)));
            assertEquals(2, service.sessionCount());
        } finally {
            other.destroy();
        }
    }

    @Test
    void sandboxFailuresComeBackAsErrorFrames() throws Exception {
        start(Duration.ofMinutes(1));
        byte[] wasm = AbiTestModules.loopsForever();
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            client.load(wasm);
            Protocol.Frame error = client.expand(MY_PID, ArtifactAbi.sha256(wasm), REQUEST);
            assertEquals(Protocol.STATUS_ERROR, error.code());
            assertEquals(SandboxException.Kind.TIMEOUT.ordinal(), error.payload()[0]);
            assertEquals("macro expansion did not finish within the time limit of 500 ms and was stopped",
                    DaemonClient.errorMessage(error));
            IOException rejected = assertThrows(IOException.class, () -> client.load(AbiTestModules.importsFunction()));
            assertEquals("module imports env.now; Sandcrate artifacts must not import anything", rejected.getMessage());
            // a module answering with something that is not a wire message is reported, not passed on
            byte[] raw = AbiTestModules.returnsBytes(16);
            client.load(raw);
            Protocol.Frame garbage = client.expand(MY_PID, ArtifactAbi.sha256(raw), REQUEST);
            assertEquals(Protocol.STATUS_ERROR, garbage.code());
            assertTrue(DaemonClient.errorMessage(garbage).contains("not in the Sandcrate wire format"));
        }
    }

    @Test
    void onlyOneDaemonPerDirectory() throws Exception {
        start(Duration.ofMinutes(1));
        DaemonServer second = new DaemonServer(new MacroService(new ChicoryEngine(LIMITS)), temp.resolve("run"), Duration.ofMinutes(1));
        assertFalse(second.start());
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            assertTrue(client.ping().startsWith("sandcrate-runtime"));
        }
    }

    @Test
    void exitsWhenIdleAndRemovesItsSocket() throws Exception {
        start(Duration.ofMillis(300));
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            client.ping();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Files.exists(daemon.socket()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(daemon.socket()), "socket still there after the idle timeout");
    }

    @Test
    void shutdownRequestStopsTheDaemon() throws Exception {
        start(Duration.ofMinutes(1));
        try (DaemonClient client = DaemonClient.connect(daemon.socket())) {
            client.shutdown();
        }
        daemon.awaitStop();
        assertFalse(Files.exists(daemon.socket()));
    }

    @Test
    void refusesADirectoryOthersCanReach() throws Exception {
        Path open = Files.createDirectory(temp.resolve("open"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        DaemonServer exposed = new DaemonServer(new MacroService(new ChicoryEngine(LIMITS)), open, Duration.ofMinutes(1));
        IOException e = assertThrows(IOException.class, exposed::start);
        assertEquals(open + " has mode rwxr-xr-x; it must be rwx------ (chmod 700) so no other user can reach the runtime socket",
                e.getMessage());
    }

    @Test
    void stdioSpeaksTheSameProtocol() throws Exception {
        byte[] wasm = AbiTestModules.echo();
        ByteArrayOutputStream requests = new ByteArrayOutputStream();
        Protocol.write(requests, Protocol.OP_LOAD, wasm);
        java.nio.ByteBuffer expand = java.nio.ByteBuffer.allocate(36 + REQUEST.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        expand.putInt((int) MY_PID).put(java.util.HexFormat.of().parseHex(ArtifactAbi.sha256(wasm))).put(REQUEST);
        Protocol.write(requests, Protocol.OP_EXPAND, expand.array());
        ByteArrayOutputStream responses = new ByteArrayOutputStream();
        StdioServer.serve(new MacroService(new ChicoryEngine(LIMITS)), new ByteArrayInputStream(requests.toByteArray()), responses);
        ByteArrayInputStream in = new ByteArrayInputStream(responses.toByteArray());
        assertEquals(Protocol.STATUS_OK, Protocol.read(in).code());
        Protocol.Frame expanded = Protocol.read(in);
        assertEquals(Protocol.STATUS_OK, expanded.code());
        assertArrayEquals(REQUEST, expanded.payload());
    }

    private static int lastByte(Protocol.Frame frame) {
        assertEquals(Protocol.STATUS_OK, frame.code(), () -> DaemonClient.errorMessage(frame));
        return frame.payload()[frame.payload().length - 1];
    }

    private static MacroService serviceOf(DaemonServer server) throws Exception {
        var field = DaemonServer.class.getDeclaredField("service");
        field.setAccessible(true);
        return (MacroService) field.get(server);
    }
}

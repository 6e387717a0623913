package dev.sandcrate.runtime.daemon;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import dev.sandcrate.runtime.wire.Request;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's expansion cache: answers reused across rustc sessions without losing the macros' statics. */
class ExpansionCacheTest {

    private static final SandboxLimits LIMITS = SandboxLimits.defaults().withTimeout(Duration.ofMillis(500));

    @TempDir
    Path temp;
    private DaemonServer daemon;
    private final List<Process> sessions = new ArrayList<>();

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
        sessions.forEach(Process::destroy);
    }

    private DaemonClient daemon(long cacheBytes) throws IOException {
        return daemon(cacheBytes, null);
    }

    private DaemonClient daemon(long cacheBytes, Path journals) throws IOException {
        daemon = new DaemonServer(new MacroService(new ChicoryEngine(LIMITS), cacheBytes, journals), temp.resolve("run"), Duration.ofMinutes(1));
        assertTrue(daemon.start());
        return DaemonClient.connect(daemon.socket());
    }

    /** A live process whose pid stands for one rustc session. */
    private long newSession() throws IOException {
        Process process = new ProcessBuilder("sleep", "60").start();
        sessions.add(process);
        return process.pid();
    }

    private static byte[] request(String source) {
        return Request.fromSource(Request.MacroKind.BANG, "m", "input.rs", source, null).encode();
    }

    private static int callNumber(Protocol.Frame frame) {
        assertEquals(Protocol.STATUS_OK, frame.code(), () -> DaemonClient.errorMessage(frame));
        return frame.payload()[frame.payload().length - 1];
    }

    @Test
    void aLaterSessionAskingTheSameGetsCachedAnswersAndStatics() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls(); // answers with how many calls its instance has had
        String sha = ArtifactAbi.sha256(wasm);
        try (DaemonClient client = daemon(1 << 20)) {
            client.load(wasm);
            long first = newSession();
            assertEquals(1, callNumber(client.expand(first, sha, request("a"))));
            assertEquals(2, callNumber(client.expand(first, sha, request("b"))));
            assertEquals(3, callNumber(client.expand(first, sha, request("c"))));
            assertTrue(client.ping().contains("0 hits, 3 misses"), client::toString);

            long second = newSession(); // the next build asks the same two, then something new
            assertEquals(1, callNumber(client.expand(second, sha, request("a"))));
            assertEquals(2, callNumber(client.expand(second, sha, request("b"))));
            assertTrue(client.ping().contains("2 hits, 3 misses"));
            // not cached: the instance is made now and must first replay "a" and "b", or the macro would count 1
            assertEquals(3, callNumber(client.expand(second, sha, request("edited"))));
            assertEquals(4, callNumber(client.expand(second, sha, request("c"))));

            long third = newSession(); // the same requests in another order are other answers: b is this session's first call
            assertEquals(1, callNumber(client.expand(third, sha, request("b"))));
            assertTrue(client.ping().contains("2 hits, 6 misses"), client.ping());
        }
    }

    @Test
    void answersOutliveTheDaemonOnDisk() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls();
        String sha = ArtifactAbi.sha256(wasm);
        Path journals = temp.resolve("expansions");
        try (DaemonClient client = daemon(1 << 20, journals)) {
            client.load(wasm);
            long first = newSession();
            for (String input : List.of("a", "b", "c")) {
                client.expand(first, sha, request(input));
            }
        }
        daemon.close(); // idle: the next build starts another daemon
        try (DaemonClient client = daemon(1 << 20, journals)) {
            long second = newSession(); // answered from disk before the module is sent: this daemon has never loaded it
            assertEquals(1, callNumber(client.expand(second, sha, request("a"))));
            assertEquals(2, callNumber(client.expand(second, sha, request("b"))));
            assertTrue(client.ping().contains("2 hits, 0 misses") && client.ping().contains("3 read from"), client.ping());
            assertEquals(Protocol.STATUS_NEED_MODULE, client.expand(second, sha, request("edited")).code());
            client.load(wasm);
            // the instance made now replays "a" and "b" first, as with answers from memory
            assertEquals(3, callNumber(client.expand(second, sha, request("edited"))));
        }
    }

    @Test
    void aJournalCutShortOrDamagedKeepsItsGoodRecordsAndGoesOn() throws Exception {
        Path journals = temp.resolve("expansions");
        byte[][] requests = {{1}, {2}, {3}};
        long[] after = new long[3];
        try (ExpansionCache cache = new ExpansionCache(1 << 20, journals)) {
            long position = cache.start("m");
            for (int i = 0; i < 3; i++) {
                position = after[i] = cache.put(position, requests[i], new byte[] {(byte) (10 + i)});
            }
        }
        Path file = journals.resolve("m.journal");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 3)); // a crash while writing the third record
        try (ExpansionCache cache = new ExpansionCache(1 << 20, journals)) {
            long start = cache.start("m");
            assertEquals(after[0], cache.get(start, requests[0]).position());
            assertArrayEquals(new byte[] {11}, cache.get(after[0], requests[1]).response());
            assertNull(cache.get(after[1], requests[2]));
            assertEquals(after[2], cache.put(after[1], requests[2], new byte[] {12}), "ids go on after the last good record");
        }
        whole = Files.readAllBytes(file);
        whole[whole.length / 2] ^= 0x55; // damage inside the second record: it and everything after it go
        Files.write(file, whole);
        try (ExpansionCache cache = new ExpansionCache(1 << 20, journals)) {
            long start = cache.start("m");
            assertArrayEquals(new byte[] {10}, cache.get(start, requests[0]).response());
            assertNull(cache.get(after[0], requests[1]));
            assertTrue(cache.describe().contains("1 read from"), cache.describe());
        }
    }

    @Test
    void aSecondCacheOnTheSameDirectoryKeepsItsAnswersInMemory() throws Exception {
        Path journals = temp.resolve("expansions");
        try (ExpansionCache first = new ExpansionCache(1 << 20, journals); ExpansionCache second = new ExpansionCache(1 << 20, journals)) {
            first.put(first.start("m"), new byte[] {1}, new byte[] {10});
            long position = second.start("m"); // the first holds the journal's lock
            second.put(position, new byte[] {2}, new byte[] {20});
            assertArrayEquals(new byte[] {20}, second.get(position, new byte[] {2}).response());
        }
        try (ExpansionCache later = new ExpansionCache(1 << 20, journals)) {
            long start = later.start("m");
            assertArrayEquals(new byte[] {10}, later.get(start, new byte[] {1}).response());
            assertNull(later.get(start, new byte[] {2}));
        }
    }

    @Test
    void withoutACacheEverySessionRunsTheMacro() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls();
        String sha = ArtifactAbi.sha256(wasm);
        try (DaemonClient client = daemon(0)) {
            client.load(wasm);
            for (int round = 0; round < 2; round++) {
                long session = newSession();
                assertEquals(1, callNumber(client.expand(session, sha, request("a"))));
                assertEquals(2, callNumber(client.expand(session, sha, request("b"))));
            }
            assertTrue(!client.ping().contains("cache"));
        }
    }

    @Test
    void failuresAndPanicsAreNotCached() throws Exception {
        byte[] loops = AbiTestModules.loopsForever();
        byte[] panics = AbiTestModules.panicsWith(request("a wire-format panic answer"));
        try (DaemonClient client = daemon(1 << 20)) {
            client.load(loops);
            client.load(panics);
            for (int round = 0; round < 2; round++) {
                long session = newSession();
                Protocol.Frame timeout = client.expand(session, ArtifactAbi.sha256(loops), request("a"));
                assertEquals(SandboxException.Kind.TIMEOUT.ordinal(), timeout.payload()[0]);
                Protocol.Frame panic = client.expand(session, ArtifactAbi.sha256(panics), request("a"));
                assertEquals(Protocol.STATUS_OK, panic.code(), () -> DaemonClient.errorMessage(panic));
            }
            assertTrue(client.ping().contains("0 hits, 4 misses, 0 answers"), client.ping());
        }
    }

    @Test
    void theLeastRecentlyUsedAnswersGoBeyondTheBudget() {
        ExpansionCache cache = new ExpansionCache(3 * (1000 + 10 + 160));
        long start = cache.start("module");
        assertEquals(start, cache.start("module"));
        byte[][] requests = new byte[5][];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = new byte[10];
            requests[i][0] = (byte) i;
        }
        long[] after = new long[4];
        for (int i = 0; i < 3; i++) {
            after[i] = cache.put(start, requests[i], new byte[1000]);
        }
        cache.get(start, requests[0]); // used: request 1 is now the oldest
        after[3] = cache.put(start, requests[3], new byte[1000]);
        assertNull(cache.get(start, requests[1]));
        assertEquals(after[0], cache.get(start, requests[0].clone()).position(), "keys compare the request's bytes");
        assertArrayEquals(new byte[1000], cache.get(start, requests[3]).response());
        assertEquals(after[3], cache.put(start, requests[3], new byte[1000]), "an answer already kept keeps its position");
        assertNull(cache.get(after[0], requests[3]), "the same request after another one is another entry");
        assertNull(cache.get(cache.start("other module"), requests[0]));
        long beyond = cache.put(start, requests[4], new byte[4 * 1000]); // larger than the whole budget: not kept
        assertNull(cache.get(start, requests[4]));
        assertNull(cache.get(beyond, requests[0]));
        assertTrue(cache.describe().contains("3 answers"), cache.describe());
    }
}

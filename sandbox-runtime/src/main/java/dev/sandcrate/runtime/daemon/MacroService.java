package dev.sandcrate.runtime.daemon;

import dev.sandcrate.runtime.RuntimeVersion;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.Wire;
import dev.sandcrate.runtime.wire.WireException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the daemon and {@code --stdio} do with a frame: modules cached by sha256, one instance per (rustc session,
 * module). A session is a client process id plus that process's start time, so a recycled pid never inherits
 * another compiler's macro statics; sessions of processes that have exited are dropped by {@link #sweep()}.
 */
public final class MacroService {

    /** Compiled modules kept in memory; least recently used ones are dropped beyond this. */
    private static final int MAX_CACHED_MODULES = 64;

    private final MacroEngine engine;
    private final Map<String, MacroModule> modules = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
    private final ExpansionCache expansions; // null: not cached

    /** A service without an expansion cache. */
    public MacroService(MacroEngine engine) {
        this(engine, 0);
    }

    /** A service that keeps up to {@code cacheBytes} of expansion answers in memory (0: none), see {@link Chain}. */
    public MacroService(MacroEngine engine, long cacheBytes) {
        this(engine, cacheBytes, null);
    }

    /**
     * A service that keeps up to {@code cacheBytes} of expansion answers (0: none), and each module's also on disk under
     * {@code cacheDirectory} (null: memory only), for the daemons after this one.
     */
    public MacroService(MacroEngine engine, long cacheBytes, Path cacheDirectory) {
        this.engine = engine;
        this.expansions = cacheBytes > 0 ? new ExpansionCache(cacheBytes, cacheDirectory) : null;
    }

    /** Where daemons keep expansion journals: {@code expansions/} in the runtime cache ({@link Engines#cacheDirectory}); null without one. */
    public static Path journalDirectory(Map<String, String> env) {
        Path cache = Engines.cacheDirectory(env);
        return cache == null ? null : cache.resolve("expansions");
    }

    /** Closes the expansion cache's files (a daemon that stops lets the next one use them). */
    public void close() {
        if (expansions != null) {
            expansions.close();
        }
    }

    public MacroEngine engine() {
        return engine;
    }

    /**
     * One connection's memory of its session: a connection belongs to one client process, so its session is looked
     * up (and the process's start time read from /proc, 30-100 us) on its first EXPAND only, not on every one.
     */
    public static final class Client {
        private long pid = -1;
        private Session session;
    }

    /** Handles one request frame of a one-off client (tests, tools) and returns the response frame. */
    public Protocol.Frame handle(Protocol.Frame request) {
        return handle(request, new Client());
    }

    /** Handles one request frame of {@code client}'s connection and returns the response frame. Never throws for bad input. */
    public Protocol.Frame handle(Protocol.Frame request, Client client) {
        try {
            return switch (request.code()) {
                case Protocol.OP_EXPAND -> expand(request.payload(), client);
                case Protocol.OP_LOAD -> load(request.payload());
                case Protocol.OP_PING -> ok(("sandcrate-runtime " + RuntimeVersion.VERSION + " " + engine.name()
                        + (expansions == null ? "" : "; " + expansions.describe())).getBytes(StandardCharsets.UTF_8));
                default -> error(Protocol.KIND_PROTOCOL, "unknown operation " + request.code());
            };
        } catch (SandboxException e) {
            return error(e.kind().ordinal(), e.getMessage());
        }
    }

    private Protocol.Frame load(byte[] wasm) throws SandboxException {
        String sha256 = dev.sandcrate.runtime.engine.ArtifactAbi.sha256(wasm);
        synchronized (modules) {
            if (modules.containsKey(sha256)) {
                return ok(sha256.getBytes(StandardCharsets.US_ASCII));
            }
        }
        MacroModule module = engine.load(wasm, sha256);
        synchronized (modules) {
            modules.putIfAbsent(sha256, module);
            while (modules.size() > MAX_CACHED_MODULES) {
                modules.remove(modules.keySet().iterator().next());
            }
        }
        return ok(sha256.getBytes(StandardCharsets.US_ASCII));
    }

    private Protocol.Frame expand(byte[] payload, Client client) throws SandboxException {
        if (payload.length < 36) {
            return error(Protocol.KIND_PROTOCOL, "EXPAND needs a pid, a sha256 and a request");
        }
        ByteBuffer buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        long pid = Integer.toUnsignedLong(buffer.getInt());
        byte[] digest = new byte[32];
        buffer.get(digest);
        String sha256 = HexFormat.of().formatHex(digest);
        byte[] wireRequest = new byte[buffer.remaining()];
        buffer.get(wireRequest);

        Session session = client.session;
        if (client.pid != pid || session == null || sessions.get(pid) != session) { // first call, or swept meanwhile
            session = sessions.compute(pid, (key, existing) -> {
                long started = processStartTime(key);
                return existing != null && existing.startTime == started ? existing : replace(existing, started);
            });
            client.pid = pid;
            client.session = session;
        }
        byte[] answer = session.expand(sha256, wireRequest);
        return answer == null ? new Protocol.Frame(Protocol.STATUS_NEED_MODULE, new byte[0]) : ok(answer);
    }

    private MacroModule loaded(String sha256) {
        synchronized (modules) {
            return modules.get(sha256);
        }
    }

    private Session replace(Session stale, long startTime) {
        if (stale != null) {
            stale.close();
        }
        return new Session(startTime);
    }

    /** Drops the sessions of processes that no longer exist. */
    public void sweep() {
        sessions.entrySet().removeIf(entry -> {
            long now = processStartTime(entry.getKey());
            boolean gone = now == -1 || now != entry.getValue().startTime;
            if (gone) {
                entry.getValue().close();
            }
            return gone;
        });
    }

    public int sessionCount() {
        return sessions.size();
    }

    public int moduleCount() {
        synchronized (modules) {
            return modules.size();
        }
    }

    /**
     * Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), -1 if it does not exist,
     * 0 where /proc cannot tell (the session then lives until the daemon exits).
     */
    static long processStartTime(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.isDirectory(Path.of("/proc/self"))) {
            return 0;
        }
        try {
            String text = Files.readString(stat, StandardCharsets.ISO_8859_1);
            // the command name (field 2) may contain spaces and parentheses: fields after it follow the last ')'
            String[] rest = text.substring(text.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(rest[19]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static Protocol.Frame ok(byte[] payload) {
        return new Protocol.Frame(Protocol.STATUS_OK, payload);
    }

    private static Protocol.Frame error(int kind, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[text.length + 1];
        payload[0] = (byte) kind;
        System.arraycopy(text, 0, payload, 1, text.length);
        return new Protocol.Frame(Protocol.STATUS_ERROR, payload);
    }

    /** The module instances of one client process, one chain per module. */
    private final class Session {
        final long startTime;
        private final Map<String, Chain> chains = new ConcurrentHashMap<>();

        Session(long startTime) {
            this.startTime = startTime;
        }

        /** The answer, or null when it needs module {@code sha256}, which is not loaded. */
        byte[] expand(String sha256, byte[] wireRequest) throws SandboxException {
            return chains.computeIfAbsent(sha256, Chain::new).expand(wireRequest);
        }

        void close() {
            chains.values().forEach(Chain::close);
            chains.clear();
        }
    }

    /**
     * One module's instance in one session, and what the session has asked it so far. A macro's answer depends on
     * its request and, through the macro's statics, on every earlier request of the session to that module, and on
     * nothing else (an artifact has no imports). So an answer is cached under the session's requests up to it (see
     * {@link ExpansionCache}), and a later session that asks the same requests in the same order gets the cached
     * answers without running the macro. The instance is made and brought up to date (the requests answered from the
     * cache are replayed on it, answers dropped) only when an answer is not cached. Cached answers need no module at
     * all: a daemon that read them from disk answers them before the client has sent the module.
     */
    private final class Chain {
        private final String sha256;
        private MacroModule module; // null until a request is not answered from the cache
        private long position; // the cache's entry for the requests so far; NOT_CACHED once the chain cannot be cached
        /** The requests whose runs the macro's statics hold, in order; the instance has run the first {@code ran}. */
        private final List<byte[]> history = new ArrayList<>();
        private int ran;
        private MacroInstance instance;

        Chain(String sha256) {
            this.sha256 = sha256;
            this.position = expansions == null ? ExpansionCache.NOT_CACHED : expansions.start(sha256);
        }

        /** The answer, or null when it must be computed and the module is not loaded (the client then sends it). */
        synchronized byte[] expand(byte[] wireRequest) throws SandboxException {
            if (position != ExpansionCache.NOT_CACHED) {
                ExpansionCache.Answer cached = expansions.get(position, wireRequest);
                if (cached != null) {
                    history.add(wireRequest);
                    position = cached.position();
                    return cached.response();
                }
            }
            if (module == null && (module = loaded(sha256)) == null) {
                return null;
            }
            byte[] response;
            boolean asksForInputs;
            try {
                if (instance == null || !instance.usable()) {
                    instance = module.instantiate();
                    ran = 0;
                }
                for (; ran < history.size(); ran++) {
                    instance.expand(history.get(ran)); // deterministic: brings the statics to where the earlier answers left them
                }
                response = instance.expand(wireRequest);
                checkWireVersion(response);
                asksForInputs = Response.asksForInputs(response);
            } catch (SandboxException e) { // the instance is gone: later requests meet fresh statics, as without a cache
                forget();
                throw e;
            } catch (WireException e) {
                forget();
                throw new SandboxException(SandboxException.Kind.INVALID_MODULE, "module answered with an unreadable message: " + e.getMessage());
            }
            if (asksForInputs) {
                // The macro ran without files it asked for, and the shim asks again with them. Natively it ran once,
                // with the files: the next request meets the statics as they were before this one (a new instance
                // replays the history), and this answer is neither cached nor part of the history.
                instance.close();
                instance = null;
                return response;
            }
            if (instance.usable()) {
                history.add(wireRequest);
                ran++;
                if (position != ExpansionCache.NOT_CACHED) position = expansions.put(position, wireRequest, response);
            } else {
                forget(); // after a panic (which discards the instance) the next request meets fresh statics: not a position
            }
            return response;
        }

        private void forget() {
            position = ExpansionCache.NOT_CACHED;
            history.clear();
            ran = 0;
        }

        synchronized void close() {
            if (instance != null) {
                instance.close();
            }
        }
    }

    /** A module built for another wire format version answers with bytes this runtime's shims cannot read. */
    static void checkWireVersion(byte[] response) throws SandboxException {
        int version = Wire.versionOf(response);
        if (version < 0) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE, "module answered with a message that is not in the Sandcrate wire format");
        }
        if (version < Wire.OLDEST_VERSION || version > Wire.VERSION) {
            throw new SandboxException(SandboxException.Kind.INVALID_MODULE,
                    "module built for wire format " + version + ", this runtime speaks " + Wire.OLDEST_VERSION + " to " + Wire.VERSION);
        }
    }
}

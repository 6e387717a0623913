package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.daemon.DaemonServer;
import dev.sandcrate.runtime.daemon.MacroService;
import dev.sandcrate.runtime.daemon.RuntimePaths;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "daemon", description = "Serve shims on the per-user Unix socket until idle (started on demand by shims).")
final class DaemonCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Socket directory (default: $SANDCRATE_RUNTIME_DIR, "
            + "$XDG_RUNTIME_DIR/sandcrate or ~/.cache/sandcrate/run).")
    Path dir;

    private static final String DEFAULT_IDLE_SECONDS = "900";
    static final Duration DEFAULT_IDLE = Duration.ofSeconds(Long.parseLong(DEFAULT_IDLE_SECONDS));

    @Option(names = "--idle-timeout-s", defaultValue = DEFAULT_IDLE_SECONDS, description = "Exit after this many seconds without clients.")
    long idleSeconds;

    static final String CACHE_ENV = "SANDCRATE_EXPANSION_CACHE_MIB";
    private static final String CACHE_DEFAULT = "64";

    @Option(names = "--expansion-cache-mib", defaultValue = "${env:" + CACHE_ENV + ":-" + CACHE_DEFAULT + "}",
            description = "Memory for expansion answers reused by later builds that ask the same, 0 for none (env "
                    + CACHE_ENV + ", default " + CACHE_DEFAULT + "); each module's answers are also kept on disk, "
                    + "under the runtime cache's expansions/, for later daemons.")
    long cacheMib;

    @Mixin
    RuntimeCommand.EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        return serve(dir != null ? dir : RuntimePaths.defaultDirectory(System.getenv()), Duration.ofSeconds(idleSeconds),
                cacheMib, engine);
    }

    /** The cache size picocli would give {@code daemon} without the option, in this environment. */
    static long cacheMibFromEnvironment(java.util.Map<String, String> env) {
        return RuntimeCommand.EngineOptions.number(env, CACHE_ENV, CACHE_DEFAULT);
    }

    static int serve(Path directory, Duration idle, long cacheMib, RuntimeCommand.EngineOptions engine) throws Exception {
        if (cacheMib < 0) {
            throw new IllegalArgumentException(CACHE_ENV + " / --expansion-cache-mib must not be negative, not " + cacheMib);
        }
        DaemonServer server = new DaemonServer(new MacroService(engine.create(), cacheMib << 20,
                MacroService.journalDirectory(System.getenv())), directory, idle);
        if (!server.start()) {
            System.err.println("sandcrate-runtime: a daemon already serves " + directory.resolve("runtime-v1.sock"));
            return 0;
        }
        System.err.println("sandcrate-runtime: listening on " + server.socket() + " (engine " + engine.name + ")");
        server.awaitStop();
        return 0;
    }
}

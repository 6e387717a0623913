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

    @Mixin
    RuntimeCommand.EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        return serve(dir != null ? dir : RuntimePaths.defaultDirectory(System.getenv()), Duration.ofSeconds(idleSeconds), engine);
    }

    static int serve(Path directory, Duration idle, RuntimeCommand.EngineOptions engine) throws Exception {
        DaemonServer server = new DaemonServer(new MacroService(engine.create()), directory, idle);
        if (!server.start()) {
            System.err.println("sandcrate-runtime: a daemon already serves " + directory.resolve("runtime-v1.sock"));
            return 0;
        }
        System.err.println("sandcrate-runtime: listening on " + server.socket() + " (engine " + engine.name + ")");
        server.awaitStop();
        return 0;
    }
}

package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.daemon.DaemonClient;
import dev.sandcrate.runtime.daemon.Protocol;
import dev.sandcrate.runtime.daemon.RuntimePaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Tell whether a daemon is running, and which.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Socket directory (default as for 'daemon').")
    Path dir;

    @Override
    public Integer call() {
        Path socket = socket(dir);
        try (DaemonClient client = DaemonClient.connect(socket)) {
            System.out.println(client.ping() + " on " + socket);
            return 0;
        } catch (IOException e) {
            System.out.println("no daemon on " + socket + " (" + e.getMessage() + ")");
            return 1;
        }
    }

    static Path socket(Path dir) {
        return (dir != null ? dir : RuntimePaths.defaultDirectory(System.getenv())).resolve(Protocol.SOCKET_NAME);
    }
}

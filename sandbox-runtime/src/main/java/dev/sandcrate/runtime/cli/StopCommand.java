package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.daemon.DaemonClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stop", description = "Ask the running daemon to exit (e.g. after upgrading the runtime).")
final class StopCommand implements Callable<Integer> {

    @Option(names = "--dir", description = "Socket directory (default as for 'daemon').")
    Path dir;

    @Override
    public Integer call() {
        Path socket = StatusCommand.socket(dir);
        try (DaemonClient client = DaemonClient.connect(socket)) {
            client.shutdown();
            System.out.println("stopped the daemon on " + socket);
            return 0;
        } catch (IOException e) {
            System.out.println("no daemon on " + socket + " (" + e.getMessage() + ")");
            return 1;
        }
    }
}

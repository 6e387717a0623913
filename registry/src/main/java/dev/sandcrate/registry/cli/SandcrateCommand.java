package dev.sandcrate.registry.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sandcrate} executable. Other modules add their commands to {@code subcommands}. */
@Command(name = "sandcrate", mixinStandardHelpOptions = true, version = "sandcrate 0.1.0",
        description = "A self-hosted Cargo registry.",
        subcommands = {
                ServeCommand.class,
                UserCommand.class,
                TokenCommand.class,
                KeyCommand.class,
                PasswdCommand.class,
                WorkerCommand.class,
                ImportCommand.class, ExportCommand.class,
                dev.sandcrate.precompile.cli.PrecompileCommand.class,
                dev.sandcrate.precompile.cli.RebuildCommand.class,
        })
public final class SandcrateCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--log-format", scope = CommandLine.ScopeType.INHERIT, paramLabel = "text|json",
            defaultValue = "${sandcrate.log.format:-${env:SANDCRATE_LOG_FORMAT:-text}}",
            description = "Log lines on stderr as text or as one JSON object each (env SANDCRATE_LOG_FORMAT; default: ${DEFAULT-VALUE}).")
    void logFormat(Logging.Format format) {
        Logging.use(format);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line {@link #main} runs, for tests that drive it in-process. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SandcrateCommand());
        // a database or bucket that cannot be reached and bad --database-*/--blob-url options are the operator's to fix: say what, no trace
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            if (!(e instanceof dev.sandcrate.registry.db.Database.Unavailable || e instanceof dev.sandcrate.registry.storage.BlobStorage.Unavailable
                    || e instanceof IllegalArgumentException)) throw e;
            line.getErr().println(line.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return 1;
        });
        return cli;
    }
}

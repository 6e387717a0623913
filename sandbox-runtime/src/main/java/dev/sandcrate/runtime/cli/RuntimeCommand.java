package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.RuntimeVersion;
import dev.sandcrate.runtime.daemon.MacroService;
import dev.sandcrate.runtime.daemon.StdioServer;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sandcrate-runtime}: the consumer runtime's command line (docs/runtime.md). */
@Command(name = "sandcrate-runtime", mixinStandardHelpOptions = true, versionProvider = RuntimeCommand.Version.class,
        description = "Runs precompiled proc-macro wasm for the Sandcrate shims, in a sandbox.",
        subcommands = {DaemonCommand.class, ExpandCommand.class, InspectCommand.class, VerifyCommand.class,
                StatusCommand.class, StopCommand.class, WhyCommand.class})
public final class RuntimeCommand implements Callable<Integer> {

    @Option(names = "--stdio", description = "Serve the runtime protocol on stdin/stdout instead of a socket.")
    boolean stdio;

    @CommandLine.Mixin
    EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        if (!stdio) {
            CommandLine.usage(this, System.err);
            return 2;
        }
        StdioServer.serve(new MacroService(engine.create()), System.in, System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine line = new CommandLine(new RuntimeCommand());
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("sandcrate-runtime: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return line;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sandcrate-runtime " + RuntimeVersion.VERSION};
        }
    }

    /** Engine choice and sandbox limits, shared by every command that runs wasm. */
    public static final class EngineOptions {
        @Option(names = "--engine", defaultValue = "${env:SANDCRATE_ENGINE:-" + Engines.DEFAULT + "}",
                description = "Wasm engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
                completionCandidates = EngineNames.class)
        String name;

        @Option(names = "--timeout-ms", defaultValue = "${env:SANDCRATE_TIMEOUT_MS:-30000}",
                description = "Time limit per expansion (env SANDCRATE_TIMEOUT_MS).")
        long timeoutMillis;

        @Option(names = "--memory-mib", defaultValue = "${env:SANDCRATE_MEMORY_MIB:-1024}",
                description = "Linear memory limit per instance (env SANDCRATE_MEMORY_MIB).")
        long memoryMib;

        @Option(names = "--output-mib", defaultValue = "${env:SANDCRATE_OUTPUT_MIB:-64}",
                description = "Largest response accepted from a macro (env SANDCRATE_OUTPUT_MIB).")
        int outputMib;

        SandboxLimits limits() {
            return new SandboxLimits(memoryMib << 20, Duration.ofMillis(timeoutMillis), outputMib << 20,
                    SandboxLimits.defaults().stackBytes());
        }

        MacroEngine create() {
            return Engines.create(name, limits());
        }
    }

    static final class EngineNames extends java.util.ArrayList<String> {
        EngineNames() {
            super(Engines.NAMES);
        }
    }
}

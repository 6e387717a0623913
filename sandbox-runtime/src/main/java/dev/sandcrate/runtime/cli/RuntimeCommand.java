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
        return serveStdio(engine);
    }

    static int serveStdio(EngineOptions engine) throws java.io.IOException {
        StdioServer.serve(new MacroService(engine.create()), System.in, System.out);
        return 0;
    }

    public static void main(String[] args) {
        System.exit(shimInvocation(args) ? runShimInvocation(args) : commandLine().execute(args));
    }

    /**
     * The two command lines shims start the runtime with, {@code daemon --dir D} and {@code --stdio}, exactly. They
     * are the cold-start path of a build's first macro call, so they skip picocli: its classes are Java 5 class files,
     * which the JDK's AOT cache cannot hold, and building its model took about half of the daemon's start.
     * Options and defaults are the same (the engine options come from the environment, as picocli reads them).
     */
    static boolean shimInvocation(String[] args) {
        return (args.length == 3 && args[0].equals("daemon") && args[1].equals("--dir") && !args[2].startsWith("-"))
                || (args.length == 1 && args[0].equals("--stdio"));
    }

    static int runShimInvocation(String[] args) {
        EngineOptions engine = EngineOptions.fromEnvironment(System.getenv());
        try {
            return args[0].equals("daemon")
                    ? DaemonCommand.serve(java.nio.file.Path.of(args[2]), DaemonCommand.DEFAULT_IDLE,
                            DaemonCommand.cacheMibFromEnvironment(System.getenv()), engine)
                    : serveStdio(engine);
        } catch (Exception e) {
            System.err.println("sandcrate-runtime: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
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
        // one place for each option's environment variable and default, for picocli and for fromEnvironment
        static final String ENGINE_ENV = "SANDCRATE_ENGINE";
        static final String TIMEOUT_ENV = "SANDCRATE_TIMEOUT_MS";
        static final String TIMEOUT_DEFAULT = "30000";
        static final String MEMORY_ENV = "SANDCRATE_MEMORY_MIB";
        static final String MEMORY_DEFAULT = "1024";
        static final String OUTPUT_ENV = "SANDCRATE_OUTPUT_MIB";
        static final String OUTPUT_DEFAULT = "64";

        @Option(names = "--engine", defaultValue = "${env:" + ENGINE_ENV + ":-" + Engines.DEFAULT + "}",
                description = "Wasm engine: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
                completionCandidates = EngineNames.class)
        String name;

        @Option(names = "--timeout-ms", defaultValue = "${env:" + TIMEOUT_ENV + ":-" + TIMEOUT_DEFAULT + "}",
                description = "Time limit per expansion (env " + TIMEOUT_ENV + ").")
        long timeoutMillis;

        @Option(names = "--memory-mib", defaultValue = "${env:" + MEMORY_ENV + ":-" + MEMORY_DEFAULT + "}",
                description = "Linear memory limit per instance (env " + MEMORY_ENV + ").")
        long memoryMib;

        @Option(names = "--output-mib", defaultValue = "${env:" + OUTPUT_ENV + ":-" + OUTPUT_DEFAULT + "}",
                description = "Largest response accepted from a macro (env " + OUTPUT_ENV + ").")
        int outputMib;

        /** What picocli gives a command line without engine options, in this environment. */
        static EngineOptions fromEnvironment(java.util.Map<String, String> env) {
            EngineOptions options = new EngineOptions();
            options.name = env.getOrDefault(ENGINE_ENV, Engines.DEFAULT);
            options.timeoutMillis = number(env, TIMEOUT_ENV, TIMEOUT_DEFAULT);
            options.memoryMib = number(env, MEMORY_ENV, MEMORY_DEFAULT);
            options.outputMib = Math.toIntExact(number(env, OUTPUT_ENV, OUTPUT_DEFAULT));
            return options;
        }

        static long number(java.util.Map<String, String> env, String variable, String fallback) {
            String value = env.getOrDefault(variable, fallback);
            try {
                return Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(variable + " must be a whole number, not '" + value + "'");
            }
        }

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

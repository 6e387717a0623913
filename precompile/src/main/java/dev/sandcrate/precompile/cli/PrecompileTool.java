package dev.sandcrate.precompile.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Standalone entry point of this module ({@code java -cp ... dev.sandcrate.precompile.cli.PrecompileTool}),
 * used by bench/ and scripts; the {@code sandcrate} executable registers the same two subcommands.
 */
@Command(name = "sandcrate-precompile", mixinStandardHelpOptions = true,
        subcommands = {PrecompileCommand.class, RebuildCommand.class})
public final class PrecompileTool {
    public static void main(String[] args) {
        System.exit(new CommandLine(new PrecompileTool()).execute(args));
    }
}

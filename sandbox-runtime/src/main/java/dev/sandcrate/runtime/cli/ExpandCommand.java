package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.wire.Diagnostic;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.TokenDump;
import dev.sandcrate.runtime.wire.TokenPrinter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "expand", description = "Run one macro of an artifact on Rust source text and print the expansion.")
final class ExpandCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "WASM", description = "The .wasm artifact.")
    Path wasm;

    @Parameters(index = "1", paramLabel = "INPUT", defaultValue = "-",
            description = "Rust source the macro is applied to (the item for derive/attr, the body for bang); - for stdin.")
    String input;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--derive", paramLabel = "TRAIT", description = "Run the derive macro for TRAIT.")
        String derive;
        @Option(names = "--attr", paramLabel = "NAME", description = "Run the attribute macro NAME.")
        String attr;
        @Option(names = "--bang", paramLabel = "NAME", description = "Run the function-like macro NAME.")
        String bang;
    }

    @Option(names = "--args", defaultValue = "", description = "The attribute's arguments (attribute macros only).")
    String args;

    @Option(names = "--dump", description = "Print the structural token dump instead of source text.")
    boolean dump;

    @Option(names = "--repeat", defaultValue = "1", description = "Run the expansion N times in one instance and report timing.")
    int repeat;

    @Mixin
    RuntimeCommand.EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        String file = input.equals("-") ? "<stdin>" : input;
        String text = input.equals("-")
                ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                : Files.readString(Path.of(input));
        Request.MacroKind kind = which.derive != null ? Request.MacroKind.DERIVE
                : which.attr != null ? Request.MacroKind.ATTR : Request.MacroKind.BANG;
        String name = which.derive != null ? which.derive : which.attr != null ? which.attr : which.bang;
        byte[] request = Request.fromSource(kind, name, file, text, kind == Request.MacroKind.ATTR ? args : null).encode();

        long loadStart = System.nanoTime();
        MacroInstance instance = engine.create().load(Files.readAllBytes(wasm)).instantiate();
        long loaded = System.nanoTime();
        byte[] bytes = instance.expand(request);
        long first = System.nanoTime();
        for (int i = 1; i < repeat; i++) {
            bytes = instance.expand(request);
        }
        long done = System.nanoTime();
        if (repeat > 1) {
            System.err.printf("load+instantiate %.1f ms, first expansion %.1f ms, then %.2f ms per expansion (%d runs)%n",
                    (loaded - loadStart) / 1e6, (first - loaded) / 1e6, (done - first) / 1e6 / (repeat - 1), repeat - 1);
        }
        Response response = Response.decode(bytes);
        for (Diagnostic d : response.diagnostics()) {
            System.err.println(d.level().name().toLowerCase() + ": " + d.message());
        }
        return switch (response.outcome()) {
            case Outcome.Expanded e -> {
                System.out.println(dump ? TokenDump.dumpTokens(e.stream()) : TokenPrinter.print(e.stream()));
                yield 0;
            }
            case Outcome.Panicked p -> {
                String where = p.location() == null ? "" : " at " + p.location().file() + ":" + p.location().line() + ":" + p.location().column();
                System.err.println("error: proc macro " + name + " panicked" + where + ": " + p.message());
                yield 1;
            }
            case Outcome.Failed f -> {
                System.err.println("error: " + f.message());
                yield 1;
            }
            case Outcome.NeedsInputs n -> {
                System.err.println("error: proc macro " + name + " reads " + String.join(", ", n.paths())
                        + (n.currentDir() ? (n.paths().isEmpty() ? "" : " and ") + "the working directory" : "")
                        + "; `expand` gives a macro no files (a shim in a cargo build does)");
                yield 1;
            }
        };
    }
}

package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.engine.MacroModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "verify", description = "Check that an artifact loads and instantiates in this runtime (and has the expected sha256).")
final class VerifyCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WASM", description = "The .wasm artifact.")
    Path wasm;

    @Option(names = "--sha256", description = "Expected sha256 (hex), e.g. from the registry's artifact record.")
    String expected;

    @Mixin
    RuntimeCommand.EngineOptions engine;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = Files.readAllBytes(wasm);
        MacroModule module = engine.create().load(bytes);
        if (expected != null && !expected.equalsIgnoreCase(module.sha256())) {
            System.err.println("sandcrate-runtime: " + wasm + " has sha256 " + module.sha256() + ", expected " + expected);
            return 1;
        }
        module.instantiate().close();
        System.out.println("ok " + module.sha256() + " " + wasm);
        return 0;
    }
}

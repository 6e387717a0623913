package dev.sandcrate.runtime.cli;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "inspect", description = "Show an artifact's sha256, size, exports and embedded manifest.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(paramLabel = "WASM", description = "The .wasm artifact.")
    Path wasm;

    @Override
    public Integer call() throws Exception {
        byte[] bytes = Files.readAllBytes(wasm);
        ArtifactAbi.CheckedModule checked = ArtifactAbi.check(bytes, ArtifactAbi.sha256(bytes));
        System.out.println("file:     " + wasm);
        System.out.println("sha256:   " + checked.sha256());
        System.out.println("size:     " + bytes.length + " bytes");
        System.out.println("abi:      Sandcrate artifact ABI " + ArtifactAbi.VERSION + " exports present, no imports");
        var exports = checked.module().exportSection();
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < exports.exportCount(); i++) {
            names.append(i == 0 ? "" : ", ").append(exports.getExport(i).name());
        }
        System.out.println("exports:  " + names);
        System.out.println("manifest: " + checked.manifestJson().orElse("(none: no " + ArtifactAbi.MANIFEST_SECTION + " section)"));
        return 0;
    }
}

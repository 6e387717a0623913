package dev.sandcrate.precompile.artifact;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a built module before it may be served: it parses, imports nothing (the runtime provides no host
 * functions), exports the ABI of docs/architecture.md, and carries a manifest naming the macros it was built
 * for. Returns the problems found; empty means valid.
 */
public final class ArtifactValidator {
    /** Required exports and their kinds (ABI version 1). */
    static final Map<String, ExternalType> ABI_EXPORTS = Map.of(
            "memory", ExternalType.MEMORY,
            "sandcrate_abi_version", ExternalType.FUNCTION,
            "sandcrate_alloc", ExternalType.FUNCTION,
            "sandcrate_expand", ExternalType.FUNCTION,
            "sandcrate_last_panic", ExternalType.FUNCTION);

    private ArtifactValidator() {
    }

    public static List<String> problems(byte[] wasm) {
        List<String> problems = new ArrayList<>();
        WasmModule module;
        try {
            module = Parser.parse(wasm);
        } catch (RuntimeException e) {
            return List.of("does not parse as a wasm module: " + e.getMessage());
        }
        module.importSection().stream().forEach(i -> problems.add("imports " + i.module() + "." + i.name()
                + " (" + i.importType() + "), but artifacts may import nothing"));
        Map<String, ExternalType> exports = new HashMap<>();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            exports.put(module.exportSection().getExport(i).name(), module.exportSection().getExport(i).exportType());
        }
        ABI_EXPORTS.forEach((name, type) -> {
            if (exports.get(name) != type) problems.add("does not export " + type.name().toLowerCase() + " " + name);
        });
        try {
            ArtifactManifest manifest = ArtifactManifest.of(wasm);
            if (manifest.macros().isEmpty()) problems.add("the manifest names no macro");
            for (var m : manifest.macros()) {
                if (m.name().isBlank() || !List.of("derive", "attr", "bang").contains(m.kind())) {
                    problems.add("the manifest has an invalid macro entry " + m);
                }
            }
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }
}

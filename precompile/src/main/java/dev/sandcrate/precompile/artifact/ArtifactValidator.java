package dev.sandcrate.precompile.artifact;

import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;

import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.WireException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a built module before it may be served: it parses, imports nothing (the runtime provides no host
 * functions), exports the ABI of docs/architecture.md, carries a manifest naming the macros it was built for,
 * and (run in the consumer runtime) dispatches exactly those: every manifest macro is found, an unknown name
 * is refused. Returns the problems found; empty means valid.
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
            if (problems.isEmpty()) problems.addAll(dispatchProblems(wasm, manifest));
        } catch (RuntimeException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    /** Runs each manifest macro once on empty input: it must be dispatched (whatever the macro then answers). */
    private static List<String> dispatchProblems(byte[] wasm, ArtifactManifest manifest) {
        List<String> problems = new ArrayList<>();
        // closed: the default engine's worker process would outlive every validation (one JVM per precompile job)
        try (MacroEngine engine = Engines.create(Engines.DEFAULT, SandboxLimits.defaults())) {
            MacroModule module = engine.load(wasm);
            for (var m : manifest.macros()) {
                Request.MacroKind kind = Request.MacroKind.valueOf(m.kind().equals("derive") ? "DERIVE" : m.kind().equals("attr") ? "ATTR" : "BANG");
                if (isUnknown(run(module, kind, m.name()))) problems.add("the module does not dispatch " + m.kind() + " " + m.name() + " named in its manifest");
            }
            Outcome bogus = run(module, Request.MacroKind.BANG, "sandcrate_no_such_macro");
            if (!(bogus instanceof Outcome.Failed)) problems.add("the module does not refuse an unknown macro name");
        } catch (SandboxException | WireException e) {
            problems.add("cannot run the module in the sandbox runtime: " + e.getMessage());
        }
        return problems;
    }

    private static Outcome run(MacroModule module, Request.MacroKind kind, String name) throws SandboxException, WireException {
        try (MacroInstance instance = module.instantiate()) {
            Request request = Request.fromSource(kind, name, "sandcrate-validate.rs", "", kind == Request.MacroKind.ATTR ? "" : null);
            return Response.decode(instance.expand(request.encode())).outcome();
        }
    }

    private static boolean isUnknown(Outcome outcome) {
        return outcome instanceof Outcome.Failed f && f.message().contains("has no");
    }
}

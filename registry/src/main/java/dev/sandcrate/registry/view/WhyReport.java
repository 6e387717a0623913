package dev.sandcrate.registry.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.precompile.PrecompileStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * For a consumer's {@code Cargo.lock}: which proc-macro crates the precompiled view serves as shims and which from
 * source (with why), and which packages make cargo compile syn, quote or proc-macro2 all the same. Serves
 * {@code POST /api/v1/precompiled/why} and so {@code sandcrate-runtime why}.
 */
final class WhyReport {
    /** The crates a shim saves compiling. */
    static final Set<String> MACRO_SUPPORT = Set.of("syn", "quote", "proc-macro2");
    /** More packages than any real lockfile has: bounds the work one request can cause. */
    static final int MAX_PACKAGES = 5000;

    private record Package(String name, String version, String source, List<String> dependencies) {
        String label() {
            return name + " " + version;
        }
    }

    /** One proc-macro package of the lockfile and what the view serves for it. */
    record Macro(String name, String version, String state, String reason) {
    }

    /** A package depending directly on syn, quote or proc-macro2, and why that dependency stays. */
    record Requirer(String name, String version, String requires, String why) {
    }

    /** The JSON answer: the report's parts, and the text {@code sandcrate-runtime why} prints. */
    record Json(List<Macro> macros, @JsonProperty("syn_required_by") List<Requirer> synRequiredBy, List<String> unknown, String text) {
    }

    record Result(List<Macro> macros, List<Requirer> synRequiredBy, List<String> unknown) {
        Json toJson() {
            return new Json(macros, synRequiredBy, unknown, text());
        }

        String text() {
            StringBuilder out = new StringBuilder();
            long shims = macros.stream().filter(x -> x.state().equals(PrecompiledView.Status.SHIM)).count();
            out.append("proc-macro crates in Cargo.lock: ").append(macros.size()).append(" (").append(shims).append(" as shims, ")
                    .append(macros.size() - shims).append(" from source)\n");
            for (Macro x : macros) {
                out.append(String.format("  %-7s %s %s", x.state(), x.name(), x.version()));
                if (!x.state().equals(PrecompiledView.Status.SHIM)) out.append(": ").append(x.reason());
                out.append('\n');
            }
            if (!unknown.isEmpty()) {
                out.append("not on this registry (cannot tell): ").append(String.join(", ", unknown)).append('\n');
            }
            if (synRequiredBy.isEmpty()) {
                out.append("syn, quote and proc-macro2 are not in this Cargo.lock: no macro is compiled from source.\n");
            } else {
                out.append("syn, quote or proc-macro2 are compiled because of:\n");
                for (Requirer r : synRequiredBy) {
                    out.append("  ").append(r.name()).append(' ').append(r.version()).append(" (needs ").append(r.requires()).append("): ")
                            .append(r.why()).append('\n');
                }
            }
            return out.toString();
        }
    }

    private final CrateService crates;
    private final PrecompileStore store;
    private final PrecompiledView view;

    WhyReport(CrateService crates, PrecompileStore store, PrecompiledView view) {
        this.crates = crates;
        this.store = store;
        this.view = view;
    }

    Result explain(byte[] cargoLock) {
        List<Package> packages = parse(cargoLock);
        List<Macro> macros = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        Map<String, Macro> macroByLabel = new LinkedHashMap<>();
        for (Package p : packages) {
            if (p.source() == null || !p.source().contains("registry")) continue; // path and git packages are not ours
            if (PrecompiledView.isSupportCrate(p.name())) continue; // the shims' own dependency, served by the view
            Optional<CrateService.VersionRow> row = crates.versions(p.name()).stream().filter(v -> v.num().equals(p.version())).findFirst();
            if (row.isEmpty()) {
                unknown.add(p.label());
                continue;
            }
            Optional<PrecompileStore.Analysis> analysis = store.analysis(row.get().id());
            boolean procMacro = analysis.map(PrecompileStore.Analysis::procMacro).orElse(false);
            if (!procMacro) continue;
            PrecompiledView.Status status = view.served(p.name(), p.version()).orElseThrow();
            Macro m = new Macro(p.name(), p.version(), status.state(), status.reason());
            macros.add(m);
            macroByLabel.put(p.label(), m);
        }
        List<Requirer> requirers = new ArrayList<>();
        for (Package p : packages) {
            if (MACRO_SUPPORT.contains(p.name())) continue;
            List<String> needs = p.dependencies().stream().map(d -> d.split(" ")[0]).filter(MACRO_SUPPORT::contains).distinct().sorted().toList();
            if (needs.isEmpty()) continue;
            Macro m = macroByLabel.get(p.label());
            String why;
            if (m == null) {
                why = p.source() == null ? "a package of this workspace (path dependency) that uses them"
                        : !p.source().contains("registry") ? "a git dependency that uses them"
                        : unknown.contains(p.label()) ? "not on this registry"
                        : "not a proc-macro crate: a library or build script that uses them itself";
            } else if (m.state().equals(PrecompiledView.Status.SHIM) || m.state().equals(PrecompiledView.Status.PENDING)) {
                why = "the view serves it as a shim (no syn); this Cargo.lock was resolved without the view";
            } else {
                why = "proc macro from source: " + m.reason();
            }
            requirers.add(new Requirer(p.name(), p.version(), String.join(", ", needs), why));
        }
        return new Result(macros, requirers, unknown);
    }

    private static List<Package> parse(byte[] cargoLock) {
        JsonNode lock;
        try {
            lock = new TomlMapper().readTree(cargoLock);
        } catch (IOException e) {
            throw RegistryException.badRequest("the body is not a Cargo.lock (TOML): " + e.getMessage());
        }
        JsonNode list = lock == null ? null : lock.path("package");
        if (list == null || !list.isArray()) throw RegistryException.badRequest("the body is not a Cargo.lock: it has no [[package]] entries");
        if (list.size() > MAX_PACKAGES) throw RegistryException.badRequest("a Cargo.lock with more than " + MAX_PACKAGES + " packages");
        List<Package> out = new ArrayList<>();
        for (JsonNode p : list) {
            if (!p.path("name").isTextual() || !p.path("version").isTextual()) {
                throw RegistryException.badRequest("the body is not a Cargo.lock: a [[package]] without name or version");
            }
            List<String> deps = new ArrayList<>();
            for (JsonNode d : p.path("dependencies")) deps.add(d.asText());
            out.add(new Package(p.path("name").asText(), p.path("version").asText(),
                    p.path("source").isTextual() ? p.path("source").asText() : null, deps));
        }
        return out;
    }

}

package dev.sandcrate.precompile.eligibility;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateContents;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Eligibility.Check;
import dev.sandcrate.precompile.eligibility.Eligibility.Outcome;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.SourceFlags;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The eligibility rules (docs/precompile-service.md) for one (macro crate version, feature set), decided without building:
 * <ol>
 *   <li>it is a proc-macro crate, and the requested features exist;</li>
 *   <li>no proc-macro crate in its enabled dependency graph, unless the operator's policy lets them run natively
 *   inside the build sandbox (then a flag);</li>
 *   <li>every dependency resolves from the crate source (this registry);</li>
 *   <li>no artifact dependency (nightly {@code -Zbindeps}) in its enabled normal/build dependencies: the wasm build
 *   runs the pinned stable cargo, which cannot build them (dev-dependencies, never built, are ignored);</li>
 *   <li>flags, never refusals: its own build script (it runs in the sandbox) and use of std::fs/env/process/net, time
 *   or randomness in its sources (in the sandbox they see only the request's explicit inputs, and fail otherwise).</li>
 * </ol>
 * The operator's deny list blocks whatever the analysis says. Building with the pinned toolchain (rule 4) is
 * decided by the build itself.
 */
public final class EligibilityAnalyzer {
    private final CrateSource source;
    private final Set<String> targetCfg;
    private final Map<String, Boolean> procMacroByCksum = new ConcurrentHashMap<>();

    /** @param targetCfg the wasm target's cfg lines, or null to consider every target-specific dependency */
    public EligibilityAnalyzer(CrateSource source, Set<String> targetCfg) {
        this.source = source;
        this.targetCfg = targetCfg;
    }

    public Eligibility analyze(byte[] crate, FeatureSet features, Policy policy) {
        CrateContents contents;
        try {
            contents = CrateArchive.read(crate, CrateLimits.DEFAULT);
        } catch (InvalidCrateException e) {
            return Eligibility.of(List.of(new Check(Eligibility.PROC_MACRO, Outcome.FAIL, "not a readable .crate: " + e.getMessage())));
        }
        String name = contents.manifest().name(), version = contents.manifest().version();
        List<Check> checks = new ArrayList<>();
        if (!contents.manifest().procMacro()) {
            checks.add(new Check(Eligibility.PROC_MACRO, Outcome.FAIL, name + " " + version + " is not a proc-macro crate ([lib] proc-macro = true)"));
            return Eligibility.of(checks);
        }
        checks.add(new Check(Eligibility.PROC_MACRO, Outcome.PASS, "[lib] proc-macro = true"));
        // the source's own index line when it has this version: it knows which dependencies are on this registry
        String cksum = Checksums.sha256Hex(crate);
        IndexEntry self = source.versions(name).stream().filter(e -> e.vers().equals(version) && cksum.equals(e.cksum())).findFirst()
                .orElseGet(() -> contents.manifest().toIndexEntry(cksum, null, null));

        List<String> unknown = FeatureClosure.unknown(self, features.features());
        if (!unknown.isEmpty()) {
            checks.add(new Check(Eligibility.FEATURES, Outcome.FAIL, name + " " + version + " has no feature " + String.join(", ", unknown)
                    + " (it has: " + String.join(", ", self.allFeatures().keySet()) + ")"));
            return Eligibility.of(checks);
        }

        DependencyGraph graph = DependencyGraph.resolve(self, features, source, targetCfg);
        if (graph.unresolved().isEmpty()) {
            checks.add(new Check(Eligibility.DEPS_RESOLVE, Outcome.PASS, graph.packages().size() + " dependencies resolve from "
                    + source.describe() + (graph.packages().isEmpty() ? "" : ": " + String.join(", ", graph.packages().stream().map(DependencyGraph.Package::label).toList()))));
        } else {
            checks.add(new Check(Eligibility.DEPS_RESOLVE, Outcome.FAIL, "unresolved: "
                    + String.join("; ", graph.unresolved().stream().map(DependencyGraph.Unresolved::describe).toList())));
        }
        if (!graph.artifacts().isEmpty()) {
            checks.add(new Check(Eligibility.NO_ARTIFACT_DEPS, Outcome.FAIL, "needs "
                    + String.join("; ", graph.artifacts().stream().map(DependencyGraph.Unresolved::describe).toList())
                    + "; artifact dependencies need nightly cargo -Zbindeps, which the sandboxed wasm build does not use"));
        }
        List<String> macroDeps = graph.packages().stream().filter(this::isProcMacro)
                .map(p -> p.label() + " (via " + p.requiredBy() + ")").toList();
        if (macroDeps.isEmpty()) {
            checks.add(new Check(Eligibility.NO_PROC_MACRO_DEPS, Outcome.PASS, "no proc-macro crate among the resolved dependencies"));
        } else if (policy.nativeDependencyMacros()) {
            checks.add(new Check(Eligibility.NO_PROC_MACRO_DEPS, Outcome.FLAG, "depends on proc-macro crate(s) " + String.join(", ", macroDeps)
                    + "; they run natively while the crate is compiled, inside the build sandbox (the operator allows it); "
                    + "nothing of them is in the wasm"));
        } else {
            checks.add(new Check(Eligibility.NO_PROC_MACRO_DEPS, Outcome.FAIL, "depends on proc-macro crate(s) " + String.join(", ", macroDeps)
                    + "; they would run natively on the build server (an operator can allow that inside the build sandbox: "
                    + "--precompile-native-dependency-macros)"));
        }

        Policy.Decision decision = policy.decide(name, version);
        List<String> flags = sourceFlags(crate);
        List<String> buildScript = flags.stream().filter(f -> f.startsWith("build script")).toList();
        List<String> hostApis = flags.stream().filter(f -> !f.startsWith("build script")).toList();
        checks.add(buildScript.isEmpty()
                ? new Check(Eligibility.BUILD_SCRIPT, Outcome.PASS, "no build script")
                : new Check(Eligibility.BUILD_SCRIPT, Outcome.FLAG, String.join("; ", buildScript)));
        if (hostApis.isEmpty()) {
            checks.add(new Check(Eligibility.HOST_APIS, Outcome.PASS, "no std::fs/env/process/net, time or randomness in its sources"));
        } else {
            // Not a refusal. The artifact has no imports, so in the sandbox these calls fail (or see only the
            // request's explicit inputs) at expansion time; whether expansions still equal native ones is for real call
            // sites to show.
            checks.add(new Check(Eligibility.HOST_APIS, Outcome.FLAG, String.join("; ", hostApis)
                    + (decision == Policy.Decision.ALLOW ? "; accepted by the operator's allow list"
                    : "; in the sandbox what is not an explicit input fails at expansion time (an operator can deny the crate)")));
        }
        if (decision == Policy.Decision.DENY) {
            checks.add(new Check(Eligibility.OPERATOR, Outcome.FAIL, "on the operator's deny list"));
        } else if (decision == Policy.Decision.ALLOW) {
            checks.add(new Check(Eligibility.OPERATOR, Outcome.PASS, "on the operator's allow list"));
        }
        return Eligibility.of(checks);
    }

    private boolean isProcMacro(DependencyGraph.Package p) {
        return procMacroByCksum.computeIfAbsent(p.cksum() == null ? p.label() : p.cksum(), k -> {
            try {
                return CrateArchive.read(source.crateBytes(p.name(), p.version()), CrateLimits.DEFAULT).manifest().procMacro();
            } catch (InvalidCrateException e) {
                return false;
            }
        });
    }

    private static List<String> sourceFlags(byte[] crate) {
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("sandcrate-eligibility");
            return SourceFlags.scan(CrateArchive.unpack(crate, tmp, CrateLimits.DEFAULT));
        } catch (IOException | InvalidCrateException e) {
            throw new UncheckedIOException(new IOException("cannot unpack the crate to scan its sources: " + e.getMessage(), e));
        } finally {
            if (tmp != null) FileTrees.delete(tmp);
        }
    }
}

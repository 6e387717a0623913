package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.sandbox.BuildFolder;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.sandbox.ProcessRunner;
import dev.sandcrate.precompile.source.CfgEvaluator;
import dev.sandcrate.precompile.source.CompatPatches;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.MacroDecl;
import dev.sandcrate.precompile.source.RlibRewrite;
import dev.sandcrate.precompile.source.SourceFlags;
import dev.sandcrate.precompile.toolchain.Toolchain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The build workspace of one artifact, laid out to be mounted at {@code /build} in the sandbox:
 * <pre>
 *   Cargo.toml, lib.rs  the harness (rendered from precompile/rust/harness-template): workspace root, release profile,
 *                       syn at the features a consumer build has (HarnessGenerator.UNIFIED_SYN_FEATURES)
 *   Cargo.lock          resolved by real cargo, or given (rebuild)
 *   .cargo/config.toml  crates-io replaced by the directory source vendor/, linker wasm-ld
 *   vendor/             the locked dependencies, unpacked from the CrateSource (compat-patched)
 *   crate/              the macro crate rewritten to an rlib
 *   sandcrate-rust/     the bridge server and wire codec
 * </pre>
 * Everything the build reads lives inside it or read-only under /usr and /sysroot.
 */
public final class BuildWorkspace {
    public static final String MOUNT = "/build";
    public static final String SYSROOT_MOUNT = "/sysroot";
    /** Bump when the workspace layout, profile or flags change: part of every manifest's recipe. */
    public static final int RECIPE_VERSION = 2;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** For cargo's resolve and metadata runs (no build scripts run in them). */
    private static final BuildLimits RESOLVE_LIMITS = new BuildLimits(Duration.ofMinutes(5), 300, 4L << 30, 64L << 20);
    /** Cap on the lockfile and metadata cargo writes into the (sandbox-writable) workspace. */
    private static final long MAX_CARGO_OUTPUT_BYTES = 64L << 20;

    /** A prepared workspace and what was learned preparing it. */
    public record Prepared(Path dir, List<MacroDecl> macros, String cargoLock, String rustSourcesSha256,
                           List<String> flags, List<String> patches, JsonNode metadata) {
    }

    private BuildWorkspace() {
    }

    /**
     * Prepares {@code dir} (must not exist). With {@code cargoLock == null} cargo resolves the dependencies from
     * {@code deps}; otherwise exactly the given lockfile is used (and every checksum must match).
     */
    public static Prepared prepare(Path dir, MacroCrate macro, FeatureSet features, CrateSource deps, String cargoLock,
                                   Toolchain toolchain, Progress progress) {
        try {
            if (Files.exists(dir)) throw new PrecompileException(dir + " already exists");
            Files.createDirectories(dir.resolve(".cargo"));
            Path unpackTmp = dir.resolve(".unpack");
            Path crateDir = dir.resolve("crate");
            Files.move(CrateArchive.unpack(macro.crateBytes(), unpackTmp, CrateLimits.DEFAULT), crateDir);
            FileTrees.delete(unpackTmp);
            List<String> flags = SourceFlags.scan(crateDir);
            List<MacroDecl> macros = RlibRewrite.apply(crateDir);
            String rustSha = RustSources.copyTo(dir.resolve("sandcrate-rust"));
            HarnessGenerator.writeManifest(dir, macro, features, List.of());
            writeCargoConfig(dir);

            Path vendor = dir.resolve("vendor");
            Files.createDirectories(vendor);
            if (cargoLock == null) {
                Set<String> candidates = unpackCandidates(macro, deps, vendor);
                progress.step("resolving " + macro.label() + " [" + features.key() + "] with cargo over " + candidates.size()
                        + " candidate crates from " + deps.describe());
                resolve(dir, toolchain);
                cargoLock = BuildFolder.readString(dir, "Cargo.lock", MAX_CARGO_OUTPUT_BYTES);
                List<String> unifiedSyn = HarnessGenerator.unifiedSyn(cargoLock, vendor);
                if (!unifiedSyn.isEmpty()) {
                    // the same versions again, now with the harness's syn dependency in the lockfile
                    HarnessGenerator.writeManifest(dir, macro, features, unifiedSyn);
                    resolve(dir, toolchain);
                    cargoLock = BuildFolder.readString(dir, "Cargo.lock", MAX_CARGO_OUTPUT_BYTES);
                }
                Set<String> locked = new HashSet<>();
                LockedPackage.parse(cargoLock).forEach(p -> locked.add(p.dirName()));
                for (String candidate : candidates) {
                    if (!locked.contains(candidate)) FileTrees.delete(vendor.resolve(candidate));
                }
            } else {
                Files.writeString(dir.resolve("Cargo.lock"), cargoLock);
                for (LockedPackage p : LockedPackage.parse(cargoLock)) {
                    byte[] bytes = deps.crateBytes(p.name(), p.version());
                    String sha = Checksums.sha256Hex(bytes);
                    if (!sha.equals(p.checksum())) {
                        throw new PrecompileException(p.name() + " " + p.version() + " from " + deps.describe() + " has sha256 " + sha
                                + " but the Cargo.lock pins " + p.checksum());
                    }
                    unpackVendored(bytes, sha, vendor);
                }
                HarnessGenerator.writeManifest(dir, macro, features, HarnessGenerator.unifiedSyn(cargoLock, vendor));
            }
            JsonNode metadata = metadata(dir, toolchain);
            List<MacroDecl> active = activeMacros(metadata, macros, toolchain);
            if (active.isEmpty()) throw new PrecompileException(noMacro(macro.label(), features.key(), macros), true);
            HarnessGenerator.writeSource(dir, macro, active);
            List<String> patches = new ArrayList<>();
            for (LockedPackage p : LockedPackage.parse(cargoLock)) {
                patches.addAll(CompatPatches.apply(p.name(), p.version(), vendor.resolve(p.dirName())));
            }
            return new Prepared(dir, active, cargoLock, rustSha, flags, patches, metadata);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory source of the locked crates replaces crates.io; wasm-ld links (rust-lld is not usable here). */
    private static void writeCargoConfig(Path dir) throws IOException {
        Files.writeString(dir.resolve(".cargo/config.toml"), """
                [source.crates-io]
                replace-with = "sandcrate-vendor"

                [source.sandcrate-vendor]
                directory = "%s/vendor"

                [target.wasm32-unknown-unknown]
                linker = "/usr/bin/wasm-ld"

                [net]
                offline = true
                """.formatted(MOUNT));
    }

    /**
     * Unpacks every version of every crate reachable by name from the macro's normal and build dependencies
     * (dev-dependencies are not built). Cargo then picks versions exactly as it would against a registry.
     */
    private static Set<String> unpackCandidates(MacroCrate macro, CrateSource deps, Path vendor) throws IOException {
        Deque<String> queue = new ArrayDeque<>();
        Set<String> seenNames = new HashSet<>();
        Set<String> dirs = new TreeSet<>();
        IndexEntry self = CrateArchive.read(macro.crateBytes(), CrateLimits.DEFAULT).manifest().toIndexEntry(macro.sha256(), null, null);
        enqueue(self, queue, seenNames);
        List<String> missing = new ArrayList<>();
        while (!queue.isEmpty()) {
            String name = queue.removeFirst();
            List<IndexEntry> versions = deps.versions(name);
            if (versions.isEmpty()) missing.add(name);
            for (IndexEntry e : versions) {
                if (e.yanked()) continue;
                String dirName = e.name() + "-" + e.vers();
                if (dirs.add(dirName)) unpackVendored(deps.crateBytes(e.name(), e.vers()), e.cksum(), vendor);
                enqueue(e, queue, seenNames);
            }
        }
        if (!missing.isEmpty()) {
            // not fatal yet: cargo decides whether a missing crate is actually needed (e.g. an unused optional dep)
            Files.writeString(vendor.getParent().resolve("missing-candidates.txt"), String.join("\n", missing) + "\n");
        }
        return dirs;
    }

    private static void enqueue(IndexEntry e, Deque<String> queue, Set<String> seen) {
        for (IndexDependency d : e.deps()) {
            if (IndexDependency.DEV.equals(d.kind())) continue;
            if (seen.add(d.crateName())) queue.add(d.crateName());
        }
    }

    private static void unpackVendored(byte[] crate, String sha256, Path vendor) throws IOException {
        Path dir = CrateArchive.unpack(crate, vendor, CrateLimits.DEFAULT);
        // a directory source needs this file; "package" is what Cargo.lock pins, "files" may be left empty
        Map<String, Object> checksum = new LinkedHashMap<>();
        checksum.put("files", Map.of());
        checksum.put("package", sha256);
        Files.writeString(dir.resolve(".cargo-checksum.json"), JSON.writeValueAsString(checksum));
    }

    /** {@code cargo generate-lockfile --offline} in the sandbox (cargo may not touch the network or the host). */
    private static void resolve(Path dir, Toolchain toolchain) throws IOException {
        Path log = dir.resolve("resolve.log");
        ProcessRunner.Result r = Sandboxes.cargo(dir, toolchain, null, Map.of())
                .run(List.of(toolchain.cargo().toString(), "generate-lockfile", "--offline"),
                        RESOLVE_LIMITS, log);
        if (r.timedOut() || r.killedFor() != null) {
            throw new PrecompileException("resolving dependencies failed (" + r.failure(RESOLVE_LIMITS.wallClock()) + ")");
        }
        if (!r.ok()) {
            String missing = Files.exists(dir.resolve("missing-candidates.txt"))
                    ? " (not in the crate source: " + Files.readString(dir.resolve("missing-candidates.txt")).strip().replace('\n', ' ') + ")" : "";
            throw new PrecompileException("dependencies do not resolve from this registry" + missing + ":\n" + BuildFolder.tail(log, 15));
        }
    }

    /** {@code cargo metadata} of the workspace for the wasm target (resolved features, dependency graph), in the sandbox. */
    private static JsonNode metadata(Path dir, Toolchain toolchain) throws IOException {
        Path log = dir.resolve("metadata.log");
        ProcessRunner.Result r = Sandboxes.cargo(dir, toolchain, null, Map.of())
                .run(List.of("/bin/sh", "-c", toolchain.cargo() + " metadata --format-version 1 --offline --locked"
                        + " --filter-platform wasm32-unknown-unknown > " + MOUNT + "/metadata.json"),
                        RESOLVE_LIMITS, log);
        if (!r.ok()) throw new PrecompileException("cargo metadata failed (" + r.failure(RESOLVE_LIMITS.wallClock()) + "):\n" + BuildFolder.tail(log, 15));
        JsonNode metadata = JSON.readTree(BuildFolder.read(dir, "metadata.json", MAX_CARGO_OUTPUT_BYTES));
        Files.delete(dir.resolve("metadata.json"));
        Files.delete(log);
        return metadata;
    }

    /**
     * Why a feature set has nothing to build: the crate declares no macro at all, or each macro it declares is under
     * a cfg that does not hold for this set (i18n-embed-impl's two macros each need a feature its default set lacks).
     */
    static String noMacro(String label, String featureKey, List<MacroDecl> declared) {
        if (declared.isEmpty()) return label + " declares no macro";
        return label + " declares no macro for features [" + featureKey + "]: " + declared.stream()
                .map(m -> m.name() + " needs cfg(" + (m.cfg().size() == 1 ? m.cfg().getFirst() : "all(" + String.join(", ", m.cfg()) + ")") + ")").collect(java.util.stream.Collectors.joining("; "));
    }

    /** The declared macros whose cfg holds for the resolved features of the macro crate on the wasm target. */
    private static List<MacroDecl> activeMacros(JsonNode metadata, List<MacroDecl> declared, Toolchain toolchain) {
        if (declared.stream().allMatch(m -> m.cfg().isEmpty())) return declared;
        Set<String> features = new HashSet<>();
        for (JsonNode node : metadata.path("resolve").path("nodes")) {
            if (node.path("id").asText().contains("/crate#") || node.path("id").asText().startsWith("path+file://" + MOUNT + "/crate")) {
                node.path("features").forEach(f -> features.add(f.asText()));
            }
        }
        CfgEvaluator cfg = new CfgEvaluator(features, toolchain.targetCfg());
        return declared.stream().filter(m -> m.cfg().stream().allMatch(cfg::holds)).toList();
    }
}

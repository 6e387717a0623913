package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.source.CompatPatches;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The verified dependency cache: what cargo wrote into {@code target/} for one locked dependency (syn, quote, ...),
 * reused by later jobs instead of compiling it again. Design (docs/precompile.md, "Dependency cache"):
 * <ul>
 * <li>Key: sha256 over the toolchain identity, wasm std, recipe versions, target, sandbox environment, release
 * profile, the package's name, version, source files (after compat patches), resolved features, and its own
 * dependencies' keys: a Merkle key computed before building from {@code cargo metadata}.</li>
 * <li>Entry: the package's units in the target dir (rlib/rmeta/.d, build script and its output, fingerprints),
 * found through cargo's JSON messages. It is stored only when both verification builds compiled it and wrote the
 * same bytes.</li>
 * <li>Reuse: entries are unpacked into both build folders before cargo runs, every file with one fixed mtime, so
 * cargo's fingerprints (which hash the same /build paths, features, profile and rustc) match and it reports the
 * units fresh. Anything cargo does not find fresh it simply compiles again: a wrong entry costs time, never
 * correctness, because cargo's own fingerprint decides.</li>
 * </ul>
 */
public final class DependencyCache {
    /** Bump when what goes into a key or an entry changes. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TomlMapper TOML = new TomlMapper();
    private static final Pattern UNIT_FILE = Pattern.compile("^.+-([0-9a-f]{16})(\\.[A-Za-z0-9_]+)?$");
    private static final Pattern UNIT_HASH = Pattern.compile("-([0-9a-f]{16})(?=$|[./])");
    private static final Set<String> UNIT_FOLDERS = Set.of("deps", ".fingerprint", "build");
    private static final List<String> CACHED_FOLDERS = List.of("vendor", "sandcrate-rust");
    /** An entry larger than this is not stored (a whole syn with bitcode is ~10 MB). */
    static final long MAX_ENTRY_BYTES = 256L << 20;

    /** Where entries live: the registry's blob store (shared by all workers) or a local folder. */
    public interface Store {
        /** The entry under a dependency's key, or null. */
        byte[] get(Dependency dependency) throws IOException;

        /** Stores an entry under the dependency's key (a second put of one key may keep either: both are verified). */
        void put(Dependency dependency, byte[] entry) throws IOException;

        String describe();
    }

    /** One locked dependency and its cache key, as listed in the artifact's manifest. */
    public record Dependency(@JsonProperty("name") String name, @JsonProperty("version") String version,
                             @JsonProperty("key") String key, @JsonIgnore String packageId, @JsonIgnore List<String> dependsOn,
                             @JsonIgnore List<String> features, @JsonIgnore String path) {
        @JsonCreator
        public Dependency(@JsonProperty("name") String name, @JsonProperty("version") String version, @JsonProperty("key") String key) {
            this(name, version, key, null, List.of(), List.of(), null);
        }

        public String label() {
            return name + " " + version;
        }
    }

    /** What the cache did for one job (in the build record). */
    public record Report(@JsonProperty("reused") List<String> reused, @JsonProperty("stored") List<String> stored,
                         @JsonProperty("notStored") List<String> notStored) {
    }

    private DependencyCache() {
    }

    /** Entries as {@code <key>.tar.gz} files in a folder (the CLI's and tests' store; written atomically). */
    public static Store folder(Path dir) {
        return new Store() {
            @Override
            public byte[] get(Dependency dependency) throws IOException {
                Path f = dir.resolve(checkKey(dependency.key()) + ".tar.gz");
                return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
            }

            @Override
            public void put(Dependency dependency, byte[] entry) throws IOException {
                Files.createDirectories(dir);
                String key = checkKey(dependency.key());
                Path tmp = dir.resolve(key + ".tmp-" + UUID.randomUUID());
                Files.write(tmp, entry);
                Files.move(tmp, dir.resolve(key + ".tar.gz"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public String describe() {
                return dir.toString();
            }
        };
    }

    public static String checkKey(String key) {
        if (!key.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("not a dependency cache key: " + key);
        return key;
    }

    /**
     * The key of every locked registry dependency of a prepared workspace, in a fixed order (by name, version),
     * from its {@code cargo metadata} resolve; path packages (the harness, the macro crate, the bridge) have none.
     */
    static List<Dependency> keys(Path workspace, JsonNode metadata, Toolchain toolchain, String wasmStdSha256) throws IOException {
        Map<String, JsonNode> packages = new TreeMap<>();
        for (JsonNode p : metadata.path("packages")) packages.put(p.path("id").asText(), p);
        Map<String, JsonNode> nodes = new TreeMap<>();
        for (JsonNode n : metadata.path("resolve").path("nodes")) nodes.put(n.path("id").asText(), n);
        String context = String.join("\n", "sandcrate dependency cache " + VERSION,
                "recipe build " + BuildWorkspace.RECIPE_VERSION + " patches " + CompatPatches.VERSION,
                toolchain.rustcVersion(), toolchain.cargoVersion(), "wasm std " + wasmStdSha256, "target " + WasmStd.TARGET,
                "sandbox " + Sandboxes.cacheRelevantEnvironment(), "profile " + profile(workspace));
        Map<String, String> keys = new TreeMap<>();
        List<Dependency> out = new ArrayList<>();
        for (String id : nodes.keySet()) {
            if (!cacheable(packages.get(id))) continue;
            String key = key(id, packages, nodes, keys, context, workspace);
            JsonNode p = packages.get(id);
            List<String> dependsOn = new ArrayList<>();
            nodes.get(id).path("deps").forEach(d -> dependsOn.add(d.path("pkg").asText()));
            List<String> features = new ArrayList<>();
            nodes.get(id).path("features").forEach(f -> features.add(f.asText()));
            String manifest = p.path("manifest_path").asText();
            String path = id.startsWith("path+") ? Path.of(manifest.substring(BuildWorkspace.MOUNT.length() + 1)).getParent().toString() : null;
            out.add(new Dependency(p.path("name").asText(), p.path("version").asText(), key, id, List.copyOf(dependsOn), List.copyOf(features), path));
        }
        out.sort((a, b) -> a.name().equals(b.name()) ? a.version().compareTo(b.version()) : a.name().compareTo(b.name()));
        return out;
    }

    private static String key(String id, Map<String, JsonNode> packages, Map<String, JsonNode> nodes, Map<String, String> memo,
                              String context, Path workspace) throws IOException {
        String known = memo.get(id);
        if (known != null) return known;
        JsonNode p = packages.get(id);
        JsonNode n = nodes.get(id);
        if (p == null || n == null) throw new PrecompileException("cargo metadata lists " + id + " without its package or resolve node");
        StringBuilder text = new StringBuilder(context).append("\npackage ").append(p.path("name").asText()).append(' ')
                .append(p.path("version").asText()).append("\nsource ").append(sourceSha256(workspace, p));
        TreeSet<String> features = new TreeSet<>();
        n.path("features").forEach(f -> features.add(f.asText()));
        text.append("\nfeatures ").append(String.join(",", features));
        TreeSet<String> deps = new TreeSet<>();
        for (JsonNode d : n.path("deps")) {
            String depId = d.path("pkg").asText();
            if (!cacheable(packages.get(depId))) throw new PrecompileException(id + " depends on " + depId + ", which is built per job");
            deps.add(d.path("name").asText() + " " + d.path("dep_kinds") + " " + key(depId, packages, nodes, memo, context, workspace));
        }
        deps.forEach(d -> text.append("\ndep ").append(d));
        String key = Checksums.sha256Hex(text.toString());
        memo.put(id, key);
        return key;
    }

    /**
     * Locked registry crates (vendor/) and sandcrate's own bridge server and wire codec (sandcrate-rust/), the same
     * for every job; the harness and the macro crate are what each job builds twice.
     */
    private static boolean cacheable(JsonNode pkg) {
        if (pkg == null) return false;
        String manifest = pkg.path("manifest_path").asText();
        return CACHED_FOLDERS.stream().anyMatch(f -> manifest.startsWith(BuildWorkspace.MOUNT + "/" + f + "/"));
    }

    /** The release profile of the harness manifest (applies to every dependency). */
    private static String profile(Path workspace) throws IOException {
        return JSON.writeValueAsString(TOML.readTree(workspace.resolve("Cargo.toml").toFile()).path("profile"));
    }

    /** sha256 over the package's files (relative path and bytes, sorted), as patched in vendor/. */
    private static String sourceSha256(Path workspace, JsonNode pkg) throws IOException {
        String manifest = pkg.path("manifest_path").asText();
        String prefix = BuildWorkspace.MOUNT + "/";
        if (!cacheable(pkg)) throw new PrecompileException("unexpected manifest path " + manifest);
        Path root = workspace.resolve(manifest.substring(prefix.length())).getParent();
        MessageDigest md = Checksums.sha256();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
                md.update((root.relativize(f) + "\0").getBytes(StandardCharsets.UTF_8));
                md.update(Checksums.sha256Hex(Files.readAllBytes(f)).getBytes(StandardCharsets.US_ASCII));
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Unpacks every stored entry of {@code deps} into the target dir of each build folder; returns the reused ones.
     * All restored files get one mtime, newer than the sources, so cargo's mtime checks between units agree.
     */
    static List<Dependency> restore(Store store, List<Dependency> deps, List<Path> buildDirs, Progress progress) throws IOException {
        List<Dependency> restored = new ArrayList<>();
        FileTime mtime = FileTime.from(Instant.now()); // after every source file of the workspace was written
        for (Dependency d : deps) {
            byte[] entry;
            try {
                entry = store.get(d);
            } catch (IOException e) {
                progress.step("dependency cache: cannot read " + d.label() + " (" + e.getMessage() + "); building it");
                continue;
            }
            if (entry == null) continue;
            for (Path dir : buildDirs) unpack(entry, dir.resolve("target"), mtime);
            restored.add(d);
        }
        return restored;
    }

    /**
     * Turns a copy of the prepared workspace into the build of {@code d} alone: the root depends on exactly d and what
     * it depends on, each pinned to its locked version with the features resolved for the job (so cargo computes the
     * same units as in the job's build), and has no code of its own. The macro crate is not part of it.
     */
    static void writeDependencyRoot(Path dir, Dependency d, List<Dependency> closure) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode manifest = (com.fasterxml.jackson.databind.node.ObjectNode) TOML.readTree(dir.resolve("Cargo.toml").toFile());
        com.fasterxml.jackson.databind.node.ObjectNode deps = JSON.createObjectNode();
        List<Dependency> all = new ArrayList<>(closure);
        all.add(d);
        for (Dependency x : all) {
            com.fasterxml.jackson.databind.node.ObjectNode spec = deps.putObject("dep_" + x.name().replace('-', '_') + "_" + x.version().replaceAll("[^A-Za-z0-9]", "_"));
            spec.put("package", x.name());
            if (x.path() != null) spec.put("path", x.path());
            else spec.put("version", "=" + x.version());
            spec.put("default-features", false);
            spec.putArray("features").addAll(x.features().stream().map(com.fasterxml.jackson.databind.node.TextNode::new).toList());
        }
        manifest.set("dependencies", deps);
        Files.writeString(dir.resolve("Cargo.toml"), TOML.writeValueAsString(manifest));
        Files.writeString(dir.resolve("lib.rs"), "");
        FileTrees.delete(dir.resolve("crate"));
    }

    /** The dependencies in an order where each comes after everything it depends on. */
    static List<Dependency> buildOrder(List<Dependency> deps) {
        Map<String, Dependency> byId = new LinkedHashMap<>();
        deps.forEach(d -> byId.put(d.packageId(), d));
        List<Dependency> order = new ArrayList<>();
        Set<String> done = new java.util.HashSet<>();
        for (Dependency d : deps) visit(d, byId, done, order);
        return order;
    }

    private static void visit(Dependency d, Map<String, Dependency> byId, Set<String> done, List<Dependency> order) {
        if (!done.add(d.packageId())) return;
        for (String dep : d.dependsOn()) visit(byId.get(dep), byId, done, order);
        order.add(d);
    }

    /** What {@code d} depends on, directly or not (without {@code d}). */
    static List<Dependency> closure(Dependency d, List<Dependency> deps) {
        Map<String, Dependency> byId = new LinkedHashMap<>();
        deps.forEach(x -> byId.put(x.packageId(), x));
        List<Dependency> order = new ArrayList<>();
        visit(d, byId, new java.util.HashSet<>(), order);
        order.remove(d);
        return order;
    }

    /**
     * After {@code d}'s own two builds ({@code cargo build -p d}, where only code of d and what it depends on ran):
     * stores d if both compiled it (none of its units fresh) to byte-identical files. Returns null when stored, else why not.
     */
    static String harvest(Store store, Dependency d, Path dirA, Path logA, Path dirB, Path logB) throws IOException {
        Units a = units(logA).get(d.packageId());
        Units b = units(logB).get(d.packageId());
        if (a == null || b == null) return "cargo built none of its units";
        if (a.anyFresh() || b.anyFresh() || !a.hashes().equals(b.hashes())) return "partly fresh, or the builds used different units";
        Map<String, byte[]> filesA = files(dirA.resolve("target"), a.hashes());
        Map<String, byte[]> filesB = files(dirB.resolve("target"), b.hashes());
        String difference = difference(filesA, filesB);
        if (difference != null) return "the two builds differ (" + difference + ")";
        byte[] entry = pack(filesA, dirA.resolve("target"));
        if (entry.length > MAX_ENTRY_BYTES) return "entry of " + entry.length + " bytes is too large";
        try {
            store.put(d, entry);
            return null;
        } catch (IOException e) {
            return "cannot store (" + e.getMessage() + ")";
        }
    }

    /** The dependencies cargo found fresh in both job builds (all their units reused from the cache). */
    static List<String> reused(List<Dependency> deps, Path logA, Path logB) throws IOException {
        Map<String, Units> unitsA = units(logA);
        Map<String, Units> unitsB = units(logB);
        List<String> reused = new ArrayList<>();
        for (Dependency d : deps) {
            Units a = unitsA.get(d.packageId());
            Units b = unitsB.get(d.packageId());
            if (a != null && b != null && a.allFresh() && b.allFresh()) reused.add(d.label());
        }
        return reused;
    }

    private record Units(Set<String> hashes, List<Boolean> fresh) {
        boolean allFresh() {
            return !fresh.isEmpty() && fresh.stream().allMatch(f -> f);
        }

        boolean anyFresh() {
            return fresh.stream().anyMatch(f -> f);
        }
    }

    /** Per package (cargo's package id, as in {@code cargo metadata}), its unit hashes and whether each compiled unit was fresh. */
    private static Map<String, Units> units(Path log) throws IOException {
        Map<String, Units> out = new LinkedHashMap<>();
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (!line.startsWith("{\"reason\":")) continue;
                JsonNode m = JSON.readTree(line);
                String id = m.path("package_id").asText();
                if (id.isEmpty()) continue;
                String reason = m.path("reason").asText();
                Units u = out.computeIfAbsent(id, k -> new Units(new TreeSet<>(), new ArrayList<>()));
                if (reason.equals("compiler-artifact")) {
                    u.fresh().add(m.path("fresh").asBoolean());
                    m.path("filenames").forEach(f -> addHashes(f.asText(), u.hashes()));
                    if (m.hasNonNull("executable")) addHashes(m.path("executable").asText(), u.hashes());
                } else if (reason.equals("build-script-executed")) {
                    addHashes(m.path("out_dir").asText(), u.hashes());
                }
            }
        }
        return out;
    }

    private static void addHashes(String path, Set<String> hashes) {
        int target = path.indexOf("/target/");
        Matcher m = UNIT_HASH.matcher(target < 0 ? path : path.substring(target));
        while (m.find()) hashes.add(m.group(1));
    }

    /** The files of the given units under a target dir, by relative path: deps/, .fingerprint/ and build/ entries. */
    private static Map<String, byte[]> files(Path target, Set<String> hashes) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(target)) {
            for (Path f : all.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                Path rel = target.relativize(f);
                if (belongs(rel, hashes)) out.put(rel.toString(), Files.readAllBytes(f));
            }
        }
        return out;
    }

    private static boolean belongs(Path rel, Set<String> hashes) {
        for (int i = 0; i + 1 < rel.getNameCount(); i++) {
            if (!UNIT_FOLDERS.contains(rel.getName(i).toString())) continue;
            Matcher m = UNIT_FILE.matcher(rel.getName(i + 1).toString());
            if (m.matches() && hashes.contains(m.group(1))) return true;
        }
        return false;
    }

    private static String difference(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            Set<String> onlyA = new TreeSet<>(a.keySet());
            onlyA.removeAll(b.keySet());
            Set<String> onlyB = new TreeSet<>(b.keySet());
            onlyB.removeAll(a.keySet());
            return "files only in one build: " + onlyA + " " + onlyB;
        }
        for (var e : a.entrySet()) {
            if (Arrays.equals(e.getValue(), b.get(e.getKey()))) continue;
            if (!isDepInfo(e.getKey()) || !Arrays.equals(sortedBytes(e.getValue()), sortedBytes(b.get(e.getKey())))) return e.getKey();
        }
        return null;
    }

    /**
     * Cargo's encoded dep-info of a path package ({@code .fingerprint/<unit>/dep-lib-*}: the source files the unit read,
     * for its mtime check) lists the files in hash-map order, which differs from run to run. It decides nothing about
     * the compiled bytes, so two builds agree if it holds the same bytes in another order.
     */
    private static boolean isDepInfo(String rel) {
        Path p = Path.of(rel);
        int n = p.getNameCount();
        return n >= 3 && p.getName(n - 3).toString().equals(".fingerprint") && UNIT_FILE.matcher(p.getName(n - 2).toString()).matches()
                && p.getFileName().toString().startsWith("dep-");
    }

    private static byte[] sortedBytes(byte[] bytes) {
        byte[] copy = bytes.clone();
        Arrays.sort(copy);
        return copy;
    }

    /** A deterministic tar.gz: sorted paths, fixed mtime and owner, mode 0755 for executables, else 0644. */
    private static byte[] pack(Map<String, byte[]> files, Path target) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var e : files.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                entry.setModTime(1000L);
                boolean executable = Files.getPosixFilePermissions(target.resolve(e.getKey()), LinkOption.NOFOLLOW_LINKS)
                        .contains(PosixFilePermission.OWNER_EXECUTE);
                entry.setMode(executable ? 0100755 : 0100644);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static void unpack(byte[] entry, Path target, FileTime mtime) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(entry)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path rel = Path.of(e.getName()).normalize();
                if (!e.isFile() || rel.isAbsolute() || rel.startsWith("..") || !belongs(rel, Set.of(unitHashOf(rel)))) {
                    throw new PrecompileException("dependency cache entry holds an unexpected path " + e.getName());
                }
                Path f = target.resolve(rel.toString());
                Files.createDirectories(f.getParent());
                Files.copy(tar, f, StandardCopyOption.REPLACE_EXISTING);
                if ((e.getMode() & 0100) != 0) f.toFile().setExecutable(true, true);
                Files.setLastModifiedTime(f, mtime);
            }
        }
    }

    private static String unitHashOf(Path rel) {
        for (int i = 0; i + 1 < rel.getNameCount(); i++) {
            Matcher m = UNIT_FILE.matcher(rel.getName(i + 1).toString());
            if (UNIT_FOLDERS.contains(rel.getName(i).toString()) && m.matches()) return m.group(1);
        }
        return "";
    }
}

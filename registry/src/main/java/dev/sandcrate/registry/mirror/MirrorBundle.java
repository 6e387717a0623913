package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.IndexFile;
import dev.sandcrate.index.IndexPaths;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.jdbi.v3.core.Jdbi;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A mirror bundle: one uncompressed tar that carries a registry's crates into an air-gapped site.
 * <pre>
 * sandcrate-bundle.json                      format, counts, what it was exported from (always the first entry)
 * index/&lt;path&gt;                               every crate's index file (cargo's layout, yanked flags as exported)
 * crates/&lt;name&gt;/&lt;name&gt;-&lt;version&gt;.crate        the .crate bytes as published (checked against the index cksum)
 * artifacts/&lt;name&gt;/&lt;version&gt;/&lt;sha256&gt;.wasm   verified precompiled artifacts (the precompile service's)
 * artifacts/&lt;name&gt;/&lt;version&gt;/&lt;sha256&gt;.json   their manifests: feature set, toolchain, build record (both builds)
 * </pre>
 * An incremental bundle ({@code --since} an earlier one) carries the full index but only the .crate files and artifacts
 * the earlier one lacked; importing it needs the earlier one imported first. Entries are written in that order so an
 * import can stream the file: the index first, then each .crate is verified and imported as it passes, then each
 * artifact (its .wasm, then its .json) is checked and installed.
 */
public final class MirrorBundle {
    static final String MANIFEST = "sandcrate-bundle.json";
    static final String FORMAT = "sandcrate-bundle";
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final FileTime MTIME = FileTime.fromMillis(1000);
    /** Larger than any .crate a registry accepts; guards the import against absurd entry sizes. */
    private static final long MAX_ENTRY = 1L << 30;

    private MirrorBundle() {}

    public record ExportSummary(Path file, int crates, int versions, int crateFiles, int artifacts, long bytes) {
        public String describe() {
            return "wrote " + file + ": " + crates + " crates, " + versions + " versions, " + crateFiles + " .crate files"
                    + (crateFiles < versions ? " (the rest are in the earlier bundle)" : "") + ", " + artifacts
                    + " artifacts, " + bytes / 1024 + " KiB";
        }
    }

    /**
     * Writes every crate of the registry to {@code out} (via a temp file renamed into place, so a failed export leaves
     * no half bundle). With {@code since}, .crate files that earlier bundle holds are left out.
     */
    public static ExportSummary export(Jdbi jdbi, CrateService crates, BlobStore artifacts, Path out, Path since, String source)
            throws IOException {
        Set<String> earlier = since == null ? Set.of() : contentsOf(since);
        List<Artifact> built = verifiedArtifacts(jdbi);
        List<String> names = PublishedVersions.crateNames(jdbi);
        Map<String, List<CrateService.VersionRow>> all = new LinkedHashMap<>();
        int versions = 0;
        for (String name : names) {
            List<CrateService.VersionRow> vs = crates.versions(name);
            all.put(name, vs);
            versions += vs.size();
        }

        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        int crateFiles = 0;
        int artifactFiles = 0;
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", FORMAT);
            manifest.put("format_version", FORMAT_VERSION);
            manifest.put("created", Instant.now().toString());
            manifest.put("source", source);
            manifest.put("crates", names.size());
            manifest.put("versions", versions);
            manifest.put("artifacts", built.size());
            manifest.put("incremental", since != null);
            manifest.putArray("sections").add("index/").add("crates/").add("artifacts/");
            put(tar, MANIFEST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
            for (var e : all.entrySet()) {
                put(tar, "index/" + IndexPaths.pathOf(e.getKey()), IndexFile.render(e.getValue().stream().map(CrateService.VersionRow::entry).toList()));
            }
            for (var e : all.entrySet()) {
                for (CrateService.VersionRow v : e.getValue()) {
                    if (earlier.contains(v.cksum())) continue;
                    byte[] bytes = crates.crateBytes(e.getKey(), v.num())
                            .orElseThrow(() -> new IOException("version " + e.getKey() + " " + v.num() + " vanished during the export"));
                    if (!Checksums.sha256Hex(bytes).equals(v.cksum())) {
                        throw new IOException("the stored .crate of " + e.getKey() + " " + v.num() + " does not match its checksum");
                    }
                    put(tar, "crates/" + e.getKey() + "/" + e.getKey() + "-" + v.num() + ".crate", bytes);
                    crateFiles++;
                }
            }
            for (Artifact a : built) {
                if (earlier.contains(a.sha256())) continue;
                String dir = "artifacts/" + a.crate() + "/" + a.num() + "/" + a.sha256();
                byte[] wasm;
                try (InputStream in = artifacts.open(a.sha256())) {
                    if (in == null) throw new IOException("the artifact " + a.sha256() + " of " + a.crate() + " " + a.num() + " is missing");
                    wasm = in.readAllBytes();
                }
                if (!Checksums.sha256Hex(wasm).equals(a.sha256())) throw new IOException("the stored artifact " + a.sha256() + " is damaged");
                put(tar, dir + ".wasm", wasm);
                put(tar, dir + ".json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(a.manifest()));
                artifactFiles++;
            }
            tar.finish();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new ExportSummary(out, names.size(), versions, crateFiles, artifactFiles, Files.size(out));
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name, true);
        entry.setSize(bytes.length);
        entry.setMode(0100644);
        entry.setModTime(MTIME);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** Whether the file is a tar whose first entry is a bundle manifest. */
    public static boolean isBundle(Path file) {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            TarArchiveEntry first = tar.getNextEntry();
            return first != null && first.getName().equals(MANIFEST);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The checksums of the .crate files (from the index lines) and the artifacts (from their names) a bundle holds. */
    private static Set<String> contentsOf(Path bundle) throws IOException {
        if (!isBundle(bundle)) throw new IllegalArgumentException(bundle + " is not a sandcrate bundle");
        Set<String> out = new HashSet<>();
        Map<String, String> cksumByFile = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = open(bundle)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.getName().startsWith("index/")) {
                    for (IndexEntry line : IndexFile.parse(new String(readEntry(tar, e), StandardCharsets.UTF_8))) {
                        cksumByFile.put(crateFileName(line), line.cksum());
                    }
                } else if (e.getName().startsWith("crates/") && cksumByFile.containsKey(e.getName())) {
                    out.add(cksumByFile.get(e.getName()));
                } else if (e.getName().startsWith("artifacts/") && e.getName().endsWith(".wasm")) {
                    String file = e.getName().substring(e.getName().lastIndexOf('/') + 1);
                    out.add(file.substring(0, file.length() - ".wasm".length()));
                }
            }
        }
        return out;
    }

    /** A verified artifact of the precompile service and what describes it. */
    private record Artifact(String crate, String num, String sha256, JsonNode manifest) {}

    private static List<Artifact> verifiedArtifacts(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT crate_name, num, feature_key, features, toolchain, origin, artifact_sha256, artifact_size, build_record
                        FROM precompile_jobs WHERE state = 'verified' AND artifact_sha256 IS NOT NULL ORDER BY id""")
                .map((rs, ctx) -> {
                    ObjectNode m = JSON.createObjectNode();
                    m.put("crate", rs.getString(1));
                    m.put("version", rs.getString(2));
                    m.put("feature_key", rs.getString(3));
                    m.set("features", readJson(rs.getString(4)));
                    m.put("toolchain", rs.getString(5));
                    m.put("origin", rs.getString(6));
                    m.put("sha256", rs.getString(7));
                    m.put("size", rs.getLong(8));
                    m.set("build_record", readJson(rs.getString(9)));
                    return new Artifact(rs.getString(1), rs.getString(2), rs.getString(7), m);
                }).list());
    }

    private static JsonNode readJson(String text) {
        if (text == null) return null;
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(text);
        }
    }

    private static String crateFileName(IndexEntry e) {
        return "crates/" + e.name() + "/" + e.name() + "-" + e.vers() + ".crate";
    }

    private static TarArchiveInputStream open(Path bundle) throws IOException {
        return new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(bundle), 1 << 16));
    }

    private static byte[] readEntry(InputStream tar, TarArchiveEntry e) throws IOException {
        if (e.getSize() > MAX_ENTRY) throw new IOException("bundle entry " + e.getName() + " is " + e.getSize() + " bytes");
        return tar.readNBytes((int) e.getSize());
    }

    /**
     * Installs one carried artifact ({@code base} is {@code artifacts/<name>/<version>/<sha256>}); a failure is recorded
     * for this artifact alone and never stops the import.
     */
    private static void installArtifact(BundleArtifacts artifacts, CrateImporter.Run run, String where, String base, byte[] wasm,
                                        byte[] json, Map<String, IndexEntry> byFile) {
        try {
            String[] parts = base.split("/");
            if (parts.length != 4 || !parts[3].matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("not an artifacts/<name>/<version>/<sha256> entry");
            }
            IndexEntry indexed = byFile.get("crates/" + parts[1] + "/" + parts[1] + "-" + parts[2] + ".crate");
            if (artifacts.install(parts[1], parts[2], parts[3], wasm, json, indexed) == PrecompileStore.Installed.INSTALLED) {
                run.artifactsInstalled++;
            } else {
                run.artifactsPresent++;
            }
        } catch (IOException | RuntimeException ex) {
            run.failures.add(new CrateImporter.Failure(where + base + ".wasm", ex.getMessage()));
            run.artifactsFailed++;
        }
    }

    /**
     * Imports a bundle: each .crate is verified against the bundle's index and imported, then each artifact is checked
     * and installed ({@link BundleArtifacts}; skipped when the importer installs none); then yanked flags are applied.
     */
    static CrateImporter.Summary importInto(Path bundle, CrateImporter importer) throws IOException {
        try (TarArchiveInputStream tar = open(bundle)) {
            TarArchiveEntry first = tar.getNextEntry();
            JsonNode manifest = JSON.readTree(readEntry(tar, first));
            if (!FORMAT.equals(manifest.path("format").asText()) || manifest.path("format_version").asInt() != FORMAT_VERSION) {
                throw new IllegalArgumentException(bundle + " is a bundle of format " + manifest.path("format").asText() + " version "
                        + manifest.path("format_version").asText() + "; this sandcrate reads " + FORMAT + " version " + FORMAT_VERSION);
            }
            CrateImporter.Run run = importer.begin(bundle.toString(), manifest.path("versions").asInt());
            String where = bundle + "!";
            Map<String, IndexEntry> byFile = new LinkedHashMap<>();
            Set<String> carried = new HashSet<>();
            // an artifact's .wasm and .json are adjacent entries: whichever comes first waits here for the other
            Map<String, byte[]> wasmByBase = new LinkedHashMap<>();
            Map<String, byte[]> jsonByBase = new LinkedHashMap<>();
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String name = e.getName();
                if (!e.isFile()) continue;
                if (name.startsWith("index/")) {
                    try {
                        List<IndexEntry> lines = IndexFile.parse(new String(readEntry(tar, e), StandardCharsets.UTF_8));
                        for (IndexEntry line : lines) {
                            if (!("index/" + IndexPaths.pathOf(line.name())).equals(name)) {
                                throw new IllegalArgumentException("holds a line for " + line.name() + ", which belongs elsewhere");
                            }
                            byFile.put(crateFileName(line), line);
                        }
                    } catch (IllegalArgumentException ex) {
                        run.failures.add(new CrateImporter.Failure(where + name, ex.getMessage()));
                    }
                } else if (name.startsWith("crates/")) {
                    IndexEntry expected = byFile.get(name);
                    try {
                        if (expected == null) throw new IllegalArgumentException("not listed in the bundle's index");
                        byte[] bytes = readEntry(tar, e);
                        run.bytes += bytes.length;
                        if (!Checksums.sha256Hex(bytes).equals(expected.cksum())) {
                            throw new IllegalArgumentException("sha256 does not match the bundle's index (damaged in transit?)");
                        }
                        carried.add(name);
                        importer.importOne(run, bytes, where + name, CrateImporter.Kind.BUNDLE, null);
                    } catch (IllegalArgumentException | RegistryException | IOException ex) {
                        run.failures.add(new CrateImporter.Failure(where + name, ex.getMessage()));
                    }
                    importer.progress().step(name.substring(name.lastIndexOf('/') + 1));
                } else if (name.startsWith("artifacts/") && (name.endsWith(".wasm") || name.endsWith(".json"))) {
                    String base = name.substring(0, name.length() - ".wasm".length());
                    Map<String, byte[]> mine = name.endsWith(".wasm") ? wasmByBase : jsonByBase;
                    Map<String, byte[]> other = name.endsWith(".wasm") ? jsonByBase : wasmByBase;
                    if (importer.artifacts() == null) {
                        if (name.endsWith(".wasm")) run.artifactsSkipped++;
                        continue;
                    }
                    try {
                        mine.put(base, readEntry(tar, e));
                    } catch (IOException ex) {
                        run.failures.add(new CrateImporter.Failure(where + name, ex.getMessage()));
                        run.artifactsFailed++;
                        continue;
                    }
                    if (other.containsKey(base)) {
                        installArtifact(importer.artifacts(), run, where, base, wasmByBase.remove(base), jsonByBase.remove(base), byFile);
                    }
                } else {
                    run.failures.add(new CrateImporter.Failure(where + name, "unknown bundle entry"));
                }
            }
            for (String base : wasmByBase.keySet()) run.failures.add(new CrateImporter.Failure(where + base + ".wasm", "has no .json manifest beside it"));
            for (String base : jsonByBase.keySet()) run.failures.add(new CrateImporter.Failure(where + base + ".json", "has no .wasm beside it"));
            run.artifactsFailed += wasmByBase.size() + jsonByBase.size();
            List<IndexEntry> pending = new ArrayList<>();
            for (var e : byFile.entrySet()) {
                IndexEntry line = e.getValue();
                var here = importer.version(line.name(), line.vers());
                if (here.isEmpty()) {
                    if (!carried.contains(e.getKey())) {
                        run.failures.add(new CrateImporter.Failure(where + e.getKey(), "neither in this bundle nor in the registry:"
                                + " this is an incremental bundle; import the bundle it was made --since first"));
                        importer.progress().step(line.name());
                    }
                    continue;
                }
                if (!here.get().cksum().equals(line.cksum())) {
                    run.failures.add(new CrateImporter.Failure(where + e.getKey(), "this registry has " + line.name() + " "
                            + line.vers() + " with a different checksum (" + here.get().cksum() + ")"));
                } else if (!carried.contains(e.getKey())) {
                    run.alreadyPresent++;
                    importer.progress().step(line.name());
                }
                pending.add(line);
            }
            for (IndexEntry line : pending) importer.applyYanked(line);
            return importer.finish(run);
        }
    }
}

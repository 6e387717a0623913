package dev.sandcrate.registry.mirror;

import dev.sandcrate.registry.crates.PublishedVersions;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.ArtifactValidator;
import dev.sandcrate.precompile.pipeline.BuildRecord;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.eligibility.Policy;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.registry.storage.BlobStore;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Installs the precompiled artifacts a bundle carries ({@code artifacts/<name>/<version>/<sha256>.wasm} and its
 * {@code .json}), so the receiving site's precompiled view serves them without building. An artifact is installed
 * only if it is what it claims to be: the manifest is well-formed and names a version this registry holds with the
 * .crate checksum the bundle's index has; the .wasm's sha256 is its name and the manifest's; the module is a valid
 * artifact ({@link ArtifactValidator}) whose embedded manifest names the same crate, version, .crate checksum,
 * feature set and toolchain; the build record says both builds matched. Then the blob is stored and the row
 * recorded ({@link PrecompileStore#installArtifact}); a blob whose row is refused stays unreferenced and is never
 * served (only verified rows' artifacts are).
 */
final class BundleArtifacts {
    static final String ORIGIN = "bundle";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrecompileStore store;
    private final BlobStore artifacts;

    BundleArtifacts(PrecompileStore store, BlobStore artifacts) {
        this.store = store;
        this.artifacts = artifacts;
    }

    /**
     * Checks and installs one artifact. {@code indexed} is the bundle's index line of the version the entry's path
     * names (null if the index has none). Throws IllegalArgumentException/IllegalStateException with the reason.
     */
    PrecompileStore.Installed install(String crate, String num, String sha256, byte[] wasm, byte[] json, IndexEntry indexed)
            throws IOException {
        JsonNode m = parse(json);
        String[] required = {"crate", "version", "feature_key", "toolchain", "sha256"};
        for (String field : required) {
            if (!m.path(field).isTextual()) throw new IllegalArgumentException("the .json manifest has no " + field);
        }
        if (!m.path("features").isObject() || !m.path("size").canConvertToLong() || !m.path("build_record").isObject()) {
            throw new IllegalArgumentException("the .json manifest needs features, size and build_record");
        }
        if (!m.path("crate").asText().equals(crate) || !m.path("version").asText().equals(num) || !m.path("sha256").asText().equals(sha256)) {
            throw new IllegalArgumentException("the .json manifest describes " + m.path("crate").asText() + " " + m.path("version").asText()
                    + " (" + m.path("sha256").asText() + "), not the entry it sits beside");
        }
        String actual = Checksums.sha256Hex(wasm);
        if (!actual.equals(sha256)) {
            throw new IllegalArgumentException("the .wasm's sha256 is " + actual + ", not the one its name says (damaged in transit?)");
        }
        if (m.path("size").asLong() != wasm.length) {
            throw new IllegalArgumentException("the .wasm is " + wasm.length + " bytes, its manifest says " + m.path("size").asLong());
        }
        FeatureSet features = read(m.path("features"), FeatureSet.class, "features");
        if (!features.key().equals(m.path("feature_key").asText())) {
            throw new IllegalArgumentException("feature_key " + m.path("feature_key").asText() + " does not match the features " + features.key());
        }
        if (indexed == null) throw new IllegalArgumentException(crate + " " + num + " is not in the bundle's index");
        PublishedVersions.VersionRef version = store.version(crate, num).orElseThrow(() -> new IllegalArgumentException(
                crate + " " + num + " is not in this registry (its .crate was not imported; import the bundle that carries it first)"));
        if (!version.entry().cksum().equals(indexed.cksum())) {
            throw new IllegalArgumentException("this registry's " + crate + " " + num + " has the checksum " + version.entry().cksum()
                    + ", the bundle's " + indexed.cksum());
        }

        ArtifactManifest embedded;
        try {
            embedded = ArtifactManifest.of(wasm);
        } catch (PrecompileException e) {
            throw new IllegalArgumentException("not a sandcrate artifact: " + e.getMessage());
        }
        if (embedded.crate() == null || embedded.version() == null || embedded.features() == null || embedded.toolchain() == null
                || embedded.recipe() == null) {
            throw new IllegalArgumentException("the module's embedded manifest is incomplete");
        }
        if (!embedded.crate().equals(crate) || !embedded.version().equals(num) || !version.entry().cksum().equals(embedded.crateSha256())
                || !embedded.features().equals(features)) {
            throw new IllegalArgumentException("the module's embedded manifest is for " + embedded.label() + " built from the .crate "
                    + embedded.crateSha256() + ", not " + crate + " " + num + " [" + features.key() + "] " + version.entry().cksum());
        }
        String toolchain = Toolchain.identityHash(embedded.toolchain().rustc(), embedded.toolchain().cargo(), embedded.recipe().std());
        if (!toolchain.equals(m.path("toolchain").asText())) {
            throw new IllegalArgumentException("the module was built with toolchain " + toolchain + ", its manifest says " + m.path("toolchain").asText());
        }
        BuildRecord record = read(m.path("build_record"), BuildRecord.class, "build_record");
        List<BuildRecord.BuildRun> builds = record.builds() == null ? List.of() : record.builds();
        if (!record.verified() || !sha256.equals(record.artifactSha256()) || builds.size() != 2
                || !builds.get(0).wasmSha256().equals(builds.get(1).wasmSha256())) {
            throw new IllegalArgumentException("the build record does not show two matching builds of this artifact");
        }
        if (record.manifest() == null || !Arrays.equals(record.manifest().toJson(), embedded.toJson())) {
            throw new IllegalArgumentException("the build record's manifest differs from the one embedded in the module");
        }
        List<String> problems = ArtifactValidator.problems(wasm);
        if (!problems.isEmpty()) throw new IllegalArgumentException("not a valid artifact: " + String.join("; ", problems));
        if (deniedHere(crate, num)) throw new IllegalStateException(crate + " " + num + " is denied by this registry's operator");

        artifacts.put(wasm); // first the blob, then the row that makes it servable
        return store.installArtifact(version, features, toolchain, ORIGIN, sha256, wasm.length, JSON.writeValueAsString(m.path("build_record")));
    }

    private boolean deniedHere(String crate, String num) {
        List<String> deny = store.policyEntries().stream().filter(e -> e.action().equals("deny")).map(PrecompileStore.PolicyEntry::entry).toList();
        return new Policy(List.of(), deny).decide(crate, num) == Policy.Decision.DENY;
    }

    private static JsonNode parse(byte[] json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) throw new IllegalArgumentException("the .json manifest is not a JSON object");
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the .json manifest is not well-formed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the .json manifest cannot be read: " + e.getMessage());
        }
    }

    private static <T> T read(JsonNode node, Class<T> type, String field) {
        try {
            return JSON.treeToValue(node, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IllegalArgumentException("the .json manifest's " + field + " is not well-formed: " + e.getMessage());
        }
    }
}

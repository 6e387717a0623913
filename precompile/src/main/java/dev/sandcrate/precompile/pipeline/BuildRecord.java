package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.artifact.ArtifactManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The audit record of one precompile, written next to the artifact as {@code <artifact>.build.json}: the
 * manifest, both independent builds (hash, duration, parallelism, log), whether they matched, and the flags
 * and patches that matter for eligibility. {@code sandcrate rebuild} accepts it (or the .wasm itself).
 * {@code artifact} is the module's file name, in the same folder as the record.
 */
public record BuildRecord(@JsonProperty("manifest") ArtifactManifest manifest,
                          @JsonProperty("verified") boolean verified,
                          @JsonProperty("artifactSha256") String artifactSha256,
                          @JsonProperty("artifactBytes") long artifactBytes,
                          @JsonProperty("artifact") String artifact,
                          @JsonProperty("builds") List<BuildRun> builds,
                          @JsonProperty("rejection") String rejection,
                          @JsonProperty("flags") List<String> flags,
                          @JsonProperty("patches") List<String> patches,
                          @JsonProperty("prepareMillis") long prepareMillis,
                          @JsonInclude(JsonInclude.Include.NON_NULL)
                          @JsonProperty("dependencyCache") DependencyCache.Report dependencyCache) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One of the two builds: its module's sha256 (before the manifest section is added), size and cost. */
    public record BuildRun(@JsonProperty("id") String id, @JsonProperty("jobs") int jobs,
                           @JsonProperty("wasmSha256") String wasmSha256, @JsonProperty("wasmBytes") long wasmBytes,
                           @JsonProperty("durationMillis") long durationMillis, @JsonProperty("log") String log) {
    }

    public void write(Path file) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PrecompileException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static BuildRecord read(Path file) {
        try {
            return JSON.readValue(file.toFile(), BuildRecord.class);
        } catch (IOException e) {
            throw new PrecompileException(file + " is not a sandcrate build record: " + e.getMessage(), e);
        }
    }
}

package dev.sandcrate.precompile.artifact;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.pipeline.DependencyCache;
import dev.sandcrate.precompile.pipeline.FeatureSet;
import dev.sandcrate.precompile.source.MacroDecl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What an artifact is, embedded in its {@value #SECTION} custom section as UTF-8 JSON: enough for anyone to
 * rebuild it bit for bit ({@code sandcrate rebuild}) given the same crates. The lockfile is embedded whole
 * (it is a few KB) so the .wasm alone describes its inputs. {@code dependencies} lists every locked registry dependency
 * with its dependency cache key (the same whether the build reused cached units or compiled them).
 */
@JsonPropertyOrder({"format", "crate", "version", "crateSha256", "features", "macros", "toolchain", "lockfileSha256", "recipe", "lockfile",
        "dependencies"})
public record ArtifactManifest(@JsonProperty("format") int format,
                               @JsonProperty("crate") String crate,
                               @JsonProperty("version") String version,
                               @JsonProperty("crateSha256") String crateSha256,
                               @JsonProperty("features") FeatureSet features,
                               @JsonProperty("macros") List<MacroDecl> macros,
                               @JsonProperty("toolchain") ToolchainIdentity toolchain,
                               @JsonProperty("lockfileSha256") String lockfileSha256,
                               @JsonProperty("recipe") Recipe recipe,
                               @JsonProperty("lockfile") String lockfile,
                               @JsonInclude(JsonInclude.Include.NON_NULL)
                               @JsonProperty("dependencies") List<DependencyCache.Dependency> dependencies) {
    public static final String SECTION = "sandcrate-manifest";
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** Without dependency cache keys (artifacts built before the cache had none). */
    public ArtifactManifest(int format, String crate, String version, String crateSha256, FeatureSet features, List<MacroDecl> macros,
                            ToolchainIdentity toolchain, String lockfileSha256, Recipe recipe, String lockfile) {
        this(format, crate, version, crateSha256, features, macros, toolchain, lockfileSha256, recipe, lockfile, null);
    }

    /** {@code rustc -vV}, {@code cargo -V}, and the sha256 over the wasm std rlibs the build linked. */
    @JsonPropertyOrder({"rustc", "cargo", "wasmStdSha256"})
    public record ToolchainIdentity(@JsonProperty("rustc") String rustc, @JsonProperty("cargo") String cargo,
                                    @JsonProperty("wasmStdSha256") String wasmStdSha256) {
    }

    /** Versions of everything sandcrate itself contributes to the build. */
    @JsonPropertyOrder({"build", "std", "compatPatches", "rustSourcesSha256"})
    public record Recipe(@JsonProperty("build") int build, @JsonProperty("std") int std,
                         @JsonProperty("compatPatches") int compatPatches,
                         @JsonProperty("rustSourcesSha256") String rustSourcesSha256) {
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ArtifactManifest fromJson(byte[] json) {
        try {
            return JSON.readValue(json, ArtifactManifest.class);
        } catch (IOException e) {
            throw new PrecompileException("not a sandcrate artifact manifest: " + e.getMessage(), e);
        }
    }

    /** Reads the manifest embedded in a module. */
    public static ArtifactManifest of(byte[] wasm) {
        byte[] payload;
        try {
            payload = WasmSections.custom(wasm, SECTION);
        } catch (IllegalArgumentException e) {
            throw new PrecompileException("not a wasm module: " + e.getMessage(), e);
        }
        if (payload == null) throw new PrecompileException("the module has no " + SECTION + " custom section");
        return fromJson(payload);
    }

    public String label() {
        return crate + " " + version + " [" + features.key() + "]";
    }

    public String describe() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }
}

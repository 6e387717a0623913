package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A registry package pinned by a Cargo.lock (path packages of the workspace are not listed). */
public record LockedPackage(String name, String version, String checksum) {
    private static final TomlMapper TOML = new TomlMapper();

    public static List<LockedPackage> parse(String cargoLock) {
        try {
            JsonNode root = TOML.readTree(cargoLock);
            List<LockedPackage> out = new ArrayList<>();
            for (JsonNode p : root.path("package")) {
                if (!p.has("source")) continue;
                if (!p.path("checksum").isTextual()) {
                    throw new PrecompileException("Cargo.lock: " + p.path("name").asText() + " " + p.path("version").asText() + " has no checksum");
                }
                out.add(new LockedPackage(p.path("name").asText(), p.path("version").asText(), p.path("checksum").asText()));
            }
            return out;
        } catch (IOException e) {
            throw new PrecompileException("Cargo.lock is not valid TOML: " + e.getMessage(), e);
        }
    }

    public String dirName() {
        return name + "-" + version;
    }
}

package dev.sandcrate.precompile.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Rust sources that go into every artifact (precompile/rust: wire codec, in-wasm bridge server), shipped
 * inside the jar as resources under {@code sandcrate-rust/}. They are copied into each build workspace so that
 * path dependencies live inside it (cargo hashes the absolute path of path dependencies outside the workspace,
 * which breaks reproducibility). Their sha256 is part of the recipe recorded in every manifest.
 */
public final class RustSources {
    /** Crates of precompile/rust that artifacts link; the oracle and the harness template are not copied. */
    static final List<String> LINKED_CRATES = List.of("wire", "bridge-server");
    /**
     * Copied with its crate but not compiled into artifacts, so left out of the sha256: the consumers' side of the
     * wire format (the shims' support crate carries it), which may change without rebuilding every artifact.
     */
    static final String CONSUMER_SIDE = "wire/src/proc_macro_wire.rs";
    /** The harness template the pipeline renders (precompile/rust/harness-template/README.md). */
    static final List<String> HARNESS_TEMPLATE = List.of("harness-template/Cargo.toml", "harness-template/lib.rs");
    private static final TomlMapper TOML = new TomlMapper();

    private RustSources() {
    }

    /** Copies the linked crates to {@code dest} and returns the sha256 over their files (but {@link #CONSUMER_SIDE}) and the harness template (path + content). */
    public static String copyTo(Path dest) {
        return withRoot(root -> {
            StringBuilder listing = new StringBuilder();
            for (String crate : LINKED_CRATES) {
                Path src = root.resolve(crate);
                if (!Files.isDirectory(src)) {
                    throw new PrecompileException("the bundled Rust sources lack " + crate + "/ (" + root + ")");
                }
                Path out = dest.resolve(crate);
                try (Stream<Path> s = Files.walk(src)) {
                    for (Path p : s.sorted().toList()) {
                        String rel = src.relativize(p).toString();
                        if (rel.startsWith("target") || rel.endsWith("Cargo.lock")) continue;
                        Path target = out.resolve(rel);
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(target);
                        } else {
                            byte[] bytes = Files.readAllBytes(p);
                            Files.write(target, bytes);
                            if (!(crate + "/" + rel).equals(CONSUMER_SIDE)) {
                                listing.append(crate).append('/').append(rel).append(' ').append(Checksums.sha256Hex(bytes)).append('\n');
                            }
                        }
                    }
                }
            }
            for (String file : HARNESS_TEMPLATE) {
                listing.append(file).append(' ').append(Checksums.sha256Hex(Files.readAllBytes(root.resolve(file)))).append('\n');
            }
            return Checksums.sha256Hex(listing.toString());
        });
    }

    /** The text of one harness template file ({@code Cargo.toml} or {@code lib.rs}). */
    static String harnessTemplate(String file) {
        return withRoot(root -> Files.readString(root.resolve("harness-template").resolve(file)));
    }

    /** {@code [workspace.package]} of precompile/rust/Cargo.toml, which the member crates inherit from. */
    public static JsonNode workspacePackage() {
        return withRoot(root -> {
            JsonNode ws = TOML.readTree(Files.readAllBytes(root.resolve("Cargo.toml")));
            return ws.path("workspace").path("package");
        });
    }

    private interface RootAction<T> {
        T run(Path root) throws IOException;
    }

    private static <T> T withRoot(RootAction<T> action) {
        try {
            String override = System.getenv("SANDCRATE_RUST_SOURCES");
            if (override != null && !override.isBlank()) return action.run(Path.of(override));
            URL url = RustSources.class.getResource("/sandcrate-rust/Cargo.toml");
            if (url == null) throw new PrecompileException("the Rust sources are not bundled (no sandcrate-rust/ resource)");
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return action.run(fs.getPath("/sandcrate-rust"));
            }
            return action.run(Path.of(uri).getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

}

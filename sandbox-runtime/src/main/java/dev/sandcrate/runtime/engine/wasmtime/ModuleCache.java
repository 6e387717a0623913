package dev.sandcrate.runtime.engine.wasmtime;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.CacheFiles;
import dev.sandcrate.runtime.engine.SandboxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * What a cold Wasmtime load can skip when the module was seen before, kept on disk under a directory per Wasmtime
 * version:
 * <ul>
 *   <li>{@code abi/<sha256>}: the result of {@link ArtifactAbi#checkInterface} (Wasmtime validates the code) for the
 *       artifact with that sha256: only passed checks are stored, with the manifest;</li>
 *   <li>{@code compiled/}: Wasmtime's own compilation cache (the binding cannot serialize modules itself);</li>
 *   <li>{@code index/<sha256>}: which file of Wasmtime's cache holds that artifact's native code, and its CRC-32C.
 *       Wasmtime trusts its cache files; a corrupted one could run broken native code, so the file is checked
 *       against the index before every load and deleted (Wasmtime then recompiles) when it does not match. A CRC
 *       (not a hash) because it only guards against damage: whoever can write the cache can run code anyway, and
 *       a CRC of 2 MB costs a millisecond in a JVM that has just started.</li>
 * </ul>
 * Every record ends with the sha256 of what precedes it; a record that does not match is discarded and redone.
 * Writes are atomic (temp file + rename). Compiles are serialised in this JVM so a new cache file can be
 * attributed to the module that produced it.
 */
final class ModuleCache {

    private static final String MAGIC = "sandcrate-wasmtime-cache 1";

    private final Path dir;

    ModuleCache(Path dir) {
        this.dir = dir;
    }

    Path directory() {
        return dir;
    }

    /** Writes Wasmtime's cache configuration (its directory lives under ours) and returns its path. */
    Path writeConfig() throws IOException {
        Path compiled = dir.resolve("compiled");
        Files.createDirectories(compiled);
        // Wasmtime would recompress a file after 256 uses; the rewrite no longer matches the index, so every start
        // after it would discard and recompile. One compression level for both rules out the rewrite.
        String toml = "[cache]\nenabled = true\ndirectory = \"" + tomlString(compiled.toAbsolutePath().toString()) + "\"\n"
                + "baseline-compression-level = 3\noptimized-compression-level = 3\n";
        Path config = dir.resolve("wasmtime-cache.toml");
        if (!Files.exists(config) || !Files.readString(config).equals(toml)) {
            CacheFiles.writeAtomically(config, toml.getBytes(StandardCharsets.UTF_8));
        }
        return config;
    }

    /** The ABI check for {@code wasm} (whose sha256 is given), from the record when a previous check passed. */
    Optional<String> checkedAbi(String sha256, byte[] wasm) throws SandboxException {
        Optional<String> record = readRecord(dir.resolve("abi").resolve(sha256));
        if (record.isPresent()) {
            String body = record.get();
            if (body.equals("no-manifest")) {
                return Optional.empty();
            }
            if (body.startsWith("manifest\n")) {
                return Optional.of(body.substring("manifest\n".length()));
            }
        }
        Optional<String> manifest = ArtifactAbi.checkInterface(wasm); // Wasmtime validates the code when it compiles
        writeRecord(dir.resolve("abi").resolve(sha256), manifest.map(json -> "manifest\n" + json).orElse("no-manifest"));
        return manifest;
    }

    /**
     * Runs {@code compile} (Wasmtime reads or fills its cache) after checking the artifact's cache file against the
     * index; records the file Wasmtime wrote when the index has none.
     */
    synchronized <T> T compile(String sha256, Supplier<T> compile) {
        Path compiled = dir.resolve("compiled");
        Path indexFile = dir.resolve("index").resolve(sha256);
        Optional<String[]> entry = readRecord(indexFile).map(body -> body.split("\n", 2)).filter(parts -> parts.length == 2);
        boolean trusted = false;
        if (entry.isPresent()) {
            Path file = compiled.resolve(entry.get()[0]).normalize();
            if (file.startsWith(compiled) && Files.isRegularFile(file)) {
                trusted = crcOf(file).equals(entry.get()[1]);
                if (!trusted) {
                    System.err.println("sandcrate-runtime: discarding corrupted compiled module " + file);
                    deleteQuietly(file);
                }
            }
        }
        Map<Path, Long> before = trusted ? Map.of() : moduleFiles(compiled);
        T result = compile.get();
        if (!trusted) {
            Map<Path, Long> after = moduleFiles(compiled);
            Path written = null;
            int changed = 0;
            for (Map.Entry<Path, Long> file : after.entrySet()) {
                if (!file.getValue().equals(before.get(file.getKey()))) {
                    written = file.getKey();
                    changed++;
                }
            }
            if (changed == 1) {
                writeRecord(indexFile, compiled.relativize(written) + "\n" + crcOf(written));
            }
        }
        return result;
    }

    /**
     * Wasmtime's module files with their modification times: not its usage statistics, its lock files or the
     * {@code <name>.wip-atomic-write-<reason>} file its background worker writes a statistics file through, which
     * can exist for a moment right after a compile (it made the index go unrecorded now and then).
     */
    private static Map<Path, Long> moduleFiles(Path compiled) {
        Map<Path, Long> files = new HashMap<>();
        try (Stream<Path> walk = Files.walk(compiled)) {
            walk.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().endsWith(".stats"))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().contains(".wip-"))
                    .forEach(p -> {
                        try {
                            files.put(p, Files.getLastModifiedTime(p).toMillis() ^ Files.size(p) << 40);
                        } catch (IOException e) {
                            // removed meanwhile (Wasmtime's cleanup)
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            // no cache directory: nothing recorded
        }
        return files;
    }

    private Optional<String> readRecord(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(file);
            return Optional.empty();
        }
        int header = text.indexOf('\n');
        int trailer = text.lastIndexOf('\n');
        if (header > 0 && trailer > header && text.substring(0, header).equals(MAGIC)) {
            String body = text.substring(header + 1, trailer);
            if (ArtifactAbi.sha256(body.getBytes(StandardCharsets.UTF_8)).equals(text.substring(trailer + 1))) {
                return Optional.of(body);
            }
        }
        System.err.println("sandcrate-runtime: discarding corrupted cache record " + file);
        deleteQuietly(file);
        return Optional.empty();
    }

    private void writeRecord(Path file, String body) {
        String text = MAGIC + "\n" + body + "\n" + ArtifactAbi.sha256(body.getBytes(StandardCharsets.UTF_8));
        try {
            CacheFiles.writeAtomically(file, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            System.err.println("sandcrate-runtime: could not write cache record " + file + ": " + e.getMessage());
        }
    }

    private static String crcOf(Path file) {
        try {
            return "crc32c:" + Long.toHexString(CacheFiles.crc32c(Files.readAllBytes(file)));
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a later load tries again
        }
    }

    private static String tomlString(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}

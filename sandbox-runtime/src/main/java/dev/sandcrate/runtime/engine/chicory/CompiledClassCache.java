package dev.sandcrate.runtime.engine.chicory;

import com.dylibso.chicory.compiler.Cache;
import dev.sandcrate.runtime.engine.CacheFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Keeps the JVM classes Chicory compiles a module to on disk, so the next daemon (or CLI run) skips the compile,
 * which takes seconds for a megabyte-sized macro. Keyed by Chicory's module digest, under a directory per Chicory
 * version (the stored format is Chicory's own). Writes are atomic, so concurrent runtimes never see a partial file.
 */
final class CompiledClassCache implements Cache {

    private final Path dir;

    CompiledClassCache(Path root) {
        this.dir = root.resolve("chicory-" + chicoryVersion());
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path target = file(key);
        if (Files.exists(target)) {
            return;
        }
        CacheFiles.writeAtomically(target, data);
    }

    private Path file(String key) {
        return dir.resolve(key.replaceAll("[^A-Za-z0-9_.-]", "_") + ".classes");
    }

    private static String chicoryVersion() {
        try (InputStream in = Cache.class.getResourceAsStream("/META-INF/maven/com.dylibso.chicory/compiler/pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }
}

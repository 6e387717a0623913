package dev.sandcrate.runtime.engine.wasmtime;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.CacheFiles;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The JNI library of wasmtime-java, loaded from the runtime's cache. The binding would copy its 18 MB library into
 * java.io.tmpdir on every start and never delete it; the runtime instead extracts it once, to a directory named
 * after the binding version and the library's sha256, and loads it from there. Processes that load the binding
 * set {@code WASMTIME_JNI_LOAD_DISABLED=1} so the binding's own loader stays out of the way.
 */
public final class WasmtimeLibrary {

    /** The wasmtime-java version; it bundles Wasmtime {@link #WASMTIME_VERSION}. */
    public static final String BINDING_VERSION = "0.19.0";
    public static final String WASMTIME_VERSION = "7.0.1";

    private static boolean loaded;

    private WasmtimeLibrary() {}

    /** The bundled library for this platform, or empty where the binding has none (the runtime then uses Chicory). */
    public static Optional<String> resourceName() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> null;
        };
        String platform = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : null;
        if (arch == null || platform == null) {
            return Optional.empty();
        }
        String suffix = platform.equals("linux") ? ".so" : ".dylib";
        String name = "libwasmtime_jni_" + BINDING_VERSION + "_" + platform + "_" + arch + suffix;
        return WasmtimeLibrary.class.getResource("/" + name) == null ? Optional.empty() : Optional.of(name);
    }

    public static boolean available() {
        return resourceName().isPresent();
    }

    /**
     * Extracts the library under {@code cacheRoot} unless it is there already, and loads it into this JVM. The
     * directory is keyed by the jar entry's CRC and size, so a start neither inflates nor hashes 18 MB when the
     * library is already extracted.
     */
    public static synchronized void load(Path cacheRoot) throws IOException {
        if (loaded) {
            return;
        }
        String name = resourceName().orElseThrow(() -> new IOException("wasmtime-java has no native library for "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch")));
        URL resource = WasmtimeLibrary.class.getResource("/" + name);
        long size = -1;
        String key;
        if (resource.openConnection() instanceof JarURLConnection jar && jar.getJarEntry().getCrc() != -1) {
            size = jar.getJarEntry().getSize();
            key = Long.toHexString(jar.getJarEntry().getCrc()) + "-" + size;
        } else {
            key = ArtifactAbi.sha256(read(resource)).substring(0, 16);
        }
        Path dir = cacheRoot.resolve("native").resolve("wasmtime-java-" + BINDING_VERSION + "-" + key);
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file) || (size >= 0 && Files.size(file) != size)) {
            CacheFiles.writeAtomically(file, read(resource));
        }
        System.load(file.toAbsolutePath().toString());
        loaded = true;
    }

    private static byte[] read(URL resource) throws IOException {
        try (InputStream in = resource.openStream()) {
            return in.readAllBytes();
        }
    }
}

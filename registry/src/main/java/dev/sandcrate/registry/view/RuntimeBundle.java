package dev.sandcrate.registry.view;

import dev.sandcrate.index.Checksums;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The self-contained runtime bundle the registry hands to consumers (built by {@code sandbox-runtime/bundle/build.sh}:
 * a jlink image, the runtime jars and a launcher), its sha256 and the one-line installer with this registry's URL
 * filled in. The installer template is the bundle's sibling {@code install.sh}, or {@code sandbox-runtime/bundle/install.sh}
 * when the bundle sits in that module's {@code target/bundle/} (a source checkout).
 */
public final class RuntimeBundle {
    /** The variable operators set to serve a bundle: the path of {@code sandcrate-runtime-linux-<arch>.tar.gz}. */
    public static final String ENV = "SANDCRATE_RUNTIME_BUNDLE";
    private static final Pattern NAME = Pattern.compile("sandcrate-runtime-linux-[a-z0-9_]+\\.tar\\.gz");
    private static final String URL_MARKER = "@REGISTRY_URL@";

    private final Path file;
    private final String sha256;
    private final String installTemplate;

    private RuntimeBundle(Path file, String sha256, String installTemplate) {
        this.file = file;
        this.sha256 = sha256;
        this.installTemplate = installTemplate;
    }

    /** Reads a bundle, checking its name, its {@code .sha256} file when there is one, and finding the installer. */
    public static RuntimeBundle of(Path file) throws IOException {
        file = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) throw new IOException("runtime bundle " + file + " does not exist");
        if (!NAME.matcher(file.getFileName().toString()).matches()) {
            throw new IOException("runtime bundle " + file + " is not named sandcrate-runtime-linux-<arch>.tar.gz (what install.sh downloads)");
        }
        String sha = sha256Of(file);
        Path shaFile = file.resolveSibling(file.getFileName() + ".sha256");
        if (Files.isRegularFile(shaFile)) {
            String declared = Files.readString(shaFile).strip().split("\\s+")[0];
            if (!declared.equals(sha)) {
                throw new IOException("runtime bundle " + file + " has sha256 " + sha + " but " + shaFile + " says " + declared);
            }
        }
        Path install = file.resolveSibling("install.sh");
        if (!Files.isRegularFile(install) && file.getParent().getParent() != null) {
            install = file.getParent().getParent().resolveSibling("bundle").resolve("install.sh");
        }
        if (!Files.isRegularFile(install)) {
            throw new IOException("no install.sh beside runtime bundle " + file + " (copy sandbox-runtime/bundle/install.sh there)");
        }
        String template = Files.readString(install, StandardCharsets.UTF_8);
        if (!template.contains(URL_MARKER)) throw new IOException(install + " has no " + URL_MARKER + " to fill in");
        return new RuntimeBundle(file, sha, template);
    }

    /** The bundle named by {@value #ENV}, if set. */
    public static Optional<RuntimeBundle> fromEnvironment() throws IOException {
        String path = System.getenv(ENV);
        return path == null || path.isBlank() ? Optional.empty() : Optional.of(of(Path.of(path)));
    }

    public String fileName() {
        return file.getFileName().toString();
    }

    public String sha256() {
        return sha256;
    }

    public long size() throws IOException {
        return Files.size(file);
    }

    public InputStream open() throws IOException {
        return Files.newInputStream(file);
    }

    /** The installer for consumers of the registry at {@code registryUrl}: {@code curl -fsSL <url>/runtime/install.sh | sh}. */
    public String installScript(String registryUrl) {
        return installTemplate.replace(URL_MARKER, registryUrl);
    }

    /** The {@code .sha256} file in sha256sum's format, which install.sh reads. */
    public String sha256File() {
        return sha256 + "  " + fileName() + "\n";
    }

    private static String sha256Of(Path file) throws IOException {
        MessageDigest digest = Checksums.sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) digest.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}

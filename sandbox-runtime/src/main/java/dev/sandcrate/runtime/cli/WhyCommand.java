package dev.sandcrate.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sandcrate-runtime why}: sends the project's Cargo.lock to the registry ({@code POST /api/v1/precompiled/why})
 * and prints which proc macros come as shims, which from source and why, and what keeps syn in the build.
 */
@Command(name = "why", description = "In a cargo project: which proc macros the registry serves as shims, which from source and why,"
        + " and which packages make cargo compile syn.")
final class WhyCommand implements Callable<Integer> {
    /** A sparse index URL of a Sandcrate registry: its precompiled view or its normal index. */
    private static final Pattern SPARSE = Pattern.compile("sparse\\+(https?://[^\"'\\s]+?)/(?:precompiled/)?index/?[\"'\\s]");

    @Spec
    CommandSpec spec;

    @Option(names = "--registry", defaultValue = "${env:SANDCRATE_REGISTRY}",
            description = "Registry URL, e.g. http://host:8080 (env SANDCRATE_REGISTRY; default: the sparse+ index URL"
                    + " in Cargo.lock or the project's .cargo/config.toml).")
    String registry;

    @Option(names = "--token", defaultValue = "${env:SANDCRATE_TOKEN}",
            description = "API token for a registry that requires auth (env SANDCRATE_TOKEN).")
    String token;

    @Option(names = "--manifest-dir", defaultValue = ".", description = "The project (a folder with Cargo.lock or below one).")
    Path dir;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path lock = findUp(dir.toAbsolutePath().normalize(), "Cargo.lock")
                .orElseThrow(() -> new IOException("no Cargo.lock in " + dir.toAbsolutePath().normalize()
                        + " or above: run `cargo generate-lockfile` first"));
        String base = registry != null && !registry.isBlank() ? registry.replaceAll("/+$", "")
                : registryOf(lock).orElseThrow(() -> new IOException("cannot tell which registry to ask: no sparse+ index URL in "
                        + lock + " or a .cargo/config.toml; pass --registry URL (or set SANDCRATE_REGISTRY)"));
        // HttpURLConnection, not java.net.http: the runtime bundle's jlink image holds only java.base
        HttpURLConnection http = (HttpURLConnection) URI.create(base + "/api/v1/precompiled/why").toURL().openConnection();
        String body;
        int status;
        try {
            http.setConnectTimeout(10_000);
            http.setReadTimeout(120_000);
            http.setRequestMethod("POST");
            http.setDoOutput(true);
            http.setRequestProperty("Accept", "text/plain");
            http.setRequestProperty("Content-Type", "application/toml");
            if (token != null && !token.isBlank()) http.setRequestProperty("Authorization", token);
            try (OutputStream out = http.getOutputStream()) {
                Files.copy(lock, out);
            }
            status = http.getResponseCode();
            try (InputStream in = status < 400 ? http.getInputStream() : http.getErrorStream()) {
                body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new IOException("cannot reach the registry at " + base + ": " + e.getMessage(), e);
        } finally {
            http.disconnect();
        }
        if (status != 200) throw new IOException("the registry at " + base + " answered " + status + ": " + body.strip());
        java.io.PrintWriter out = spec.commandLine().getOut();
        out.println("Cargo.lock: " + lock + "\nregistry: " + base);
        out.print(body);
        out.flush();
        return 0;
    }

    /** The registry a project uses: a sparse+ URL of a Sandcrate index in Cargo.lock, else in .cargo/config.toml files. */
    static Optional<String> registryOf(Path lock) throws IOException {
        List<Path> candidates = new ArrayList<>();
        candidates.add(lock);
        for (Path d = lock.getParent(); d != null; d = d.getParent()) candidates.add(d.resolve(".cargo").resolve("config.toml"));
        String cargoHome = System.getenv("CARGO_HOME");
        candidates.add(cargoHome != null ? Path.of(cargoHome, "config.toml") : Path.of(System.getProperty("user.home"), ".cargo", "config.toml"));
        for (Path file : candidates) {
            if (!Files.isRegularFile(file)) continue;
            Matcher m = SPARSE.matcher(Files.readString(file));
            if (m.find()) return Optional.of(m.group(1));
        }
        return Optional.empty();
    }

    private static Optional<Path> findUp(Path dir, String name) {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(name))) return Optional.of(d.resolve(name));
        }
        return Optional.empty();
    }
}

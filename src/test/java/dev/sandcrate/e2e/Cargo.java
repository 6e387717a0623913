package dev.sandcrate.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real cargo binary with its own CARGO_HOME (a temp folder), so tests neither see nor touch the
 * machine's cargo configuration and credentials. The binary is {@code cargo} on PATH unless SANDCRATE_TEST_CARGO says otherwise.
 */
final class Cargo {
    private static final String BINARY = System.getenv().getOrDefault("SANDCRATE_TEST_CARGO", "cargo");
    final Path home;
    /** HOME for cargo and the git it runs (its .gitconfig, .git-credentials); null keeps the caller's. */
    private Path userHome;

    record Result(int exit, String output) {
        Result expectSuccess(String what) {
            if (exit != 0) throw new AssertionError(what + " failed with exit " + exit + ":\n" + output);
            return this;
        }
    }

    Cargo(Path home, String configToml) throws IOException {
        this.home = home;
        Files.createDirectories(home);
        Files.writeString(home.resolve("config.toml"), configToml);
    }

    /** A CARGO_HOME whose config knows the registry as "sandcrate" (and, optionally, more config lines). */
    static Cargo withRegistry(Path home, String sparseIndexUrl, String extraConfig) throws IOException {
        return new Cargo(home, """
                [registries.sandcrate]
                index = "%s"

                [net]
                retry = 0

                [build]
                jobs = 2
                %s
                """.formatted(sparseIndexUrl, extraConfig));
    }

    /** Runs cargo with this HOME, so git (libgit2 or the CLI) reads the .gitconfig and credentials there. */
    Cargo withUserHome(Path userHome) {
        this.userHome = userHome;
        return this;
    }

    Result run(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(BINARY);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("CARGO_HOME", home.toString());
        env.put("CARGO_TERM_COLOR", "never");
        env.put("CARGO_TERM_PROGRESS_WHEN", "never");
        env.put("CARGO_TARGET_DIR", home.resolve("target").toString());
        env.remove("CARGO_REGISTRIES_SANDCRATE_TOKEN");
        if (userHome != null) {
            // rustup's cargo proxy finds its toolchains under HOME unless told where they are
            env.putIfAbsent("RUSTUP_HOME", Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".rustup").toString());
            env.put("HOME", userHome.toString());
            env.put("GIT_TERMINAL_PROMPT", "0"); // git must fail, not ask, when it has no credentials
        }
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("cargo " + String.join(" ", args) + " timed out:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    Result ok(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, null, args).expectSuccess("cargo " + String.join(" ", args));
    }

    void login(String token) throws IOException, InterruptedException {
        run(home, token + "\n", "login", "--registry", "sandcrate").expectSuccess("cargo login");
    }

    /** Writes a package folder: Cargo.toml and the given source files. */
    static Path project(Path dir, String cargoToml, Map<String, String> files) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Cargo.toml"), cargoToml);
        for (var f : files.entrySet()) {
            Path file = dir.resolve(f.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, f.getValue());
        }
        return dir;
    }
}

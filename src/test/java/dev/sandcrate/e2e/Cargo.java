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
    /** rustup's cargo proxy; {@code +nightly} picks the nightly toolchain for the nightly-feature tests. */
    private static final String RUSTUP_CARGO = System.getenv().getOrDefault("SANDCRATE_TEST_RUSTUP_CARGO",
            Path.of(System.getProperty("user.home"), ".cargo", "bin", "cargo").toString());
    final Path home;
    /** The command that runs cargo (the binary, then e.g. {@code +nightly}). */
    private List<String> command = List.of(BINARY);
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

    /**
     * The rustup nightly cargo, or a JUnit assumption failure (the test is reported as skipped, with the reason)
     * when there is none on this machine: nightly features cannot be tested without it, never pretended to pass.
     */
    Cargo nightly() throws IOException, InterruptedException {
        List<String> nightly = List.of(RUSTUP_CARGO, "+nightly");
        String version;
        try {
            Process p = new ProcessBuilder(nightlyCommand(nightly, "-V")).redirectErrorStream(true).start();
            version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) version = null;
        } catch (IOException e) {
            version = null;
        }
        boolean found = version != null && version.contains("nightly");
        if (!found) {
            System.err.println("!!!!! SKIPPED: no nightly cargo (`" + String.join(" ", nightly)
                    + " -V` did not answer with a nightly); install it with `rustup toolchain install nightly` !!!!!");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(found,
                "no nightly cargo: `" + String.join(" ", nightly) + " -V` failed; `rustup toolchain install nightly`");
        command = nightly;
        return this;
    }

    private static List<String> nightlyCommand(List<String> nightly, String... args) {
        List<String> cmd = new ArrayList<>(nightly);
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs cargo with this HOME, so git (libgit2 or the CLI) reads the .gitconfig and credentials there. */
    Cargo withUserHome(Path userHome) {
        this.userHome = userHome;
        return this;
    }

    Result run(Path dir, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.addAll(command);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("CARGO_HOME", home.toString());
        env.put("CARGO_TERM_COLOR", "never");
        env.put("CARGO_TERM_PROGRESS_WHEN", "never");
        env.put("CARGO_TARGET_DIR", home.resolve("target").toString());
        env.remove("CARGO_REGISTRIES_SANDCRATE_TOKEN");
        // rustup's proxy finds its toolchains under HOME/.rustup, not under the test's CARGO_HOME
        env.putIfAbsent("RUSTUP_HOME", Path.of(System.getProperty("user.home"), ".rustup").toString());
        if (userHome != null) {
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

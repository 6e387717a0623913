package dev.sandcrate.runtime.engine.wasm2c;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What turns a module into a native host executable: wabt's {@code wasm2c} (Debian package {@code wabt}), its C
 * runtime ({@code wasm-rt-impl.c}) and the system C compiler ({@code cc}), found on this machine. Its identity (the
 * tools' versions, the host's source and the flags) keys the compiled modules, so a changed toolchain compiles again.
 */
record Wasm2cToolchain(Path wasm2c, Path runtimeSources, Path cc, Optional<Path> bwrap, String identity) {

    /** -O1: as fast as -O2 within 5-10% on serde_derive's module, in half the compile time (docs/runtime.md). */
    static final List<String> CC_FLAGS = List.of("-O1", "-Wl,--wrap=wasm_rt_grow_memory");
    static final String HOST_SOURCE = "host.c";
    private static final List<String> RUNTIME_SOURCE_DIRS = List.of("/usr/share/wabt/wasm2c", "/usr/local/share/wabt/wasm2c");

    /** The toolchain on this machine, or why there is none. */
    static Toolchain find() {
        Optional<Path> wasm2c = onPath("wasm2c");
        Optional<Path> cc = onPath("cc");
        Optional<Path> runtime = RUNTIME_SOURCE_DIRS.stream().map(Path::of)
                .filter(dir -> Files.isRegularFile(dir.resolve("wasm-rt-impl.c"))).findFirst();
        if (wasm2c.isEmpty() || runtime.isEmpty()) {
            return new Toolchain(null, "wasm2c and its runtime sources were not found (install wabt, e.g. `apt-get install wabt`)");
        }
        if (cc.isEmpty()) {
            return new Toolchain(null, "no C compiler `cc` on PATH (install gcc or clang)");
        }
        try {
            String identity = ArtifactAbi.sha256((output(wasm2c.get(), "--version") + "\n" + output(cc.get(), "--version")
                    + "\n" + CC_FLAGS + "\n" + new String(hostSource(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            Optional<Path> bwrap = onPath("bwrap").filter(Wasm2cToolchain::confines);
            return new Toolchain(new Wasm2cToolchain(wasm2c.get(), runtime.get(), cc.get(), bwrap, identity.substring(0, 16)), null);
        } catch (IOException e) {
            return new Toolchain(null, "the wasm2c toolchain does not run: " + e.getMessage());
        }
    }

    /** Whether bubblewrap works here (it needs unprivileged user namespaces, or root). */
    private static boolean confines(Path bwrap) {
        try {
            Process probe = new ProcessBuilder(bwrap.toString(), "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * {@code command} confined by bubblewrap where it works: the artifact's bytes are untrusted input to wasm2c (and
     * its C to cc), so they run with no network, a read-only filesystem but for {@code work}, and die with the runtime.
     * Without bubblewrap they run as the user, as Cranelift's compile does in the Wasmtime worker.
     */
    List<String> confined(Path work, List<String> command) {
        if (bwrap.isEmpty()) {
            return command;
        }
        String folder = work.toAbsolutePath().toString();
        List<String> confined = new ArrayList<>(List.of(bwrap.get().toString(), "--die-with-parent", "--unshare-all", "--new-session",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--bind", folder, folder, "--chdir", folder, "--"));
        confined.addAll(command);
        return confined;
    }

    /** A toolchain, or the reason this machine has none. */
    record Toolchain(Wasm2cToolchain found, String missing) {}

    static byte[] hostSource() {
        try (InputStream in = Wasm2cToolchain.class.getResourceAsStream(HOST_SOURCE)) {
            return in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("the runtime's " + HOST_SOURCE + " resource is missing", e);
        }
    }

    /**
     * Translates {@code wasm} to C and compiles it with the host into {@code work}'s {@code host}, which it returns;
     * {@code lowPriority} runs the compiler under {@code nice -n 19}, so that a build running beside it keeps the CPU.
     */
    Path compile(byte[] wasm, Path work, String sha256, boolean lowPriority) throws SandboxException, IOException {
        Path executable = work.resolve("host");
        Files.write(work.resolve("module.wasm"), wasm);
        Files.write(work.resolve(HOST_SOURCE), hostSource());
        run(work, "wasm2c", confined(work, List.of(wasm2c.toString(), "-n", "m", "module.wasm", "-o", "module.c")), sha256, Kind.INVALID);
        List<String> compile = new ArrayList<>(List.of(cc.toString()));
        compile.addAll(CC_FLAGS);
        compile.addAll(List.of("-I", runtimeSources.toString(), "-o", executable.toString(), HOST_SOURCE, "module.c",
                runtimeSources.resolve("wasm-rt-impl.c").toString(), "-lm"));
        List<String> command = new ArrayList<>();
        Optional<Path> nice = lowPriority ? onPath("nice") : Optional.empty();
        nice.ifPresent(tool -> command.addAll(List.of(tool.toString(), "-n", "19")));
        command.addAll(confined(work, compile));
        run(work, "cc", command, sha256, Kind.TOOLCHAIN);
        return executable;
    }

    private enum Kind { INVALID, TOOLCHAIN }

    /** Ends a compiler and what it started (cc runs cc1, as and the linker as children). */
    private static void stop(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static void run(Path work, String what, List<String> command, String sha256, Kind kind) throws SandboxException, IOException {
        Path log = work.resolve(what + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("TMPDIR", work.toAbsolutePath().toString()); // the only place it may write
        Process process = builder.start();
        try {
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                stop(process);
                throw new SandboxException(SandboxException.Kind.ENGINE_FAILED, what + " did not finish module " + sha256 + " within 10 minutes");
            }
        } catch (InterruptedException e) {
            stop(process);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + what + " compiled module " + sha256, e);
        }
        if (process.exitValue() != 0) {
            String output = Files.readString(log).strip();
            String tail = output.length() > 2000 ? "..." + output.substring(output.length() - 2000) : output;
            // wasm2c validates the module: its refusal means the artifact is broken; a failing cc means our toolchain is
            throw new SandboxException(kind == Kind.INVALID ? SandboxException.Kind.INVALID_MODULE : SandboxException.Kind.ENGINE_FAILED,
                    "module " + sha256 + " could not be " + (kind == Kind.INVALID ? "translated by wasm2c" : "compiled by cc")
                            + " (exit code " + process.exitValue() + "): " + tail);
        }
    }

    private static String output(Path tool, String argument) throws IOException {
        Process process = new ProcessBuilder(tool.toString(), argument).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (process.waitFor() != 0) {
                throw new IOException(tool + " " + argument + " exited with " + process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return text;
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}

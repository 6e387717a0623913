package dev.sandcrate.runtime.engine.wasm2c;

import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.CacheFiles;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.MemoryCap;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Modules translated to C by wasm2c and compiled by the system C compiler into one host executable per module
 * ({@code host.c}); each instance is a process of its own, under a seccomp filter, spoken to over its stdin and
 * stdout. Compiling takes long (tens of seconds for a large macro), once per module and toolchain: executables are
 * kept under {@code wasm2c-<toolchain>/} in the cache with their sha256, checked before use. Time limit: the
 * process is killed at the deadline. Memory limit: the declared maximum is rewritten by {@link MemoryCap} and a
 * refused {@code memory.grow} is reported. A process that dies, or a native stack that runs out, is
 * {@link SandboxException.Kind#ENGINE_FAILED}, which the fallback engine reruns.
 */
public final class Wasm2cEngine implements MacroEngine {

    public static final String NAME = "wasm2c";

    private final SandboxLimits limits;
    private final Wasm2cToolchain toolchain;
    private final Path directory;
    /**
     * Compiles in progress in this JVM. A runtime that stops (a daemon asked to, or idle) finishes them first, for at
     * most {@link #FINISH_ON_EXIT}, holding their file locks: the next daemon waits for the executable instead of
     * starting over, and no compiler is left running without its runtime.
     */
    private static final AtomicInteger COMPILES = new AtomicInteger();
    private static final Duration FINISH_ON_EXIT = Duration.ofMinutes(5);
    /**
     * How long a failed compile keeps every runtime on this machine from compiling that module again: what failed
     * once (wasm2c refusing the module, cc running out of memory) tends to fail again, and each try costs a large
     * macro tens of seconds of CPU. Recorded beside the executable it was to make ({@code .failed}).
     */
    static final Duration RETRY_FAILED_COMPILE_AFTER = Duration.ofDays(1);

    /** A monitor per compiled file, for the whole JVM: a file lock is held per process, not per thread. */
    private static final ConcurrentHashMap<Path, Object> COMPILING = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Wasm2cEngine::finishCompiles, "sandcrate-wasm2c-finish"));
    }

    private static void finishCompiles() {
        long deadline = System.nanoTime() + FINISH_ON_EXIT.toNanos();
        synchronized (COMPILES) {
            if (COMPILES.get() > 0) {
                System.err.println("sandcrate-runtime: exiting after " + COMPILES.get()
                        + " wasm2c compile(s) in progress finish (at most " + FINISH_ON_EXIT.toMinutes()
                        + " min), so that the next runtime need not start them over");
            }
            while (COMPILES.get() > 0 && System.nanoTime() < deadline) {
                try {
                    COMPILES.wait(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "sandcrate-wasm2c-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    /** An engine whose compiled modules are kept under {@code cacheRoot}; fails if the toolchain is missing. */
    public Wasm2cEngine(SandboxLimits limits, Path cacheRoot) {
        Wasm2cToolchain.Toolchain found = Wasm2cToolchain.find();
        if (found.found() == null) {
            throw new IllegalStateException("the wasm2c engine cannot run here: " + found.missing());
        }
        this.limits = limits;
        this.toolchain = found.found();
        this.directory = cacheRoot.resolve("wasm2c-" + toolchain.identity());
        deleteAbandonedBuilds();
    }

    /** Build folders of runtimes that stopped while they compiled (an hour old: no compile takes that long). */
    private void deleteAbandonedBuilds() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        long hourAgo = System.currentTimeMillis() - 3_600_000L;
        try (Stream<Path> entries = Files.list(directory)) {
            for (Path build : entries.filter(p -> p.getFileName().toString().startsWith(".build-")).toList()) {
                if (Files.getLastModifiedTime(build).toMillis() < hourAgo) {
                    deleteTree(build);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("sandcrate-runtime: could not clear abandoned builds under " + directory + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SandboxLimits limits() {
        return limits;
    }

    @Override
    public MacroModule load(byte[] wasm, String sha256) throws SandboxException {
        return load(wasm, sha256, Compile.NOW).orElseThrow();
    }

    /** The module if its executable was compiled before, without compiling it now. */
    public Optional<MacroModule> loadCompiled(byte[] wasm, String sha256) throws SandboxException {
        return load(wasm, sha256, Compile.NEVER);
    }

    /** {@link #load(byte[], String)}, with the compiler at the lowest CPU priority: for a compile nobody waits for. */
    public MacroModule loadInBackground(byte[] wasm, String sha256) throws SandboxException {
        return load(wasm, sha256, Compile.IN_BACKGROUND).orElseThrow();
    }

    private enum Compile { NOW, IN_BACKGROUND, NEVER }

    private Optional<MacroModule> load(byte[] wasm, String sha256, Compile compile) throws SandboxException {
        Optional<String> manifest = ArtifactAbi.checkInterface(wasm);
        int pages = limits.maxMemoryPages();
        String name = sha256 + "-" + pages + "pages";
        try {
            Optional<Path> executable;
            if (compile == Compile.NEVER) { // never waits for a compile in progress
                executable = compiled(name);
            } else {
                // one compile per module on this machine: threads wait on the monitor, other runtimes on the file lock
                synchronized (COMPILING.computeIfAbsent(directory.resolve(name), n -> new Object())) {
                    Files.createDirectories(directory);
                    try (FileChannel lockFile = FileChannel.open(directory.resolve(name + ".lock"),
                            StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                         FileLock ignored = lockFile.lock()) {
                        executable = compiled(name);
                        if (executable.isEmpty()) {
                            refuseIfFailedRecently(name, sha256);
                            byte[] capped = MemoryCap.cap(wasm, pages);
                            executable = Optional.of(compile(name, capped, sha256, compile == Compile.IN_BACKGROUND));
                        }
                    }
                }
            }
            return executable.map(file -> new Wasm2cModule(this, sha256, manifest, file));
        } catch (IOException e) {
            throw new SandboxException(SandboxException.Kind.ENGINE_FAILED,
                    "module " + sha256 + " could not be compiled under " + directory + ": " + e.getMessage(), e);
        }
    }

    /** The module's compiled executable, if there is one whose recorded sha256 matches. */
    private Optional<Path> compiled(String name) throws IOException {
        Path executable = directory.resolve(name);
        Path recorded = directory.resolve(name + ".sha256");
        if (Files.isRegularFile(executable) && Files.isRegularFile(recorded)) {
            if (Files.readString(recorded, StandardCharsets.UTF_8).strip().equals(ArtifactAbi.sha256(Files.readAllBytes(executable)))) {
                return Optional.of(executable);
            }
            System.err.println("sandcrate-runtime: the compiled module " + executable + " does not match its recorded sha256;"
                    + " compiling it again");
        }
        return Optional.empty();
    }

    private Path compile(String name, byte[] capped, String sha256, boolean lowPriority) throws SandboxException, IOException {
        Path executable = directory.resolve(name);
        Path recorded = directory.resolve(name + ".sha256");
        Files.createDirectories(directory);
        Path work = Files.createTempDirectory(directory, ".build-");
        COMPILES.incrementAndGet();
        try {
            System.err.println("sandcrate-runtime: compiling module " + sha256 + " to native code with wasm2c and cc "
                    + String.join(" ", Wasm2cToolchain.CC_FLAGS) + " (once per module; a large macro takes tens of seconds)");
            long start = System.nanoTime();
            Path built;
            try {
                built = toolchain.compile(capped, work, sha256, lowPriority);
            } catch (SandboxException e) {
                try {
                    CacheFiles.writeAtomically(failedRecord(name), (e.kind() + "\n" + e.getMessage()).getBytes(StandardCharsets.UTF_8));
                } catch (IOException unrecorded) {
                    e.addSuppressed(unrecorded); // the next runtime tries again: what failed is still reported
                }
                throw e;
            }
            Files.deleteIfExists(failedRecord(name));
            Files.deleteIfExists(recorded);
            CacheFiles.moveAtomically(built, executable);
            CacheFiles.writeAtomically(recorded, ArtifactAbi.sha256(Files.readAllBytes(executable)).getBytes(StandardCharsets.UTF_8));
            System.err.printf("sandcrate-runtime: compiled module %s in %.1f s into %s%n", sha256, (System.nanoTime() - start) / 1e9, executable);
            return executable;
        } finally {
            deleteTree(work);
            synchronized (COMPILES) {
                COMPILES.decrementAndGet();
                COMPILES.notifyAll();
            }
        }
    }

    private Path failedRecord(String name) {
        return directory.resolve(name + ".failed");
    }

    /** Throws what the last compile of {@code name} failed with, if that was less than a day ago. */
    private void refuseIfFailedRecently(String name, String sha256) throws IOException, SandboxException {
        Path failed = failedRecord(name);
        if (!Files.isRegularFile(failed)) {
            return;
        }
        Instant at = Files.getLastModifiedTime(failed).toInstant();
        Instant retry = at.plus(RETRY_FAILED_COMPILE_AFTER);
        if (Instant.now().isAfter(retry)) {
            return;
        }
        String[] record = Files.readString(failed, StandardCharsets.UTF_8).split("\n", 2);
        SandboxException.Kind kind = record[0].equals(SandboxException.Kind.INVALID_MODULE.name())
                ? SandboxException.Kind.INVALID_MODULE : SandboxException.Kind.ENGINE_FAILED;
        throw new SandboxException(kind, "module " + sha256 + " is not compiled again before " + retry + ": compiling it failed at "
                + at + " (" + (record.length > 1 ? record[1] : record[0]) + "); delete " + failed + " to try now");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    MacroInstance instantiate(Wasm2cModule module) throws SandboxException {
        return Wasm2cInstance.start(module.sha256(), module.executable(), limits, watchdog);
    }

    /** For tests: where compiled modules are kept. */
    Path cacheDirectory() {
        return directory;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}

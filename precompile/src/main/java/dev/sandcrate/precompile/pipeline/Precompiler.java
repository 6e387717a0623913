package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.FileTrees;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.Progress;
import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.artifact.ArtifactValidator;
import dev.sandcrate.precompile.artifact.WasmSections;
import dev.sandcrate.precompile.sandbox.BuildFolder;
import dev.sandcrate.precompile.sandbox.BuildLimits;
import dev.sandcrate.precompile.sandbox.ProcessRunner;
import dev.sandcrate.precompile.source.CompatPatches;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The whole pipeline for one (crate, version, feature set): prepare the workspace, build it twice
 * independently under bubblewrap, accept the module only if both builds are bit-identical and it validates,
 * then embed the manifest and publish {@code <out>/<crate>-<version>-<features>.wasm} with its build record.
 * Irreproducible or invalid results go to {@code <out>/rejected/...} with both modules and a diff summary,
 * and nothing is published as verified.
 */
public final class Precompiler {
    /** Where the two verification builds differ, on purpose: fresh folders, job ids and parallelism. */
    public record BuildVariant(String id, int jobs, Map<String, String> extraEnv) {
    }

    /** The largest module a build may hand back (real macro modules are a few MiB). */
    static final long MAX_MODULE_BYTES = 64L << 20;
    private final Toolchain toolchain;
    private final WasmStd.Sysroot sysroot;
    private final Path outputDir;
    private final Path workRoot;
    private final BuildLimits limits;
    private final Progress progress;
    private List<BuildVariant> variants;
    private DependencyCache.Store dependencyCache;

    public Precompiler(Toolchain toolchain, WasmStd.Sysroot sysroot, Path outputDir, BuildLimits limits, Progress progress) {
        this.toolchain = toolchain;
        this.sysroot = sysroot;
        this.outputDir = outputDir;
        this.workRoot = outputDir.resolve("work");
        this.limits = limits;
        this.progress = progress;
    }

    /** Fresh for every job: the two builds must not share ids (nor folders, nor parallelism). */
    private List<BuildVariant> variantsForJob() {
        if (variants != null) return variants;
        String job = UUID.randomUUID().toString().substring(0, 8);
        return List.of(new BuildVariant("a-" + job, 2, Map.of("SANDCRATE_JOB_ID", "a-" + job)),
                new BuildVariant("b-" + job, 1, Map.of("SANDCRATE_JOB_ID", "b-" + job, "TMPDIR", "/tmp/b")));
    }

    /** Replaces the two build variants (tests inject a difference to prove the verifier rejects it). */
    public Precompiler withVariants(BuildVariant first, BuildVariant second) {
        this.variants = List.of(first, second);
        return this;
    }

    /**
     * Reuses verified dependency builds from {@code store} and adds the ones this job's two builds agree on
     * ({@link DependencyCache}). Without it (and always for {@link #rebuild}) every dependency is compiled.
     */
    public Precompiler withDependencyCache(DependencyCache.Store store) {
        this.dependencyCache = store;
        return this;
    }

    public BuildRecord precompile(MacroCrate macro, FeatureSet features, CrateSource deps) {
        return run(macro, features, deps, null);
    }

    /** Rebuilds what a manifest describes, from the same crates and lockfile. */
    public BuildRecord rebuild(ArtifactManifest manifest, CrateSource deps) {
        if (!manifest.toolchain().rustc().equals(toolchain.rustcVersion())) {
            throw new PrecompileException("the artifact was built with\n" + manifest.toolchain().rustc()
                    + "\nbut this machine has\n" + toolchain.rustcVersion() + "\nso it cannot be reproduced here");
        }
        byte[] crate = deps.crateBytes(manifest.crate(), manifest.version());
        MacroCrate macro = MacroCrate.of(crate);
        if (!macro.sha256().equals(manifest.crateSha256())) {
            throw new PrecompileException(macro.label() + " from " + deps.describe() + " has sha256 " + macro.sha256()
                    + " but the artifact was built from " + manifest.crateSha256());
        }
        return run(macro, manifest.features(), deps, manifest); // from nothing: never the dependency cache
    }

    private BuildRecord run(MacroCrate macro, FeatureSet features, CrateSource deps, ArtifactManifest expected) {
        String base = macro.name() + "-" + macro.version() + "-" + features.key();
        Path job = workRoot.resolve(base + "-" + UUID.randomUUID().toString().substring(0, 8));
        try {
            Files.createDirectories(job);
            long t0 = System.nanoTime();
            progress.step("preparing " + macro.label() + " [" + features.key() + "] (crate sha256 " + macro.sha256().substring(0, 16) + ")");
            BuildWorkspace.Prepared prepared = BuildWorkspace.prepare(job.resolve("workspace"), macro, features, deps,
                    expected == null ? null : expected.lockfile(), toolchain, progress);
            long prepareMillis = (System.nanoTime() - t0) / 1_000_000;
            progress.step("prepared in " + prepareMillis + " ms: macros " + prepared.macros().stream().map(m -> m.kind() + " " + m.name()).toList()
                    + ", " + LockedPackage.parse(prepared.cargoLock()).size() + " locked crates, lockfile sha256 "
                    + Checksums.sha256Hex(prepared.cargoLock()).substring(0, 16));
            prepared.patches().forEach(p -> progress.step("compat patch: " + p));
            prepared.flags().forEach(f -> progress.step("flag: " + f));
            if (expected != null && !expected.recipe().rustSourcesSha256().equals(prepared.rustSourcesSha256())) {
                throw new PrecompileException("the artifact was built with other bridge sources (sha256 " + expected.recipe().rustSourcesSha256()
                        + ", here " + prepared.rustSourcesSha256() + "): use the sandcrate version that built it");
            }

            List<DependencyCache.Dependency> dependencies = DependencyCache.keys(prepared.dir(), prepared.metadata(), toolchain, sysroot.sha256());
            Files.createDirectories(outputDir.resolve("logs"));
            List<BuildVariant> jobVariants = variantsForJob();
            List<Path> buildDirs = new ArrayList<>();
            for (BuildVariant variant : jobVariants) {
                buildDirs.add(job.resolve("build-" + variant.id()));
                FileTrees.copy(prepared.dir(), buildDirs.getLast(), rel -> rel.startsWith("target"));
            }
            DependencyCache.Store cache = expected == null ? dependencyCache : null;
            List<String> stored = new ArrayList<>();
            List<String> notStored = new ArrayList<>();
            if (cache != null) {
                for (DependencyCache.Dependency d : DependencyCache.buildOrder(dependencies)) {
                    if (cache.get(d) != null) continue;
                    String why = buildDependency(job, base, prepared, d, dependencies, jobVariants, cache);
                    if (why == null) stored.add(d.label());
                    else notStored.add(d.label() + ": " + why);
                }
                List<DependencyCache.Dependency> restored = DependencyCache.restore(cache, dependencies, buildDirs, progress);
                progress.step("dependency cache " + cache.describe() + ": stored " + stored + (notStored.isEmpty() ? "" : ", not stored " + notStored)
                        + "; restored " + restored.size() + " of " + dependencies.size() + " dependencies");
            }
            boolean concurrent = concurrentBuilds();
            progress.step(concurrent ? "building twice concurrently (" + Runtime.getRuntime().availableProcessors() + " cores)"
                    : "building twice, one after the other (1 core)");
            List<BuildOutcome> outcomes = both(jobVariants.stream().<Callable<BuildOutcome>>map(v -> () -> build(job, base, macro, v)).toList());
            String sameError = outcomes.stream().allMatch(o -> o.compileError() != null)
                    && outcomes.stream().map(BuildOutcome::compileError).distinct().count() == 1 ? outcomes.getFirst().compileError() : null;
            if (sameError != null) {
                throw new PrecompileException("both builds failed with the same compile error, so it is not retried: " + sameError
                        + "\n" + outcomes.getFirst().failure().getMessage(), true);
            }
            for (BuildOutcome o : outcomes) if (o.failure() != null) throw o.failure();
            List<BuildRecord.BuildRun> runs = outcomes.stream().map(BuildOutcome::run).toList();
            List<byte[]> modules = outcomes.stream().map(BuildOutcome::wasm).toList();

            ArtifactManifest manifest = new ArtifactManifest(ArtifactManifest.FORMAT, macro.name(), macro.version(), macro.sha256(),
                    features, prepared.macros(),
                    new ArtifactManifest.ToolchainIdentity(toolchain.rustcVersion(), toolchain.cargoVersion(), sysroot.sha256()),
                    Checksums.sha256Hex(prepared.cargoLock()),
                    new ArtifactManifest.Recipe(BuildWorkspace.RECIPE_VERSION, WasmStd.RECIPE_VERSION, CompatPatches.VERSION, prepared.rustSourcesSha256()),
                    prepared.cargoLock(), expected != null && expected.dependencies() == null ? null : dependencies);
            String artifactName = base + ".wasm";
            if (!runs.get(0).wasmSha256().equals(runs.get(1).wasmSha256())) {
                String diff = WasmSections.diffSummary(modules.get(0), modules.get(1));
                return reject(base, manifest, runs, modules, prepared, prepareMillis,
                        "irreproducible: the two builds differ (" + diff + ")");
            }
            byte[] artifact = WasmSections.appendCustom(modules.getFirst(), ArtifactManifest.SECTION, manifest.toJson());
            List<String> problems = ArtifactValidator.problems(artifact);
            if (!problems.isEmpty()) {
                return reject(base, manifest, runs, modules, prepared, prepareMillis, "invalid module: " + String.join("; ", problems));
            }
            DependencyCache.Report cacheReport = null;
            if (cache != null) {
                cacheReport = new DependencyCache.Report(DependencyCache.reused(dependencies, Path.of(runs.get(0).log()), Path.of(runs.get(1).log())),
                        stored, notStored);
                progress.step("dependency cache: both builds reused " + cacheReport.reused());
            }
            Path artifactFile = outputDir.resolve(artifactName);
            Path tmp = outputDir.resolve(artifactName + ".tmp");
            Files.write(tmp, artifact);
            Files.move(tmp, artifactFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            BuildRecord record = new BuildRecord(manifest, true, Checksums.sha256Hex(artifact), artifact.length, artifactName,
                    runs, null, prepared.flags(), prepared.patches(), prepareMillis, cacheReport);
            record.write(outputDir.resolve(artifactName + ".build.json"));
            progress.step("verified: both builds identical; artifact " + artifactFile + " (" + artifact.length
                    + " bytes) sha256 " + record.artifactSha256());
            return record;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            cleanUp(job); // logs and modules worth keeping live in the output folder
        }
    }

    /**
     * One verification build's result, or why it failed (both builds finish before a failure is reported) with the
     * first rustc error that has a code, if any.
     */
    private record BuildOutcome(BuildRecord.BuildRun run, byte[] wasm, PrecompileException failure, String compileError) {
    }

    /**
     * The first rustc error with a code ({@code error[E0433]: ...}) in a build log, or null: an error in the code, which
     * the same inputs give again (environment failures, such as a full disk or a kill, have no code).
     */
    static String firstCompileError(Path log) {
        try (java.util.stream.Stream<String> lines = Files.lines(log, java.nio.charset.StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.startsWith("error[E")).findFirst().orElse(null);
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    /**
     * The two builds run at the same time when there is more than one core; they stay independent: own folder,
     * own job id and TMPDIR, different -j (so cargo schedules units in a different order).
     */
    static boolean concurrentBuilds() {
        return Runtime.getRuntime().availableProcessors() >= 2;
    }

    /**
     * Builds one dependency the cache lacks by itself, twice (two fresh copies of the prepared workspace whose root
     * depends on just it and its own dependencies, those restored from the cache): only its own code and that of what it
     * depends on (all part of its key) runs there, so no other crate of this job (nor the macro crate's build script)
     * can tamper with what is stored. Returns null when stored, else why not.
     */
    private String buildDependency(Path job, String base, BuildWorkspace.Prepared prepared, DependencyCache.Dependency d,
                                   List<DependencyCache.Dependency> all, List<BuildVariant> jobVariants, DependencyCache.Store cache) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (BuildVariant v : jobVariants) {
            dirs.add(job.resolve("dep-" + d.name() + "-" + d.version() + "-" + v.id()));
            FileTrees.copy(prepared.dir(), dirs.getLast(), rel -> rel.startsWith("target"));
        }
        try {
            List<DependencyCache.Dependency> closure = DependencyCache.closure(d, all);
            for (Path dir : dirs) DependencyCache.writeDependencyRoot(dir, d, closure);
            DependencyCache.restore(cache, closure, dirs, progress);
            List<Callable<String>> builds = new ArrayList<>();
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i < jobVariants.size(); i++) {
                BuildVariant v = jobVariants.get(i);
                Path dir = dirs.get(i);
                Path log = outputDir.resolve("logs").resolve(base + "-dep-" + d.name() + "-" + d.version() + "-" + v.id() + ".log");
                logs.add(log);
                builds.add(() -> {
                    ProcessRunner.Result r = cargoBuild(dir, v, HarnessGenerator.CRATE, false, log);
                    return r.ok() ? null : r.failure(limits.wallClock()) + ", log " + log + "\n" + BuildFolder.tail(log, 10);
                });
            }
            long start = System.nanoTime();
            for (String failure : both(builds)) if (failure != null) return "its own build failed (" + failure + ")";
            String why = DependencyCache.harvest(cache, d, dirs.get(0), logs.get(0), dirs.get(1), logs.get(1));
            progress.step("dependency " + d.label() + " built twice by itself in " + (System.nanoTime() - start) / 1_000_000 + " ms: "
                    + (why == null ? "stored" : "not stored, " + why));
            return why;
        } finally {
            dirs.forEach(FileTrees::delete);
        }
    }

    /** Runs callables at the same time when {@link #concurrentBuilds()}, else one after the other; results in order. */
    private static <T> List<T> both(List<Callable<T>> work) throws IOException {
        List<T> out = new ArrayList<>();
        if (!concurrentBuilds()) {
            for (Callable<T> c : work) out.add(call(c));
            return out;
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(work.size(), Thread.ofPlatform().name("build-", 0).factory())) {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> c : work) futures.add(pool.submit(c));
            for (Future<T> f : futures) out.add(join(f));
        }
        return out;
    }

    private static <T> T call(Callable<T> c) throws IOException {
        try {
            return c.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code cargo build} of one package of the workspace for wasm, in the sandbox, with JSON messages in the log. */
    private ProcessRunner.Result cargoBuild(Path dir, BuildVariant variant, String packageSpec, boolean locked, Path log) {
        List<String> command = new ArrayList<>(List.of(toolchain.cargo().toString(), "build", "--release", "--offline",
                "--message-format=json-render-diagnostics", "--target", WasmStd.TARGET, "-p", packageSpec, "-j", String.valueOf(variant.jobs())));
        if (locked) command.add("--locked"); // a dependency's own build pins versions in its manifest and may rewrite Cargo.lock
        return Sandboxes.cargo(dir, toolchain, sysroot, variant.extraEnv()).run(command, limits, log);
    }

    private BuildOutcome build(Path job, String base, MacroCrate macro, BuildVariant variant) throws IOException {
        Path dir = job.resolve("build-" + variant.id());
        Path log = outputDir.resolve("logs").resolve(base + "-" + variant.id() + ".log");
        progress.step("build " + variant.id() + ": cargo build -j" + variant.jobs() + " under bubblewrap in " + dir);
        long start = System.nanoTime();
        ProcessRunner.Result r = cargoBuild(dir, variant, HarnessGenerator.CRATE, true, log);
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (!r.ok()) {
            return new BuildOutcome(null, null, new PrecompileException("build " + variant.id() + " of " + macro.label() + " failed ("
                    + r.failure(limits.wallClock()) + ")" + " after " + millis + " ms; log " + log + "\n" + BuildFolder.tail(log, 25)),
                    firstCompileError(log));
        }
        byte[] wasm = BuildFolder.read(dir, "target/" + WasmStd.TARGET + "/release/" + HarnessGenerator.WASM_FILE, MAX_MODULE_BYTES);
        progress.step("build " + variant.id() + " done in " + millis + " ms: " + wasm.length + " bytes, sha256 " + Checksums.sha256Hex(wasm));
        return new BuildOutcome(new BuildRecord.BuildRun(variant.id(), variant.jobs(), Checksums.sha256Hex(wasm), wasm.length, millis, log.toString()), wasm, null, null);
    }

    private static <T> T join(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PrecompileException("interrupted while building");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException re -> throw re;
                default -> throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Removes a finished job's workspaces (the modules and logs that matter were copied out), and work/ once empty. */
    private void cleanUp(Path job) {
        FileTrees.delete(job);
        if (!Files.isDirectory(workRoot)) return;
        try (var left = Files.list(workRoot)) {
            if (left.findAny().isEmpty()) Files.delete(workRoot);
        } catch (IOException e) {
            progress.step("note: cannot tidy " + workRoot + ": " + e.getMessage());
        }
    }

    private BuildRecord reject(String base, ArtifactManifest manifest, List<BuildRecord.BuildRun> runs, List<byte[]> modules,
                               BuildWorkspace.Prepared prepared, long prepareMillis, String reason) throws IOException {
        Path dir = outputDir.resolve("rejected").resolve(base + "-" + runs.getFirst().id());
        Files.createDirectories(dir);
        for (int i = 0; i < runs.size(); i++) Files.write(dir.resolve("build-" + runs.get(i).id() + ".wasm"), modules.get(i));
        Files.writeString(dir.resolve("reason.txt"), reason + "\n");
        BuildRecord record = new BuildRecord(manifest, false, null, 0, null, runs, reason, prepared.flags(), prepared.patches(), prepareMillis, null);
        record.write(dir.resolve("build.json"));
        progress.step("REJECTED " + manifest.label() + ": " + reason + "; both modules kept in " + dir);
        return record;
    }
}

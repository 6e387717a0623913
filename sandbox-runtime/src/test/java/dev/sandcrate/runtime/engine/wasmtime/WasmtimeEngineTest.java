package dev.sandcrate.runtime.engine.wasmtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.ArtifactAbi;
import dev.sandcrate.runtime.engine.FallbackEngine;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.engine.chicory.ChicoryEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** The contract on Wasmtime in this JVM (with the Chicory fallback it always runs with), its fallback and cache. */
class WasmtimeEngineTest extends MacroEngineContractTest {

    // Wasmtime's cache worker thread records usage statistics after a load has returned, so JUnit's cleanup could race
    // it; these directories are deleted once the worker has left them alone.
    @TempDir(cleanup = CleanupMode.NEVER)
    static Path sharedCache;

    @TempDir(cleanup = CleanupMode.NEVER)
    Path cache;

    @AfterEach
    void deleteThisTestsCache() throws Exception {
        deleteOnceSettled(cache);
    }

    @AfterAll
    static void deleteTheSharedCache() throws Exception {
        deleteOnceSettled(sharedCache);
    }

    /** Deletes {@code dir}, retrying while Wasmtime's worker still writes into it (at most 10 s). */
    static void deleteOnceSettled(Path dir) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
                return;
            } catch (IOException | UncheckedIOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return new FallbackEngine(new WasmtimeEngine(limits, sharedCache), new ChicoryEngine(limits));
    }

    private static byte[] request(int first) {
        return new byte[] {(byte) first, 7, 0};
    }

    @Test
    void ordinaryCallsNeverFallBack() throws Exception {
        FallbackEngine engine = (FallbackEngine) engine(TEST_LIMITS);
        MacroInstance echo = engine.load(AbiTestModules.echo()).instantiate();
        assertArrayEquals(request(0), echo.expand(request(0)));
        MacroInstance panics = engine.load(AbiTestModules.panics()).instantiate();
        assertEquals(AbiTestModules.PANIC_MESSAGE, new String(panics.expand(request(0)), StandardCharsets.UTF_8));
        assertEquals(0, engine.fallbackCount());
    }

    @Test
    void stackOverflowIsRerunOnChicoryWithTheSessionsStatics() throws Exception {
        FallbackEngine engine = (FallbackEngine) engine(TEST_LIMITS);
        MacroInstance session = engine.load(AbiTestModules.recursesDeeplyOnRequest(300_000)).instantiate();
        assertEquals(1, session.expand(request(0))[2]);
        assertEquals(2, session.expand(request(0))[2]);
        // too deep for Wasmtime's 2 MiB stack: Chicory replays the two earlier calls, then answers this one
        assertArrayEquals(new byte[] {1, 7, 3}, session.expand(request(1)));
        assertEquals(1, engine.fallbackCount());
        assertEquals(4, session.expand(request(0))[2]);
        assertTrue(session.usable());
    }

    @Test
    void stackOverflowAloneIsAnEngineFailure() throws Exception {
        WasmtimeEngine engine = new WasmtimeEngine(TEST_LIMITS, sharedCache);
        MacroInstance session = engine.load(AbiTestModules.recursesDeeplyOnRequest(300_000)).instantiate();
        SandboxException e = assertThrows(SandboxException.class, () -> session.expand(request(1)));
        assertEquals(SandboxException.Kind.ENGINE_FAILED, e.kind());
        assertEquals("macro exhausted Wasmtime's 2 MiB wasm stack", e.getMessage());
    }

    @Test
    void compiledModulesAndAbiChecksAreCachedOnDisk() throws Exception {
        byte[] wasm = AbiTestModules.echo();
        String sha256 = ArtifactAbi.sha256(wasm);
        WasmtimeEngine first = new WasmtimeEngine(TEST_LIMITS, cache);
        assertArrayEquals(request(0), first.load(wasm).instantiate().expand(request(0)));   // miss: compiles
        Path dir = first.cacheDirectory();
        assertTrue(Files.exists(dir.resolve("abi").resolve(sha256)), "ABI check recorded");
        Path compiled = compiledFile(dir, sha256);
        byte[] stored = Files.readAllBytes(compiled);
        long modified = Files.getLastModifiedTime(compiled).toMillis();

        // hit: a new engine (the next worker) reuses the compiled code and the recorded check
        WasmtimeEngine second = new WasmtimeEngine(TEST_LIMITS, cache);
        assertArrayEquals(request(0), second.load(wasm).instantiate().expand(request(0)));
        assertArrayEquals(stored, Files.readAllBytes(compiled));
        assertEquals(modified, Files.getLastModifiedTime(compiled).toMillis());
        // a hit takes the check's result from the record (this one, with a valid checksum, claims a manifest)
        String body = "manifest\n{\"from\":\"record\"}";
        Files.writeString(dir.resolve("abi").resolve(sha256), "sandcrate-wasmtime-cache 1\n" + body + "\n"
                + ArtifactAbi.sha256(body.getBytes(StandardCharsets.UTF_8)));
        assertEquals("{\"from\":\"record\"}", second.load(wasm).manifestJson().orElseThrow());
        // a miss checks the module again and records the result
        Files.delete(dir.resolve("abi").resolve(sha256));
        assertTrue(second.load(wasm).manifestJson().isEmpty());
        assertTrue(Files.exists(dir.resolve("abi").resolve(sha256)), "ABI check recorded again after a miss");
    }

    @Test
    void corruptedCompiledModuleIsDiscardedAndRecompiled() throws Exception {
        byte[] wasm = AbiTestModules.countsCalls();
        String sha256 = ArtifactAbi.sha256(wasm);
        WasmtimeEngine first = new WasmtimeEngine(TEST_LIMITS, cache);
        first.load(wasm);
        Path compiled = compiledFile(first.cacheDirectory(), sha256);
        byte[] good = Files.readAllBytes(compiled);
        byte[] corrupted = good.clone();
        for (int i = corrupted.length / 2; i < corrupted.length / 2 + 64 && i < corrupted.length; i++) {
            corrupted[i] ^= 0x5a;
        }
        Files.write(compiled, corrupted);

        WasmtimeEngine second = new WasmtimeEngine(TEST_LIMITS, cache);
        MacroInstance instance = second.load(wasm).instantiate();
        assertEquals(1, instance.expand(request(0))[2]);
        assertEquals(2, instance.expand(request(0))[2]);
        Path rewritten = compiledFile(second.cacheDirectory(), sha256);
        assertNotEquals(ArtifactAbi.sha256(corrupted), ArtifactAbi.sha256(Files.readAllBytes(rewritten)));
    }

    @Test
    void aModuleLoadedManyTimesKeepsItsCompiledFile() throws Exception {
        // Wasmtime's worker recompresses a file once it counts 256 uses; that rewrite would no longer match the index
        // and every daemon start would then recompile. The stats are written asynchronously, so the loads pause.
        byte[] wasm = AbiTestModules.echo();
        String sha256 = ArtifactAbi.sha256(wasm);
        WasmtimeEngine engine = new WasmtimeEngine(TEST_LIMITS, cache);
        engine.load(wasm);
        Path compiled = compiledFile(engine.cacheDirectory(), sha256);
        byte[] first = Files.readAllBytes(compiled);
        for (int i = 0; i < 300; i++) {
            engine.load(wasm);
            if (i % 8 == 7) {
                Thread.sleep(20);
            }
        }
        Thread.sleep(1000);
        assertArrayEquals(first, Files.readAllBytes(compiled));
    }

    /** Wasmtime's worker writes a module's statistics through a temporary file that may still exist after a compile. */
    @Test
    void aStatisticsFileBeingWrittenDoesNotKeepTheModuleFromItsIndex() throws Exception {
        ModuleCache moduleCache = new ModuleCache(cache.resolve("module-cache"));
        Path compiled = moduleCache.writeConfig().resolveSibling("compiled");
        String sha256 = "ab".repeat(32);
        moduleCache.compile(sha256, () -> {
            try {
                Files.writeString(compiled.resolve("mod-1"), "native code");
                Files.writeString(compiled.resolve("mod-1.wip-atomic-write-stats"), "usage statistics");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return null;
        });
        assertEquals("mod-1", compiledFile(moduleCache.directory(), sha256).getFileName().toString());
    }

    @Test
    void corruptedAbiRecordIsDiscardedAndTheModuleCheckedAgain() throws Exception {
        byte[] wasm = AbiTestModules.importsFunction();
        String sha256 = ArtifactAbi.sha256(AbiTestModules.echo());
        WasmtimeEngine engine = new WasmtimeEngine(TEST_LIMITS, cache);
        // a record claiming the importing module passed, with a checksum that does not match
        Path record = engine.cacheDirectory().resolve("abi").resolve(ArtifactAbi.sha256(wasm));
        Files.createDirectories(record.getParent());
        Files.writeString(record, "sandcrate-wasmtime-cache 1\nno-manifest\n" + sha256);
        SandboxException e = assertThrows(SandboxException.class, () -> engine.load(wasm));
        assertEquals("module imports env.now; Sandcrate artifacts must not import anything", e.getMessage());
        assertTrue(Files.notExists(record), "a failed check is not recorded");
    }

    @Test
    void theNativeLibraryIsExtractedOnceIntoTheCache() throws Exception {
        new WasmtimeEngine(TEST_LIMITS, sharedCache);
        new WasmtimeEngine(TEST_LIMITS, sharedCache);
        List<Path> libraries;
        try (Stream<Path> files = Files.walk(sharedCache.resolve("native"))) {
            libraries = files.filter(p -> p.getFileName().toString().startsWith("libwasmtime_jni")).toList();
        }
        assertEquals(1, libraries.size(), libraries.toString());
    }

    /** The file of Wasmtime's cache the index names for this artifact. */
    static Path compiledFile(Path dir, String sha256) throws Exception {
        String index = Files.readString(dir.resolve("index").resolve(sha256));
        return dir.resolve("compiled").resolve(index.split("\n")[1]);
    }
}

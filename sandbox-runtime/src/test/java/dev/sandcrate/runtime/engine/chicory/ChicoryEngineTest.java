package dev.sandcrate.runtime.engine.chicory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.sandcrate.runtime.engine.AbiTestModules;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroEngineContractTest;
import dev.sandcrate.runtime.engine.SandboxLimits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChicoryEngineTest extends MacroEngineContractTest {

    @Override
    protected MacroEngine engine(SandboxLimits limits) {
        return new ChicoryEngine(limits);
    }

    @Test
    void compiledModulesAreKeptOnDiskAndReused(@TempDir Path cache) throws Exception {
        byte[] request = "cached".getBytes(StandardCharsets.UTF_8);
        new ChicoryEngine(TEST_LIMITS, cache).load(AbiTestModules.echo());
        List<Path> stored;
        try (Stream<Path> files = Files.walk(cache)) {
            stored = files.filter(p -> p.toString().endsWith(".classes")).toList();
        }
        assertEquals(1, stored.size(), "one compiled module on disk");
        long size = Files.size(stored.get(0));
        // a second engine (the next daemon) loads the stored classes and runs them
        byte[] answer = new ChicoryEngine(TEST_LIMITS, cache).load(AbiTestModules.echo()).instantiate().expand(request);
        assertArrayEquals(request, answer);
        assertEquals(size, Files.size(stored.get(0)));
    }

    @Test
    void aDamagedCompiledModuleIsCompiledAgain(@TempDir Path cache) throws Exception {
        byte[] request = "after damage".getBytes(StandardCharsets.UTF_8);
        new ChicoryEngine(TEST_LIMITS, cache).load(AbiTestModules.echo());
        Path stored;
        try (Stream<Path> files = Files.walk(cache)) {
            stored = files.filter(p -> p.toString().endsWith(".classes")).findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(stored);
        String key = stored.getFileName().toString().replace(".classes", "");
        byte[] flipped = good.clone();
        for (int i = good.length / 2; i < good.length / 2 + 16; i++) {
            flipped[i] ^= 0x5a;
        }
        // each of these failed the load on the old cache (a truncated or altered zip), or threw a NullPointerException
        List<byte[]> damaged = List.of(Arrays.copyOf(good, good.length / 2), flipped,
                "garbage".getBytes(StandardCharsets.UTF_8), new byte[0]);
        for (byte[] bytes : damaged) {
            Files.write(stored, bytes);
            byte[] answer = new ChicoryEngine(TEST_LIMITS, cache).load(AbiTestModules.echo()).instantiate().expand(request);
            assertArrayEquals(request, answer);
            assertNotNull(new CompiledClassCache(cache).get(key), "the module was compiled and stored again");
        }
    }

    @Test
    void aCacheThatCannotBeWrittenOrReadDoesNotFailTheLoad(@TempDir Path root) throws Exception {
        byte[] request = "no cache".getBytes(StandardCharsets.UTF_8);
        Path cache = root.resolve("cache");
        Files.writeString(cache, "a file where the cache directory would be"); // every read and write of it fails
        byte[] answer = new ChicoryEngine(TEST_LIMITS, cache).load(AbiTestModules.echo()).instantiate().expand(request);
        assertArrayEquals(request, answer);
    }
}

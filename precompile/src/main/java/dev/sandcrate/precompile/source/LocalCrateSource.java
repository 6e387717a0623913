package dev.sandcrate.precompile.source;

import dev.sandcrate.index.CrateNames;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/** Shared bookkeeping of the on-disk sources: crates found by name, .crate bytes produced on demand and cached. */
abstract class LocalCrateSource implements CrateSource {
    /** One crate version found on disk; {@code bytes} reads or packs it. */
    protected record Found(CrateManifest manifest, Supplier<byte[]> bytes) {
    }

    private final Map<String, List<Found>> byName = new ConcurrentHashMap<>();
    private final Map<String, byte[]> bytesCache = new ConcurrentHashMap<>();

    protected void add(Found found) {
        byName.computeIfAbsent(CrateNames.canonical(found.manifest().name()), k -> new ArrayList<>()).add(found);
    }

    @Override
    public List<IndexEntry> versions(String name) {
        return byName.getOrDefault(CrateNames.canonical(name), List.of()).stream()
                .map(f -> f.manifest().toIndexEntry(Checksums.sha256Hex(bytes(f)), null, null))
                .toList();
    }

    @Override
    public byte[] crateBytes(String name, String version) {
        return byName.getOrDefault(CrateNames.canonical(name), List.of()).stream()
                .filter(f -> f.manifest().version().equals(version)).findFirst()
                .map(this::bytes)
                .orElseThrow(() -> new PrecompileException(name + " " + version + " is not in " + describe()));
    }

    private byte[] bytes(Found f) {
        return bytesCache.computeIfAbsent(f.manifest().name() + "@" + f.manifest().version(), k -> f.bytes().get());
    }
}

package dev.sandcrate.precompile.source;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.precompile.Hashing;
import dev.sandcrate.precompile.PrecompileException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
        byName.computeIfAbsent(key(found.manifest().name()), k -> new ArrayList<>()).add(found);
    }

    /** Cargo treats {@code -} and {@code _} alike in crate names, and names are case-insensitive. */
    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public List<IndexEntry> versions(String name) {
        return byName.getOrDefault(key(name), List.of()).stream()
                .map(f -> f.manifest().toIndexEntry(Hashing.sha256(bytes(f)), null, null))
                .toList();
    }

    @Override
    public byte[] crateBytes(String name, String version) {
        return byName.getOrDefault(key(name), List.of()).stream()
                .filter(f -> f.manifest().version().equals(version)).findFirst()
                .map(this::bytes)
                .orElseThrow(() -> new PrecompileException(name + " " + version + " is not in " + describe()));
    }

    private byte[] bytes(Found f) {
        return bytesCache.computeIfAbsent(f.manifest().name() + "@" + f.manifest().version(), k -> f.bytes().get());
    }
}

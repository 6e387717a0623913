package dev.sandcrate.registry.precompile;

import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.pipeline.DependencyCache;
import dev.sandcrate.registry.storage.BlobStore;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * The registry's dependency cache: entries are content-addressed blobs in the precompiled store (data dir or
 * bucket) and {@code precompile_dependency_cache} maps each key to its blob, so every worker on this database
 * shares them. The blob is stored before the row names it.
 */
final class BlobDependencyCache implements DependencyCache.Store {
    private final PrecompileStore store;
    private final BlobStore blobs;

    BlobDependencyCache(PrecompileStore store, BlobStore blobs) {
        this.store = store;
        this.blobs = blobs;
    }

    @Override
    public byte[] get(DependencyCache.Dependency dependency) throws IOException {
        Optional<String> sha = store.dependencyCacheEntry(DependencyCache.checkKey(dependency.key()));
        if (sha.isEmpty()) return null;
        try (InputStream in = blobs.open(sha.get())) {
            if (in == null) return null; // the row outlived its blob: build it again (and store it again)
            byte[] entry = in.readAllBytes();
            if (!Checksums.sha256Hex(entry).equals(sha.get())) throw new IOException("dependency cache blob " + sha.get() + " is corrupt");
            return entry;
        }
    }

    @Override
    public void put(DependencyCache.Dependency dependency, byte[] entry) throws IOException {
        String sha = blobs.put(entry);
        store.putDependencyCacheEntry(DependencyCache.checkKey(dependency.key()), dependency.label(), sha, entry.length);
    }

    @Override
    public String describe() {
        return "of the registry";
    }
}

package dev.sandcrate.registry.precompile;

import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.precompile.PrecompileException;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.registry.crates.CrateService;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** The precompiler reads crates from this registry's own storage (yanked versions included, flagged as such). */
public final class RegistryCrateSource implements CrateSource {
    private final CrateService crates;

    public RegistryCrateSource(CrateService crates) {
        this.crates = crates;
    }

    @Override
    public List<IndexEntry> versions(String name) {
        return crates.versions(name).stream().map(CrateService.VersionRow::entry).toList();
    }

    @Override
    public byte[] crateBytes(String name, String version) {
        try {
            return crates.crateBytes(name, version)
                    .orElseThrow(() -> new PrecompileException(name + " " + version + " is not in this registry"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name + " " + version + " from the blob store", e);
        }
    }

    @Override
    public String describe() {
        return "this registry";
    }
}

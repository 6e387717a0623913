package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.index.crate.CrateArchive;
import dev.sandcrate.index.crate.CrateLimits;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.index.Checksums;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The proc-macro crate to precompile: its .crate bytes (given, or packed deterministically from a folder). */
public record MacroCrate(String name, String version, byte[] crateBytes, String sha256) {
    public static MacroCrate of(byte[] crateBytes) {
        try {
            CrateManifest m = CrateArchive.read(crateBytes, CrateLimits.DEFAULT).manifest();
            if (!m.procMacro()) throw new PrecompileException(m.name() + " " + m.version() + " is not a proc-macro crate ([lib] proc-macro = true)");
            return new MacroCrate(m.name(), m.version(), crateBytes, Checksums.sha256Hex(crateBytes));
        } catch (InvalidCrateException e) {
            throw new PrecompileException("not a valid .crate: " + e.getMessage(), e);
        }
    }

    /** A .crate file, or an unpacked crate folder (packed with the index module's deterministic packer). */
    public static MacroCrate load(Path path) {
        try {
            if (Files.isDirectory(path)) return of(CratePacker.pack(path).bytes());
            if (Files.isRegularFile(path)) return of(Files.readAllBytes(path));
        } catch (IOException | InvalidCrateException e) {
            throw new PrecompileException("cannot read " + path + ": " + e.getMessage(), e);
        }
        throw new PrecompileException(path + " is neither a .crate file nor a crate folder");
    }

    public String label() {
        return name + " " + version;
    }
}

package dev.sandcrate.precompile.source;

import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.index.crate.InvalidCrateException;
import dev.sandcrate.precompile.PrecompileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A folder of unpacked crates ({@code name-version/Cargo.toml}), such as Debian's /usr/share/cargo/registry.
 * Each is packed into a .crate with the index module's deterministic packer when first needed, so the same
 * folder always yields the same checksum.
 */
public final class UnpackedCrateFolderSource extends LocalCrateSource {
    private final Path folder;

    public UnpackedCrateFolderSource(Path folder) {
        this.folder = folder;
        try (Stream<Path> dirs = Files.list(folder)) {
            for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve("Cargo.toml"))).sorted().toList()) {
                CrateManifest manifest;
                try {
                    manifest = CrateManifest.parse(Files.readAllBytes(dir.resolve("Cargo.toml")));
                } catch (InvalidCrateException e) {
                    continue; // a folder that is not a packaged crate is not part of this source
                }
                add(new Found(manifest, () -> pack(dir)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + folder, e);
        }
    }

    private static byte[] pack(Path dir) {
        try {
            return CratePacker.pack(dir).bytes();
        } catch (IOException | InvalidCrateException e) {
            throw new PrecompileException("cannot pack " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "unpacked crates in " + folder;
    }
}

package dev.sandcrate.precompile.source;

import dev.sandcrate.index.IndexEntry;

import java.util.List;

/**
 * Where the precompiler reads crates from: the versions of a crate (their index lines) and the .crate bytes of
 * one version. The registry implements it over its storage; the CLI and tests over a folder of .crate files
 * ({@link CrateFileFolderSource}) or of unpacked crate folders ({@link UnpackedCrateFolderSource}).
 */
public interface CrateSource {
    /** All versions of {@code name} this source holds, in no particular order; empty when it has none. */
    List<IndexEntry> versions(String name);

    /** The exact .crate bytes of one version (their sha256 is the index entry's {@code cksum}). */
    byte[] crateBytes(String name, String version);

    /** For messages: where the crates come from. */
    String describe();
}

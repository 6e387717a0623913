package dev.sandcrate.index.crate;

import java.util.List;

/**
 * What a safely read .crate holds.
 *
 * @param root        the single top-level folder, {@code name-version}
 * @param entries     its regular files in archive order
 * @param manifest    the parsed Cargo.toml (its name and version match {@code root})
 * @param cargoToml   Cargo.toml's raw bytes
 */
public record CrateContents(String root, List<CrateEntry> entries, CrateManifest manifest, byte[] cargoToml) {}

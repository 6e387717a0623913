package dev.sandcrate.index.crate;

/**
 * A regular file inside a .crate.
 *
 * @param path       relative to the crate's root folder ({@code name-version/}), '/'-separated, e.g. {@code src/lib.rs}
 * @param size       bytes
 * @param executable whether the owner-execute bit is set
 */
public record CrateEntry(String path, long size, boolean executable) {}

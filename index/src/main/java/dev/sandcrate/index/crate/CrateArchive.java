package dev.sandcrate.index.crate;

import dev.sandcrate.index.CappedInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Safe reading and unpacking of .crate files (gzipped tar). Every entry must be a regular file or folder under
 * one {@code name-version/} root, with no {@code ..}, absolute paths, links or devices; the unpacked size, entry
 * count and path lengths are bounded; there must be exactly one {@code Cargo.toml} at the root, and its name
 * and version must match the root folder.
 */
public final class CrateArchive {
    private static final String MANIFEST = "Cargo.toml";

    private CrateArchive() {}

    /** Reads and checks a .crate without writing anything. */
    public static CrateContents read(byte[] crate, CrateLimits limits) {
        List<CrateEntry> entries = new ArrayList<>();
        byte[][] manifest = new byte[1][];
        String root = walk(crate, limits, (entry, in) -> {
            entries.add(entry);
            if (entry.path().equals(MANIFEST)) {
                if (entry.size() > limits.maxManifestBytes()) {
                    throw new InvalidCrateException("Cargo.toml is " + entry.size() + " bytes, more than the limit of "
                            + limits.maxManifestBytes());
                }
                manifest[0] = in.readAllBytes();
            }
        });
        if (manifest[0] == null) throw new InvalidCrateException("the crate has no " + root + "/Cargo.toml");
        CrateManifest parsed = CrateManifest.parse(manifest[0]);
        String expectedRoot = parsed.name() + "-" + parsed.version();
        if (!root.equals(expectedRoot)) {
            throw new InvalidCrateException("the crate's folder is " + root + "/ but its Cargo.toml says "
                    + parsed.name() + " " + parsed.version() + " (expected " + expectedRoot + "/)");
        }
        return new CrateContents(root, List.copyOf(entries), parsed, manifest[0]);
    }

    /**
     * Unpacks a .crate into {@code target/name-version/} (which must not exist yet) after the same checks as
     * {@link #read}. Returns the crate's folder. On failure, nothing is left under {@code target}.
     */
    public static Path unpack(byte[] crate, Path target, CrateLimits limits) throws IOException {
        CrateContents contents = read(crate, limits);
        Path base = target.toAbsolutePath().normalize();
        Path crateDir = base.resolve(contents.root());
        if (Files.exists(crateDir)) throw new IOException(crateDir + " already exists");
        Files.createDirectories(base);
        Path staging = Files.createTempDirectory(base, ".unpack-");
        try {
            Path stagingRoot = staging.resolve(contents.root());
            walk(crate, limits, (entry, in) -> {
                Path file = stagingRoot.resolve(entry.path()).normalize();
                if (!file.startsWith(stagingRoot)) throw new InvalidCrateException("path escapes the crate: " + entry.path());
                Files.createDirectories(file.getParent());
                try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW)) {
                    in.transferTo(out);
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(entry.executable() ? "rwxr-xr-x" : "rw-r--r--"));
            });
            Files.createDirectories(stagingRoot);
            Files.move(stagingRoot, crateDir);
            return crateDir;
        } finally {
            deleteTree(staging);
        }
    }

    @FunctionalInterface
    private interface EntryVisitor {
        void visit(CrateEntry entry, InputStream content) throws IOException;
    }

    /** Walks the regular files, checking every entry; returns the root folder name. */
    private static String walk(byte[] crate, CrateLimits limits, EntryVisitor visitor) {
        String root = null;
        Set<String> seen = new HashSet<>();
        int count = 0;
        long max = limits.maxUnpackedBytes();
        try (InputStream unpacked = new CappedInputStream(new GZIPInputStream(new ByteArrayInputStream(crate)), max,
                () -> new InvalidCrateException("the crate unpacks to more than " + max + " bytes"));
             TarArchiveInputStream tar = new TarArchiveInputStream(unpacked)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                if (++count > limits.maxEntries()) {
                    throw new InvalidCrateException("the crate has more than " + limits.maxEntries() + " entries");
                }
                String name = entry.getName();
                String[] parts = checkPath(name, limits);
                if (root == null) root = parts[0];
                else if (!root.equals(parts[0])) {
                    throw new InvalidCrateException("entry " + name + " is outside the crate's folder " + root + "/");
                }
                if (entry.isDirectory()) continue;
                if (entry.isSymbolicLink() || entry.isLink()) {
                    throw new InvalidCrateException("entry " + name + " is a link; crates may hold only regular files");
                }
                if (!entry.isFile() || entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                    throw new InvalidCrateException("entry " + name + " is not a regular file (tar type '"
                            + (char) entry.getLinkFlag() + "')");
                }
                if (parts.length < 2) throw new InvalidCrateException("entry " + name + " is a file where the crate's folder should be");
                String path = name.substring(root.length() + 1);
                if (!seen.add(path)) throw new InvalidCrateException("entry " + name + " appears twice");
                if (path.toLowerCase(Locale.ROOT).equals("cargo.toml") && !path.equals(MANIFEST)) {
                    throw new InvalidCrateException("entry " + name + ": the manifest must be spelled Cargo.toml");
                }
                if (entry.getSize() > limits.maxUnpackedBytes()) {
                    throw new InvalidCrateException("the crate unpacks to more than " + limits.maxUnpackedBytes() + " bytes (entry " + name + ")");
                }
                visitor.visit(new CrateEntry(path, entry.getSize(), (entry.getMode() & 0100) != 0), tar);
            }
            // The tar reader stopped at the end marker and skipped the rest of its 10 KiB block (the padding). Nothing
            // may follow; reading to the end of the gzip stream also makes GZIPInputStream check the CRC and length.
            if (unpacked.read() != -1) throw new InvalidCrateException("the crate has data after the end of its tar archive");
        } catch (InvalidCrateException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidCrateException("the crate is not a valid gzipped tar archive: " + e.getMessage(), e);
        }
        if (root == null) throw new InvalidCrateException("the crate archive is empty");
        return root;
    }

    private static String[] checkPath(String name, CrateLimits limits) {
        if (name.length() > limits.maxPathLength()) {
            throw new InvalidCrateException("an entry path is longer than " + limits.maxPathLength() + " characters");
        }
        if (name.isEmpty()) throw new InvalidCrateException("an entry has an empty path");
        if (name.startsWith("/")) throw new InvalidCrateException("entry " + name + " has an absolute path");
        if (name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            throw new InvalidCrateException("entry " + name + " has a backslash or NUL in its path");
        }
        String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        String[] parts = trimmed.split("/", -1);
        for (String part : parts) {
            if (part.equals("..")) throw new InvalidCrateException("entry " + name + " has '..' in its path");
            if (part.isEmpty() || part.equals(".")) throw new InvalidCrateException("entry " + name + " has an empty or '.' path component");
        }
        if (parts[0].contains(":")) throw new InvalidCrateException("entry " + name + " has a drive letter");
        return parts;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

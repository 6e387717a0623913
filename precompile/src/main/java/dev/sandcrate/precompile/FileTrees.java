package dev.sandcrate.precompile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Copying and deleting folder trees: shared by the workspace, std cache and verifier. Neither follows symbolic links,
 * since the trees may have been written by a sandboxed build (reading single files out of one: {@code BuildFolder}).
 */
public final class FileTrees {
    private FileTrees() {
    }

    public static void delete(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        makeTraversable(root);
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** A build may leave folders without permissions (chmod 000): give every real folder back to its owner first. */
    private static void makeTraversable(Path root) {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
            try (Stream<Path> children = Files.list(root)) {
                for (Path child : children.toList()) makeTraversable(child);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not ours to change (or not POSIX): the delete below reports what it cannot remove
        }
    }

    /** Copies regular files and folders under {@code from} to {@code to}, skipping relative paths {@code skip} rejects. */
    public static void copy(Path from, Path to, Predicate<Path> skip) {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted().toList()) {
                Path rel = from.relativize(p);
                if (!rel.toString().isEmpty() && skip.test(rel)) continue;
                Path target = to.resolve(rel.toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(target);
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }
}

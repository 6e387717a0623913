package dev.sandcrate.runtime.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * Where the per-user daemon lives. The shim computes the same directory (shim-template/src/runtime.rs):
 * {@code $SANDCRATE_RUNTIME_DIR}, else {@code $XDG_RUNTIME_DIR/sandcrate}, else {@code $HOME/.cache/sandcrate/run}.
 */
public final class RuntimePaths {

    private RuntimePaths() {}

    public static Path defaultDirectory(Map<String, String> env) {
        String explicit = env.get("SANDCRATE_RUNTIME_DIR");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return Path.of(xdg, "sandcrate");
        }
        String home = env.get("HOME");
        if (home == null || home.isEmpty()) {
            throw new IllegalStateException("neither SANDCRATE_RUNTIME_DIR, XDG_RUNTIME_DIR nor HOME is set; "
                    + "cannot choose a directory for the runtime socket");
        }
        return Path.of(home, ".cache", "sandcrate", "run");
    }

    /**
     * Creates the directory with mode 0700, or checks that an existing one belongs to this user and is not
     * accessible to anybody else (another user could otherwise plant a socket that answers our rustc).
     */
    public static Path secureDirectory(Path dir) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(ownerOnly));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another daemon created it at the same moment: check it below like any existing directory
            }
            Files.setPosixFilePermissions(dir, ownerOnly); // the umask may have removed bits, never added
        }
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory()) {
            throw new IOException(dir + " is not a directory (a symbolic link or file is in the way of the runtime socket directory)");
        }
        String me = System.getProperty("user.name");
        if (!attributes.owner().getName().equals(me)) {
            throw new IOException(dir + " belongs to " + attributes.owner().getName() + ", not to " + me
                    + "; refusing to use it for the runtime socket");
        }
        if (!attributes.permissions().equals(ownerOnly)) {
            throw new IOException(dir + " has mode " + PosixFilePermissions.toString(attributes.permissions())
                    + "; it must be rwx------ (chmod 700) so no other user can reach the runtime socket");
        }
        return dir;
    }
}

package dev.sandcrate.precompile.sandbox;

import dev.sandcrate.precompile.PrecompileException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way to take a file out of a folder a sandboxed build could write: that folder is hostile. A build may
 * leave a symlink to a host file, a FIFO (an open would hang), a device such as /dev/zero, or a huge file in place
 * of its output, at the last path component or any folder on the way. So no link is followed, the file must be a
 * regular file, and no more than {@code maxBytes} are ever read. Call it only after the build's processes are gone
 * (its PID namespace is torn down when {@link Bubblewrap#run} returns), so nothing can swap the file between the
 * checks and the read.
 */
public final class BuildFolder {
    /** How much of a log {@link #tail} looks at. */
    private static final int TAIL_BYTES = 64 * 1024;

    private BuildFolder() {
    }

    /** The bytes of {@code root/relative}; {@code root} is ours, everything below it the build's. */
    public static byte[] read(Path root, String relative, long maxBytes) {
        Path file = checkedPath(root, relative);
        try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw new PrecompileException("the build left " + relative + " larger than the limit of " + maxBytes + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + relative + " from the build folder " + root, e);
        }
    }

    public static String readString(Path root, String relative, long maxBytes) {
        return new String(read(root, relative, maxBytes), StandardCharsets.UTF_8);
    }

    /**
     * The end of a build log, at most {@code maxBytes} (prefixed with a note when the start was cut off): logs are
     * written by sandboxed commands, so they are only as small as the file size limit makes them.
     */
    public static byte[] tailBytes(Path log, long maxBytes) {
        Path file = checkedPath(log.getParent(), log.getFileName().toString());
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            long skip = Math.max(0, size - maxBytes);
            ch.position(skip);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (skip > 0) out.writeBytes(("[the first " + skip + " bytes of this log were dropped]\n").getBytes(StandardCharsets.UTF_8));
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long left = size - skip;
            while (left > 0 && ch.read(buf.clear().limit((int) Math.min(buf.capacity(), left))) > 0) {
                out.write(buf.array(), 0, buf.position());
                left -= buf.position();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the log " + log, e);
        }
    }

    /** The last {@code lines} lines of a build log (from its last 64 KiB), or a note why there is none. */
    public static String tail(Path log, int lines) {
        try {
            String text = new String(tailBytes(log, TAIL_BYTES), StandardCharsets.UTF_8);
            String[] all = text.split("\n", -1);
            int end = text.endsWith("\n") ? all.length - 1 : all.length;
            return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, end - lines), end));
        } catch (RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** {@code root/relative} after checking, without following links, that every folder on the way is a folder and the file a regular file. */
    private static Path checkedPath(Path root, String relative) {
        Path rel = Path.of(relative);
        if (rel.isAbsolute() || rel.normalize().startsWith("..") || !rel.normalize().equals(rel)) {
            throw new IllegalArgumentException("not a plain relative path: " + relative);
        }
        Path p = root;
        for (int i = 0; i < rel.getNameCount(); i++) {
            p = p.resolve(rel.getName(i).toString());
            boolean last = i == rel.getNameCount() - 1;
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                throw new PrecompileException("the build did not leave " + relative + " (no " + root.relativize(p) + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot inspect " + p, e);
            }
            String what = a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a folder" : a.isRegularFile() ? "a regular file"
                    : "a special file (FIFO, socket or device)";
            if (last ? !a.isRegularFile() : !a.isDirectory()) {
                throw new PrecompileException("refusing to read " + relative + " out of the build folder: "
                        + root.relativize(p) + " is " + what + ", not " + (last ? "a regular file" : "a folder"));
            }
        }
        return p;
    }
}

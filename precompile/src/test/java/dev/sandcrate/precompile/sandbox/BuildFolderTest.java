package dev.sandcrate.precompile.sandbox;

import dev.sandcrate.precompile.PrecompileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Taking a file out of a hostile build folder: what a build could leave in place of its output. */
@Timeout(30)
class BuildFolderTest {
    private static final String MODULE = "target/wasm32-unknown-unknown/release/out.wasm";

    private static Path release(Path build) throws Exception {
        return Files.createDirectories(build.resolve("target/wasm32-unknown-unknown/release"));
    }

    @Test
    void readsARegularFile(@TempDir Path build) throws Exception {
        Files.write(release(build).resolve("out.wasm"), new byte[]{0, 'a', 's', 'm'});
        assertArrayEquals(new byte[]{0, 'a', 's', 'm'}, BuildFolder.read(build, MODULE, 4));
    }

    @Test
    void refusesASymlinkToAHostFile(@TempDir Path build, @TempDir Path host) throws Exception {
        Path secret = Files.writeString(host.resolve("secret-canary"), "host secret");
        Files.createSymbolicLink(release(build).resolve("out.wasm"), secret);
        PrecompileException e = assertThrows(PrecompileException.class, () -> BuildFolder.read(build, MODULE, 1 << 20));
        assertTrue(e.getMessage().contains("is a symbolic link"), e.getMessage());
    }

    @Test
    void refusesAFolderOnTheWayThatIsASymlink(@TempDir Path build, @TempDir Path host) throws Exception {
        Files.writeString(host.resolve("out.wasm"), "host file");
        Files.createDirectories(build.resolve("target/wasm32-unknown-unknown"));
        Files.createSymbolicLink(build.resolve("target/wasm32-unknown-unknown/release"), host);
        PrecompileException e = assertThrows(PrecompileException.class, () -> BuildFolder.read(build, MODULE, 1 << 20));
        assertTrue(e.getMessage().contains("target/wasm32-unknown-unknown/release is a symbolic link"), e.getMessage());
    }

    @Test
    void refusesAFifoWithoutHanging(@TempDir Path build) throws Exception {
        Path fifo = release(build).resolve("out.wasm");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        PrecompileException e = assertThrows(PrecompileException.class, () -> BuildFolder.read(build, MODULE, 1 << 20));
        assertTrue(e.getMessage().contains("special file"), e.getMessage());
    }

    @Test
    void refusesDevZeroAndStopsReadingAHugeFileAtTheCap(@TempDir Path build) throws Exception {
        Files.createSymbolicLink(release(build).resolve("out.wasm"), Path.of("/dev/zero"));
        assertThrows(PrecompileException.class, () -> BuildFolder.read(build, MODULE, 1 << 20));
        Files.delete(release(build).resolve("out.wasm"));
        try (RandomAccessFile f = new RandomAccessFile(release(build).resolve("out.wasm").toFile(), "rw")) {
            f.setLength(8L << 30); // sparse: 8 GiB to read, no disk used
        }
        PrecompileException e = assertThrows(PrecompileException.class, () -> BuildFolder.read(build, MODULE, 1 << 20));
        assertTrue(e.getMessage().contains("larger than the limit of 1048576 bytes"), e.getMessage());
    }

    @Test
    void tailReadsOnlyTheEndOfAHugeLog(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("build.log");
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "rw")) {
            f.setLength(4L << 30);
            f.seek(4L << 30);
            f.write("\nerror: the last line\n".getBytes());
        }
        assertEquals("error: the last line", BuildFolder.tail(log, 1));
        byte[] end = BuildFolder.tailBytes(log, 100);
        assertTrue(new String(end).startsWith("[the first "), new String(end));
        Files.delete(log);
        Files.createSymbolicLink(log, Path.of("/etc/hostname"));
        assertTrue(BuildFolder.tail(log, 5).startsWith("(no log: "), "a log that is a link is not followed");
    }

    @Test
    void rejectsPathsLeavingTheFolder(@TempDir Path build) {
        for (String bad : List.of("../x", "/etc/passwd", "a/../../x")) {
            assertThrows(IllegalArgumentException.class, () -> BuildFolder.read(build, bad, 10), bad);
        }
    }
}

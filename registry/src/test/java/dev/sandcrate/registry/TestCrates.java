package dev.sandcrate.registry;

import dev.sandcrate.index.crate.CratePacker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds .crate files and publish bodies for tests. */
public final class TestCrates {
    private TestCrates() {}

    public static byte[] crate(Path work, String name, String version, String extraToml) {
        try {
            Path dir = Files.createTempDirectory(work, name);
            Files.createDirectories(dir.resolve("src"));
            Files.writeString(dir.resolve("Cargo.toml"), "[package]\nname = \"" + name + "\"\nversion = \"" + version
                    + "\"\nedition = \"2021\"\ndescription = \"test crate " + name + "\"\n" + extraToml);
            Files.writeString(dir.resolve("src/lib.rs"), "pub fn f() {}\n");
            return CratePacker.pack(dir).bytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] publishBody(String name, String version, byte[] crate) {
        return publishBody("{\"name\":\"" + name + "\",\"vers\":\"" + version + "\",\"deps\":[],\"features\":{}}", crate);
    }

    public static byte[] publishBody(String json, byte[] crate) {
        byte[] meta = json.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        out.writeBytes(len.putInt(0, meta.length).array());
        out.writeBytes(meta);
        out.writeBytes(len.putInt(0, crate.length).array());
        out.writeBytes(crate);
        return out.toByteArray();
    }
}

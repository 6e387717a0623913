package dev.sandcrate.registry.crates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.RegistryException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The body of {@code PUT /api/v1/crates/new}: a u32-LE length, the JSON metadata, a u32-LE length, the .crate.
 * Only name and version are taken from the JSON; dependencies and features come from the Cargo.toml in the .crate.
 */
public record PublishRequest(String name, String version, String description, byte[] crate) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_METADATA = 1 << 20;

    public static PublishRequest parse(byte[] body, long maxCrateBytes) {
        ByteBuffer buf = ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        long jsonLen = readLength(buf, "metadata");
        if (jsonLen > MAX_METADATA) throw RegistryException.tooLarge("the publish metadata is larger than " + MAX_METADATA + " bytes");
        byte[] json = readBytes(buf, jsonLen, "metadata");
        long crateLen = readLength(buf, ".crate");
        if (crateLen > maxCrateBytes) {
            throw RegistryException.tooLarge("the .crate is " + crateLen + " bytes; the maximum upload size is " + maxCrateBytes + " bytes");
        }
        byte[] crate = readBytes(buf, crateLen, ".crate");
        if (buf.hasRemaining()) throw RegistryException.badRequest("invalid publish request: " + buf.remaining() + " unexpected bytes after the .crate");

        JsonNode meta;
        try {
            meta = JSON.readTree(json);
        } catch (IOException e) {
            throw RegistryException.badRequest("invalid publish metadata JSON: " + e.getMessage());
        }
        if (meta == null || !meta.isObject()) throw RegistryException.badRequest("invalid publish metadata: expected a JSON object");
        String name = meta.path("name").asText(null);
        String vers = meta.path("vers").asText(null);
        if (name == null || vers == null) throw RegistryException.badRequest("invalid publish metadata: `name` and `vers` are required");
        String description = meta.path("description").isTextual() ? meta.get("description").asText() : null;
        return new PublishRequest(name, vers, description, crate);
    }

    private static long readLength(ByteBuffer buf, String what) {
        if (buf.remaining() < 4) throw RegistryException.badRequest("invalid publish request: the body ends before the " + what + " length");
        return Integer.toUnsignedLong(buf.getInt());
    }

    private static byte[] readBytes(ByteBuffer buf, long len, String what) {
        if (len > buf.remaining()) {
            throw RegistryException.badRequest("invalid publish request: the " + what + " is said to be " + len
                    + " bytes but only " + buf.remaining() + " follow");
        }
        int start = buf.position();
        buf.position(start + (int) len);
        return Arrays.copyOfRange(buf.array(), start, start + (int) len);
    }
}

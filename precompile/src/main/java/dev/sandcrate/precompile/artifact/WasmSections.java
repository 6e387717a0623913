package dev.sandcrate.precompile.artifact;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The raw section list of a wasm module: enough to append and read custom sections byte-exactly and to say
 * where two modules differ. (Full parsing and validation is Chicory's job, see {@link ArtifactValidator}.)
 */
public final class WasmSections {
    /** One section: id, name (custom sections only), offset and size of the whole section in the file. */
    public record Section(int id, String name, int offset, int length, byte[] payload) {
        public String label() {
            return id == 0 ? "custom \"" + name + "\"" : NAMES[Math.min(id, NAMES.length - 1)];
        }
    }

    private static final String[] NAMES = {"custom", "type", "import", "function", "table", "memory", "global", "export",
            "start", "element", "code", "data", "datacount", "tag", "unknown"};

    private WasmSections() {
    }

    public static List<Section> read(byte[] wasm) {
        if (wasm.length < 8 || wasm[0] != 0 || wasm[1] != 'a' || wasm[2] != 's' || wasm[3] != 'm') {
            throw new IllegalArgumentException("not a wasm module (bad magic)");
        }
        List<Section> out = new ArrayList<>();
        int[] pos = {8};
        while (pos[0] < wasm.length) {
            int start = pos[0];
            int id = wasm[pos[0]++] & 0xff;
            int size = (int) uleb(wasm, pos);
            int payloadStart = pos[0];
            if (size < 0 || payloadStart + size > wasm.length) throw new IllegalArgumentException("section at " + start + " runs past the end");
            String name = null;
            if (id == 0) {
                int nameLen = (int) uleb(wasm, pos);
                name = new String(wasm, pos[0], nameLen, StandardCharsets.UTF_8);
                byte[] payload = Arrays.copyOfRange(wasm, pos[0] + nameLen, payloadStart + size);
                out.add(new Section(id, name, start, payloadStart + size - start, payload));
            } else {
                out.add(new Section(id, null, start, payloadStart + size - start, Arrays.copyOfRange(wasm, payloadStart, payloadStart + size)));
            }
            pos[0] = payloadStart + size;
        }
        return out;
    }

    /** The payload of the custom section {@code name}, or null. */
    public static byte[] custom(byte[] wasm, String name) {
        return read(wasm).stream().filter(s -> s.id() == 0 && name.equals(s.name())).map(Section::payload).findFirst().orElse(null);
    }

    /** The module with a custom section appended (custom sections may appear anywhere; the end keeps the rest intact). */
    public static byte[] appendCustom(byte[] wasm, String name, byte[] payload) {
        read(wasm); // refuses anything that is not a module
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeUleb(body, nameBytes.length);
        body.writeBytes(nameBytes);
        body.writeBytes(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(wasm);
        out.write(0);
        writeUleb(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    /** A short human summary of where two modules differ (for irreproducible builds). */
    public static String diffSummary(byte[] a, byte[] b) {
        StringBuilder s = new StringBuilder();
        s.append("sizes ").append(a.length).append(" vs ").append(b.length).append(" bytes");
        int first = 0;
        while (first < Math.min(a.length, b.length) && a[first] == b[first]) first++;
        s.append("; first differing byte at offset ").append(first);
        List<Section> sa = read(a);
        List<Section> sb = read(b);
        for (int i = 0; i < Math.max(sa.size(), sb.size()); i++) {
            Section x = i < sa.size() ? sa.get(i) : null;
            Section y = i < sb.size() ? sb.get(i) : null;
            if (x == null || y == null) {
                s.append("\n  section ").append(i).append(" only in build ").append(x == null ? "b" : "a");
            } else if (x.id() != y.id() || !Arrays.equals(x.payload(), y.payload())) {
                s.append("\n  section ").append(i).append(" (").append(x.label()).append(") differs: ")
                        .append(x.payload().length).append(" vs ").append(y.payload().length).append(" bytes");
            }
        }
        return s.toString();
    }

    private static long uleb(byte[] b, int[] pos) {
        long result = 0;
        int shift = 0;
        while (true) {
            if (pos[0] >= b.length) throw new IllegalArgumentException("truncated LEB128 at " + pos[0]);
            int x = b[pos[0]++] & 0xff;
            result |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return result;
            shift += 7;
            if (shift > 35) throw new IllegalArgumentException("LEB128 too long at " + pos[0]);
        }
    }

    private static void writeUleb(ByteArrayOutputStream out, int value) {
        do {
            int x = value & 0x7f;
            value >>>= 7;
            out.write(value != 0 ? x | 0x80 : x);
        } while (value != 0);
    }
}

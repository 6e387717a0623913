package dev.sandcrate.runtime.wire;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Reads and validates a message, mirroring the Rust decoder in precompile/rust/wire/src/lib.rs. */
final class WireReader {

    private final byte[] bytes;
    private int pos;
    private String[] strings = new String[0];
    /** Span ids must be below this (request: table size; response: first id + table size). */
    long spanLimit;
    /** The message's version, {@link Wire#OLDEST_VERSION} to {@link Wire#VERSION}. */
    final int version;

    WireReader(byte[] bytes, int messageType) throws WireException {
        this.bytes = bytes;
        if (bytes.length < 4 || bytes[0] != 'S' || bytes[1] != 'C' || bytes[2] != 'W' || bytes[3] != 'F') {
            throw error("not a sandcrate wire message (magic \"SCWF\" missing)");
        }
        pos = 4;
        int version = u8() | (u8() << 8);
        if (version < Wire.OLDEST_VERSION || version > Wire.VERSION) {
            throw errorBefore(2, "unsupported wire format version " + version + " (this side speaks " + Wire.OLDEST_VERSION + " to " + Wire.VERSION + ")");
        }
        this.version = version;
        int found = u8();
        if (found != messageType) {
            throw errorBefore(1, "expected message type " + messageType + ", found " + found);
        }
        if (u8() != 0) {
            throw errorBefore(1, "reserved header byte must be 0");
        }
        int count = count(4);
        String[] table = new String[count];
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = 0; i < count; i++) {
            int len = count(1);
            int start = take(len);
            try {
                table[i] = decoder.decode(ByteBuffer.wrap(bytes, start, len)).toString();
            } catch (CharacterCodingException e) {
                throw errorBefore(len, "string is not valid UTF-8");
            }
        }
        strings = table;
    }

    WireException error(String message) {
        return new WireException(pos, message);
    }

    WireException errorBefore(int back, String message) {
        return new WireException(Math.max(0, pos - back), message);
    }

    /** Advances past {@code n} bytes and returns where they start. */
    private int take(long n) throws WireException {
        if (bytes.length - pos < n) {
            throw error("truncated: needs " + n + " more bytes, " + (bytes.length - pos) + " left");
        }
        int start = pos;
        pos += (int) n;
        return start;
    }

    byte[] bytes() throws WireException {
        int n = count(1);
        int start = take(n);
        return java.util.Arrays.copyOfRange(bytes, start, start + n);
    }

    int u8() throws WireException {
        return bytes[take(1)] & 0xff;
    }

    int u32() throws WireException {
        int at = take(4);
        return (bytes[at] & 0xff) | (bytes[at + 1] & 0xff) << 8 | (bytes[at + 2] & 0xff) << 16 | (bytes[at + 3] & 0xff) << 24;
    }

    /** A count of items that each take at least {@code minItemSize} bytes (guards allocations). */
    int count(int minItemSize) throws WireException {
        long n = Integer.toUnsignedLong(u32());
        if (n * minItemSize > bytes.length - pos) {
            throw errorBefore(4, "count " + n + " exceeds the remaining message");
        }
        return (int) n;
    }

    boolean bool() throws WireException {
        int b = u8();
        return switch (b) {
            case 0 -> false;
            case 1 -> true;
            default -> throw errorBefore(1, "boolean byte must be 0 or 1, found " + b);
        };
    }

    String optString() throws WireException {
        int i = u32();
        if (i == Wire.NONE) {
            return null;
        }
        long index = Integer.toUnsignedLong(i);
        if (index >= strings.length) {
            throw errorBefore(4, "string index " + index + " out of range (" + strings.length + " strings)");
        }
        return strings[(int) index];
    }

    String string() throws WireException {
        String s = optString();
        if (s == null) {
            throw errorBefore(4, "string required here");
        }
        return s;
    }

    int spanId() throws WireException {
        int id = u32();
        if (Integer.toUnsignedLong(id) >= spanLimit) {
            throw errorBefore(4, "span id " + Integer.toUnsignedString(id) + " is not in the span table (limit " + spanLimit + ")");
        }
        return id;
    }

    /** Span table whose first entry has id {@code first}; derived entries may only name earlier ids. */
    List<SpanInfo> spans(int first) throws WireException {
        int n = count(5);
        List<SpanInfo> spans = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            spanLimit = Integer.toUnsignedLong(first) + i;
            int tag = u8();
            spans.add(switch (tag) {
                case 0 -> {
                    String file = optString();
                    boolean local = bool();
                    yield new SpanInfo.Located(file, local, u32(), u32(), u32(), u32(), u32(), u32(), optString());
                }
                case 1 -> new SpanInfo.ResolvedAt(spanId(), spanId());
                case 2 -> new SpanInfo.Join(spanId(), spanId());
                case 3 -> new SpanInfo.Subspan(spanId(), u32(), u32());
                case 4 -> new SpanInfo.Start(spanId());
                case 5 -> new SpanInfo.End(spanId());
                default -> throw errorBefore(1, "unknown span entry tag " + tag);
            });
        }
        return spans;
    }

    Input input() throws WireException {
        int form = u8();
        return switch (form) {
            case 0 -> new Input.Tokens(stream(0));
            case 1 -> new Input.Source(string(), string());
            default -> throw errorBefore(1, "unknown input form " + form);
        };
    }

    List<TokenTree> stream(int depth) throws WireException {
        if (depth > Wire.MAX_DEPTH) {
            throw error("groups nested deeper than " + Wire.MAX_DEPTH);
        }
        int n = count(6);
        List<TokenTree> stream = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int tag = u8();
            stream.add(switch (tag) {
                case 0 -> {
                    int d = u8();
                    if (d > 3) {
                        throw errorBefore(1, "unknown delimiter " + d);
                    }
                    int span = spanId();
                    int open = spanId();
                    int close = spanId();
                    yield new TokenTree.Group(TokenTree.Delimiter.values()[d], span, open, close, stream(depth + 1));
                }
                case 1 -> {
                    char ch = (char) u8();
                    if (!TokenTree.isPunctChar(ch)) {
                        throw errorBefore(1, "'" + ch + "' is not a punctuation character");
                    }
                    TokenTree.Spacing spacing = bool() ? TokenTree.Spacing.JOINT : TokenTree.Spacing.ALONE;
                    yield new TokenTree.Punct(ch, spacing, spanId());
                }
                case 2 -> {
                    String name = string();
                    if (name.isEmpty()) {
                        throw errorBefore(4, "empty identifier");
                    }
                    yield new TokenTree.Ident(name, bool(), spanId());
                }
                case 3 -> {
                    String text = string();
                    if (text.isEmpty()) {
                        throw errorBefore(4, "empty literal");
                    }
                    yield new TokenTree.Literal(text, spanId());
                }
                default -> throw errorBefore(1, "unknown token tree tag " + tag);
            });
        }
        return stream;
    }

    List<Diagnostic> diagnostics(int depth) throws WireException {
        if (depth > Wire.MAX_DEPTH) {
            throw error("diagnostics nested deeper than " + Wire.MAX_DEPTH);
        }
        int n = count(13);
        List<Diagnostic> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int level = u8();
            if (level > 3) {
                throw errorBefore(1, "unknown diagnostic level " + level);
            }
            String message = string();
            int count = count(4);
            List<Integer> spans = new ArrayList<>(count);
            for (int s = 0; s < count; s++) {
                spans.add(spanId());
            }
            out.add(new Diagnostic(Diagnostic.Level.values()[level], message, spans, diagnostics(depth + 1)));
        }
        return out;
    }

    void end() throws WireException {
        if (pos != bytes.length) {
            throw error((bytes.length - pos) + " unexpected trailing bytes");
        }
    }
}

package dev.sandcrate.runtime.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes a message body while interning its strings; {@link #finish} prepends header and string table. */
final class WireWriter {

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final List<byte[]> strings = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();

    void u8(int value) {
        body.write(value);
    }

    void u32(int value) {
        body.write(value);
        body.write(value >>> 8);
        body.write(value >>> 16);
        body.write(value >>> 24);
    }

    void bool(boolean value) {
        u8(value ? 1 : 0);
    }

    void string(String value) {
        Integer i = index.get(value);
        if (i == null) {
            i = strings.size();
            strings.add(value.getBytes(StandardCharsets.UTF_8));
            index.put(value, i);
        }
        u32(i);
    }

    void optString(String value) {
        if (value == null) {
            u32(Wire.NONE);
        } else {
            string(value);
        }
    }

    void bytes(byte[] value) {
        u32(value.length);
        body.writeBytes(value);
    }

    byte[] finish(int messageType, int version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 64);
        out.writeBytes(Wire.MAGIC);
        out.write(version & 0xff);
        out.write(version >>> 8);
        out.write(messageType);
        out.write(0);
        writeU32(out, strings.size());
        for (byte[] s : strings) {
            writeU32(out, s.length);
            out.writeBytes(s);
        }
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeU32(ByteArrayOutputStream out, int value) {
        out.write(value);
        out.write(value >>> 8);
        out.write(value >>> 16);
        out.write(value >>> 24);
    }

    void stream(List<TokenTree> stream) {
        u32(stream.size());
        for (TokenTree tree : stream) {
            switch (tree) {
                case TokenTree.Group g -> {
                    u8(0);
                    u8(g.delimiter().ordinal());
                    u32(g.span());
                    u32(g.open());
                    u32(g.close());
                    stream(g.stream());
                }
                case TokenTree.Punct p -> {
                    u8(1);
                    u8(p.ch());
                    bool(p.spacing() == TokenTree.Spacing.JOINT);
                    u32(p.span());
                }
                case TokenTree.Ident i -> {
                    u8(2);
                    string(i.name());
                    bool(i.raw());
                    u32(i.span());
                }
                case TokenTree.Literal l -> {
                    u8(3);
                    string(l.text());
                    u32(l.span());
                }
            }
        }
    }

    void spans(List<SpanInfo> spans) {
        u32(spans.size());
        for (SpanInfo span : spans) {
            switch (span) {
                case SpanInfo.Located l -> {
                    u8(0);
                    optString(l.file());
                    bool(l.local());
                    u32(l.startLine());
                    u32(l.startColumn());
                    u32(l.endLine());
                    u32(l.endColumn());
                    u32(l.byteStart());
                    u32(l.byteEnd());
                    optString(l.sourceText());
                }
                case SpanInfo.ResolvedAt r -> {
                    u8(1);
                    u32(r.position());
                    u32(r.context());
                }
                case SpanInfo.Join j -> {
                    u8(2);
                    u32(j.first());
                    u32(j.second());
                }
                case SpanInfo.Subspan s -> {
                    u8(3);
                    u32(s.base());
                    u32(s.start());
                    u32(s.end());
                }
                case SpanInfo.Start s -> {
                    u8(4);
                    u32(s.base());
                }
                case SpanInfo.End e -> {
                    u8(5);
                    u32(e.base());
                }
            }
        }
    }

    void input(Input input) {
        switch (input) {
            case Input.Tokens t -> {
                u8(0);
                stream(t.stream());
            }
            case Input.Source s -> {
                u8(1);
                string(s.file());
                string(s.text());
            }
        }
    }

    void diagnostics(List<Diagnostic> diagnostics) {
        u32(diagnostics.size());
        for (Diagnostic d : diagnostics) {
            u8(d.level().ordinal());
            string(d.message());
            u32(d.spans().size());
            for (int span : d.spans()) {
                u32(span);
            }
            diagnostics(d.children());
        }
    }
}

package dev.sandcrate.runtime.wire;

import java.util.List;

/**
 * A macro invocation. {@code attr} is present exactly when {@code kind} is {@link MacroKind#ATTR} (else null).
 * {@code name} is the derive's trait name or the attribute/bang macro's name.
 */
public record Request(MacroKind kind, String name, List<SpanInfo> spans, int defSite, int callSite, int mixedSite,
                      Input attr, Input input) {

    public enum MacroKind { DERIVE, ATTR, BANG }

    public Request {
        spans = List.copyOf(spans);
        if ((kind == MacroKind.ATTR) != (attr != null)) {
            throw new IllegalArgumentException("attribute arguments must be given exactly for attribute macros");
        }
    }

    /**
     * A request whose input (and attribute arguments) are Rust source text the module lexes itself; def, call and
     * mixed site are one synthetic span located at the start of {@code file}.
     */
    public static Request fromSource(MacroKind kind, String name, String file, String inputText, String attrText) {
        List<SpanInfo> spans = List.of(new SpanInfo.Located(file, false, 1, 1, 1, 1, 0, 0, null));
        Input attr = kind == MacroKind.ATTR ? new Input.Source(file, attrText == null ? "" : attrText) : null;
        return new Request(kind, name, spans, 0, 0, 0, attr, new Input.Source(file, inputText));
    }

    public byte[] encode() {
        WireWriter w = new WireWriter();
        w.u8(kind.ordinal());
        w.string(name);
        w.spans(spans);
        w.u32(defSite);
        w.u32(callSite);
        w.u32(mixedSite);
        if (attr != null) {
            w.input(attr);
        }
        w.input(input);
        return w.finish(Wire.MESSAGE_REQUEST);
    }

    /** Decodes and validates a request: every span id must name a span of the request's table. */
    public static Request decode(byte[] bytes) throws WireException {
        WireReader r = new WireReader(bytes, Wire.MESSAGE_REQUEST);
        int k = r.u8();
        if (k > 2) {
            throw r.errorBefore(1, "unknown macro kind " + k);
        }
        MacroKind kind = MacroKind.values()[k];
        String name = r.string();
        List<SpanInfo> spans = r.spans(0);
        r.spanLimit = spans.size();
        int defSite = r.spanId();
        int callSite = r.spanId();
        int mixedSite = r.spanId();
        Input attr = kind == MacroKind.ATTR ? r.input() : null;
        Input input = r.input();
        r.end();
        return new Request(kind, name, spans, defSite, callSite, mixedSite, attr, input);
    }
}

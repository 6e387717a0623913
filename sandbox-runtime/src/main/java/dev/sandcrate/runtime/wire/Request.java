package dev.sandcrate.runtime.wire;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A macro invocation. {@code attr} is present exactly when {@code kind} is {@link MacroKind#ATTR} (else null).
 * {@code name} is the derive's trait name or the attribute/bang macro's name. {@code env} is the whole environment
 * the macro's {@code std::env} sees (the variables cargo sets for the crate being compiled), by name. {@code inputs}
 * are the files the macro asked for (wire version 3), or null.
 */
public record Request(MacroKind kind, String name, List<SpanInfo> spans, int defSite, int callSite, int mixedSite,
                      Input attr, Input input, SortedMap<String, String> env, FileInputs inputs) {

    public enum MacroKind { DERIVE, ATTR, BANG }

    public Request {
        spans = List.copyOf(spans);
        env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
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
        return new Request(kind, name, spans, 0, 0, 0, attr, new Input.Source(file, inputText), new TreeMap<>(), null);
    }

    /** This request with {@code env} as the macro's environment. */
    public Request withEnv(Map<String, String> env) {
        return new Request(kind, name, spans, defSite, callSite, mixedSite, attr, input, new TreeMap<>(env), inputs);
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
        w.u32(env.size());
        env.forEach((k, v) -> {
            w.string(k);
            w.string(v);
        });
        if (inputs == null) {
            return w.finish(Wire.MESSAGE_REQUEST, Wire.OLDEST_VERSION);
        }
        inputs.encode(w);
        return w.finish(Wire.MESSAGE_REQUEST, Wire.VERSION);
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
        int n = r.count(8);
        TreeMap<String, String> env = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String key = r.string();
            String value = r.string();
            if (!env.isEmpty() && env.lastKey().compareTo(key) >= 0) {
                throw r.errorBefore(8, "environment variable `" + key + "` is out of order or repeated");
            }
            env.put(key, value);
        }
        FileInputs inputs = r.version >= 3 ? FileInputs.decode(r) : null;
        r.end();
        return new Request(kind, name, spans, defSite, callSite, mixedSite, attr, input, env, inputs);
    }
}

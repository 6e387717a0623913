package dev.sandcrate.runtime.wire;

import java.util.List;

/**
 * The result of one expansion. Span ids name request spans (below {@code firstSpanId}) or the spans created
 * during the expansion ({@code spans}, numbered from {@code firstSpanId}).
 */
public record Response(int firstSpanId, List<SpanInfo> spans, List<Diagnostic> diagnostics, Outcome outcome) {

    public Response {
        spans = List.copyOf(spans);
        diagnostics = List.copyOf(diagnostics);
    }

    /** A response that only reports a failure (used by the runtime for limits and traps). */
    public static Response failed(int firstSpanId, String message) {
        return new Response(firstSpanId, List.of(), List.of(), new Outcome.Failed(message));
    }

    public byte[] encode() {
        WireWriter w = new WireWriter();
        w.u8(switch (outcome) {
            case Outcome.Expanded e -> 0;
            case Outcome.Panicked p -> 1;
            case Outcome.Failed f -> 2;
            case Outcome.NeedsInputs n -> 3;
        });
        w.u32(firstSpanId);
        w.spans(spans);
        w.diagnostics(diagnostics);
        switch (outcome) {
            case Outcome.Expanded e -> w.stream(e.stream());
            case Outcome.Panicked p -> {
                w.string(p.message());
                if (p.location() == null) {
                    w.u32(Wire.NONE);
                } else {
                    w.string(p.location().file());
                    w.u32(p.location().line());
                    w.u32(p.location().column());
                }
            }
            case Outcome.Failed f -> w.string(f.message());
            case Outcome.NeedsInputs n -> {
                w.u8(n.currentDir() ? 1 : 0);
                w.u32(n.paths().size());
                n.paths().forEach(w::string);
                return w.finish(Wire.MESSAGE_RESPONSE, Wire.VERSION);
            }
        }
        return w.finish(Wire.MESSAGE_RESPONSE, Wire.OLDEST_VERSION);
    }

    /**
     * Whether an encoded response asks for file inputs. Decodes only version 3 messages: a response without that
     * outcome is written as version 2.
     */
    public static boolean asksForInputs(byte[] bytes) throws WireException {
        if (Wire.versionOf(bytes) <= Wire.OLDEST_VERSION) {
            return false;
        }
        return decode(bytes).outcome() instanceof Outcome.NeedsInputs;
    }

    public static Response decode(byte[] bytes) throws WireException {
        WireReader r = new WireReader(bytes, Wire.MESSAGE_RESPONSE);
        int status = r.u8();
        if (status > 3 || (status == 3 && r.version < 3)) {
            throw r.errorBefore(1, "unknown response status " + status);
        }
        int firstSpanId = r.u32();
        List<SpanInfo> spans = r.spans(firstSpanId);
        r.spanLimit = Integer.toUnsignedLong(firstSpanId) + spans.size();
        List<Diagnostic> diagnostics = r.diagnostics(0);
        Outcome outcome = switch (status) {
            case 0 -> new Outcome.Expanded(r.stream(0));
            case 1 -> {
                String message = r.string();
                String file = r.optString();
                yield new Outcome.Panicked(message, file == null ? null : new Outcome.PanicLocation(file, r.u32(), r.u32()));
            }
            case 2 -> new Outcome.Failed(r.string());
            default -> {
                boolean currentDir = r.bool();
                int n = r.count(4);
                List<String> paths = new java.util.ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    paths.add(r.string());
                }
                yield new Outcome.NeedsInputs(currentDir, paths);
            }
        };
        r.end();
        return new Response(firstSpanId, spans, diagnostics, outcome);
    }
}

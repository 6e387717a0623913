package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.SpanInfo;
import dev.sandcrate.runtime.wire.TokenDump;
import dev.sandcrate.runtime.wire.TokenTree;

import java.util.List;

/** Runs an artifact with the consumer runtime's default engine and renders results like the native oracle does. */
final class SandboxedExpansion {
    static final String FILE = "input.rs";
    private final MacroModule module;

    SandboxedExpansion(byte[] wasm) throws Exception {
        this.module = Engines.create(Engines.DEFAULT, SandboxLimits.defaults()).load(wasm);
    }

    Response expand(Request.MacroKind kind, String name, String attr, String input) throws Exception {
        try (MacroInstance instance = module.instantiate()) {
            Request request = Request.fromSource(kind, name, FILE, input, attr).withEnv(NativeOracle.CARGO_ENV);
            return Response.decode(instance.expand(request.encode()));
        }
    }

    /** The oracle's rendering: the token dump without spans, or {@code panicked: <message>}. */
    static String render(Response response) {
        return switch (response.outcome()) {
            case Outcome.Expanded e -> TokenDump.dumpTokens(e.stream());
            case Outcome.Panicked p -> "panicked: " + p.message();
            case Outcome.Failed f -> "failed: " + f.message();
            case Outcome.NeedsInputs n -> "needs inputs: " + n.paths();
        };
    }

    /** 1-based line:column in the input where span {@code id} starts, following resolved_at/join/subspan to a position. */
    static String location(Response response, int id) {
        for (int guard = 0; guard < 64; guard++) {
            if (id < response.firstSpanId()) return "call-site";
            SpanInfo info = response.spans().get(id - response.firstSpanId());
            switch (info) {
                case SpanInfo.Located l -> {
                    return l.startLine() + ":" + l.startColumn();
                }
                case SpanInfo.ResolvedAt r -> id = r.position();
                case SpanInfo.Join j -> id = j.first();
                case SpanInfo.Subspan s -> id = s.base();
                case SpanInfo.Start s -> id = s.base();
                case SpanInfo.End e -> id = e.base();
            }
        }
        throw new IllegalStateException("span chain too long");
    }

    /**
     * Span ids of {@code compile_error} and of the tokens of its argument, anywhere in the output. syn gives the
     * macro name the start of the offending input and the message its end.
     */
    static List<Integer> compileErrorSpans(Response response) {
        if (!(response.outcome() instanceof Outcome.Expanded e)) return List.of();
        return compileErrorSpans(e.stream());
    }

    private static List<Integer> compileErrorSpans(List<TokenTree> s) {
        for (int i = 0; i < s.size(); i++) {
            if (s.get(i) instanceof TokenTree.Ident id && id.name().equals("compile_error") && i + 2 < s.size()
                    && s.get(i + 2) instanceof TokenTree.Group g) {
                List<Integer> spans = new java.util.ArrayList<>(List.of(id.span()));
                g.stream().forEach(t -> spans.add(spanOf(t)));
                return spans;
            }
            if (s.get(i) instanceof TokenTree.Group g) {
                List<Integer> inner = compileErrorSpans(g.stream());
                if (!inner.isEmpty()) return inner;
            }
        }
        return List.of();
    }

    private static int spanOf(TokenTree t) {
        return switch (t) {
            case TokenTree.Group g -> g.span();
            case TokenTree.Punct p -> p.span();
            case TokenTree.Ident i -> i.span();
            case TokenTree.Literal l -> l.span();
        };
    }
}

package dev.sandcrate.registry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.precompile.PrecompileService;
import dev.sandcrate.registry.precompile.PrecompileStore;
import dev.sandcrate.runtime.engine.Engines;
import dev.sandcrate.runtime.engine.MacroEngine;
import dev.sandcrate.runtime.engine.MacroInstance;
import dev.sandcrate.runtime.engine.MacroModule;
import dev.sandcrate.runtime.engine.SandboxException;
import dev.sandcrate.runtime.engine.SandboxLimits;
import dev.sandcrate.runtime.wire.Diagnostic;
import dev.sandcrate.runtime.wire.Outcome;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import dev.sandcrate.runtime.wire.TokenTree;
import dev.sandcrate.runtime.wire.WireException;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * Runs a precompiled macro on source text pasted into the web page, in the same sandbox consumers use (the runtime's
 * default engine), with limits tighter than a consumer's because the input comes from anyone who can read the
 * registry: small input, 256 MiB of wasm memory, 10 s, 1 MiB of output, and at most two expansions at a time.
 * Only verified artifacts (both builds identical) can be run. Every run gets a fresh instance.
 */
public final class Playground {
    static final int MAX_INPUT_CHARS = 64 * 1024;
    static final SandboxLimits LIMITS = new SandboxLimits(256L << 20, Duration.ofSeconds(10), 1 << 20, 256L << 20);
    private static final int MAX_CONCURRENT = 2;
    private static final int CACHED_MODULES = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrecompileService precompile;
    private final Semaphore slots = new Semaphore(MAX_CONCURRENT);
    private final Object engineLock = new Object();
    private MacroEngine engine;
    private final Map<String, MacroModule> modules = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, MacroModule> eldest) {
            return size() > CACHED_MODULES;
        }
    };

    public Playground(PrecompileService precompile) {
        this.precompile = precompile;
    }

    /** One macro of one verified artifact. */
    public record MacroChoice(String crate, String version, String featureKey, String artifactSha256, String kind, String name,
                              List<String> helperAttributes) {}

    /** Every macro of every verified artifact in the registry, by crate and version. */
    public List<MacroChoice> choices() {
        List<MacroChoice> out = new ArrayList<>();
        for (PrecompileStore.VersionRef v : precompile.store().allMacroVersions()) {
            if (v.yanked()) continue;
            for (PrecompileStore.Job job : precompile.store().jobsOf(v.id())) {
                if (!PrecompileStore.VERIFIED.equals(job.state()) || job.buildRecord() == null) continue;
                for (JsonNode m : read(job.buildRecord()).path("manifest").path("macros")) {
                    List<String> helpers = new ArrayList<>();
                    m.path("attributes").forEach(a -> helpers.add(a.asText()));
                    out.add(new MacroChoice(v.crate(), v.num(), job.featureKey(), job.artifactSha256(),
                            m.path("kind").asText(), m.path("name").asText(), helpers));
                }
            }
        }
        return out;
    }

    /** What the page shows after a run. */
    public record Result(String status, String output, List<String> diagnostics, String message, long millis) {}

    public Result expand(String artifactSha256, String kind, String name, String input, String attrArgs) {
        if (input == null || input.isBlank()) throw RegistryException.badRequest("paste some Rust source to expand");
        if (input.length() > MAX_INPUT_CHARS || (attrArgs != null && attrArgs.length() > MAX_INPUT_CHARS)) {
            throw RegistryException.tooLarge("the playground takes at most " + MAX_INPUT_CHARS / 1024 + " KiB of source");
        }
        MacroChoice choice = choices().stream()
                .filter(c -> c.artifactSha256().equals(artifactSha256) && c.name().equals(name) && c.kind().equals(kind))
                .findFirst()
                .orElseThrow(() -> RegistryException.notFound("no verified artifact " + artifactSha256 + " with a " + kind + " macro `" + name + "`"));
        Request.MacroKind macroKind = switch (choice.kind()) {
            case "derive" -> Request.MacroKind.DERIVE;
            case "attr" -> Request.MacroKind.ATTR;
            case "bang" -> Request.MacroKind.BANG;
            default -> throw RegistryException.badRequest("unknown macro kind " + choice.kind());
        };
        byte[] request = Request.fromSource(macroKind, choice.name(), "playground.rs", input,
                macroKind == Request.MacroKind.ATTR ? (attrArgs == null ? "" : attrArgs) : null).encode();
        if (!slots.tryAcquire()) throw new RegistryException(429, "the playground is busy; try again in a moment");
        long start = System.nanoTime();
        try {
            MacroModule module = module(artifactSha256);
            byte[] responseBytes;
            try (MacroInstance instance = module.instantiate()) {
                responseBytes = instance.expand(request);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            Response response = Response.decode(responseBytes);
            List<String> diagnostics = new ArrayList<>();
            for (Diagnostic d : response.diagnostics()) diagnostics.add(d.level().name().toLowerCase(java.util.Locale.ROOT) + ": " + d.message());
            return switch (response.outcome()) {
                case Outcome.Expanded e -> new Result("expanded", RustLayout.format(e.stream()), diagnostics, null, millis);
                case Outcome.Panicked p -> new Result("panicked", null, diagnostics, "the macro panicked"
                        + (p.location() == null ? "" : " at " + p.location().file() + ":" + p.location().line() + ":" + p.location().column())
                        + ": " + p.message(), millis);
                case Outcome.Failed f -> new Result("failed", null, diagnostics, f.message(), millis);
            };
        } catch (SandboxException e) {
            return new Result("stopped", null, List.of(), e.getMessage(), (System.nanoTime() - start) / 1_000_000);
        } catch (WireException e) {
            return new Result("failed", null, List.of(), "the module answered with an invalid response: " + e.getMessage(),
                    (System.nanoTime() - start) / 1_000_000);
        } finally {
            slots.release();
        }
    }

    private MacroModule module(String sha256) throws SandboxException {
        synchronized (engineLock) {
            MacroModule cached = modules.get(sha256);
            if (cached != null) return cached;
            if (engine == null) engine = Engines.create(Engines.DEFAULT, LIMITS);
            byte[] wasm;
            Optional<InputStream> in = precompile.artifact(sha256);
            if (in.isEmpty()) throw RegistryException.notFound("no verified artifact " + sha256);
            try (InputStream s = in.get()) {
                wasm = s.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            MacroModule module = engine.load(wasm);
            modules.put(sha256, module);
            return module;
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable build record", e);
        }
    }

    /**
     * Prints a token stream as Rust source for reading: a line per item, statement, field or match arm, with braces
     * indented. Token text and order are exactly the expansion's; only whitespace is chosen here.
     */
    static final class RustLayout {
        private RustLayout() {}

        static String format(List<TokenTree> stream) {
            StringBuilder out = new StringBuilder();
            print(out, stream, 0, true);
            return out.toString().strip() + "\n";
        }

        private static final java.util.Set<String> KEYWORDS = java.util.Set.of("as", "break", "const", "continue", "dyn",
                "else", "enum", "for", "if", "impl", "in", "let", "loop", "match", "move", "mut", "ref", "return", "static",
                "struct", "type", "union", "unsafe", "where", "while", "yield");

        /** {@code lines}: this stream is a top level or brace body, where ';' and ',' end a line. */
        private static void print(StringBuilder out, List<TokenTree> stream, int depth, boolean lines) {
            for (int i = 0; i < stream.size(); i++) {
                TokenTree t = stream.get(i);
                boolean last = i + 1 == stream.size();
                boolean newline = false;
                switch (t) {
                    case TokenTree.Group g when g.delimiter() == TokenTree.Delimiter.BRACE -> {
                        if (g.stream().isEmpty()) {
                            out.append("{}");
                        } else if (fitsOnOneLine(g)) {
                            out.append("{ ");
                            print(out, g.stream(), depth, false);
                            trimLine(out);
                            out.append(" }");
                        }
                        if (g.stream().isEmpty() || fitsOnOneLine(g)) {
                            newline = lines && !(!last && stream.get(i + 1) instanceof TokenTree.Punct p
                                    && (p.ch() == ',' || p.ch() == ';' || p.ch() == '.'));
                        } else {
                            out.append("{\n");
                            indent(out, depth + 1);
                            print(out, g.stream(), depth + 1, true);
                            trimLine(out);
                            out.append('\n');
                            indent(out, depth);
                            out.append('}');
                            // a block ends its line unless a separator follows
                            newline = lines && !(!last && stream.get(i + 1) instanceof TokenTree.Punct p
                                    && (p.ch() == ',' || p.ch() == ';' || p.ch() == '.'));
                        }
                    }
                    case TokenTree.Group g -> {
                        String[] d = switch (g.delimiter()) {
                            case PARENTHESIS -> new String[] {"(", ")"};
                            case BRACKET -> new String[] {"[", "]"};
                            default -> new String[] {"", ""};
                        };
                        out.append(d[0]);
                        print(out, g.stream(), depth, false);
                        trimLine(out);
                        out.append(d[1]);
                    }
                    case TokenTree.Punct p -> {
                        out.append(p.ch());
                        newline = lines && p.spacing() == TokenTree.Spacing.ALONE && (p.ch() == ';' || p.ch() == ',');
                    }
                    case TokenTree.Ident id -> out.append(id.raw() ? "r#" : "").append(id.name());
                    case TokenTree.Literal l -> out.append(l.text());
                }
                if (last) continue;
                if (newline) {
                    out.append('\n');
                    indent(out, depth);
                } else if (spaceBetween(stream, i)) {
                    out.append(' ');
                }
            }
        }

        /** A brace group without statements or blocks inside, short enough to read on one line: {@code { a, b }}. */
        private static boolean fitsOnOneLine(TokenTree.Group g) {
            for (TokenTree t : g.stream()) {
                if (t instanceof TokenTree.Punct p && p.ch() == ';') return false;
                if (t instanceof TokenTree.Group inner && inner.delimiter() == TokenTree.Delimiter.BRACE) return false;
            }
            return dev.sandcrate.runtime.wire.TokenPrinter.print(g.stream()).length() <= 60;
        }

        /** Whether a space goes between token i and token i+1 (the usual rustfmt spacing for the common cases). */
        private static boolean spaceBetween(List<TokenTree> s, int i) {
            TokenTree a = s.get(i);
            TokenTree b = s.get(i + 1);
            if (a instanceof TokenTree.Punct p && p.spacing() == TokenTree.Spacing.JOINT) return false;
            if (b instanceof TokenTree.Punct q && (q.ch() == ',' || q.ch() == ';' || q.ch() == '.')) return false;
            if (a instanceof TokenTree.Punct p && p.ch() == '.') return false;
            // `name: Type`
            if (a instanceof TokenTree.Ident && b instanceof TokenTree.Punct q && q.ch() == ':' && q.spacing() == TokenTree.Spacing.ALONE) return false;
            // `a::b`: nothing around a path separator
            if (isPathSep(s, i - 1) || (b instanceof TokenTree.Punct q && q.ch() == ':' && q.spacing() == TokenTree.Spacing.JOINT
                    && a instanceof TokenTree.Ident)) return false;
            // `#[attr]`, `#![attr]`, `name!(...)`
            if (a instanceof TokenTree.Punct p && (p.ch() == '#' || p.ch() == '!') && b instanceof TokenTree.Group) return false;
            if (a instanceof TokenTree.Punct p && p.ch() == '#' && b instanceof TokenTree.Punct q && q.ch() == '!') return false;
            if (a instanceof TokenTree.Ident && b instanceof TokenTree.Punct q && q.ch() == '!' && i + 2 < s.size()
                    && s.get(i + 2) instanceof TokenTree.Group) return false;
            // calls and indexing: `f(x)`, `v[0]`, but `if (x)`, `in [..]`
            if (a instanceof TokenTree.Ident id && b instanceof TokenTree.Group g
                    && (g.delimiter() == TokenTree.Delimiter.PARENTHESIS || g.delimiter() == TokenTree.Delimiter.BRACKET)) {
                return KEYWORDS.contains(id.name());
            }
            if (a instanceof TokenTree.Punct p && p.ch() == '&' && b instanceof TokenTree.Ident id && (id.name().equals("self")
                    || id.name().equals("mut") || id.name().equals("str"))) return false;
            return true;
        }

        /** Whether tokens i-1, i are the two ':' of a {@code ::}. */
        private static boolean isPathSep(List<TokenTree> s, int i) {
            return i >= 0 && i + 1 < s.size() && s.get(i) instanceof TokenTree.Punct p && p.ch() == ':'
                    && p.spacing() == TokenTree.Spacing.JOINT && s.get(i + 1) instanceof TokenTree.Punct q && q.ch() == ':';
        }

        private static void indent(StringBuilder out, int depth) {
            out.append("    ".repeat(depth));
        }

        private static void trimLine(StringBuilder out) {
            while (!out.isEmpty() && out.charAt(out.length() - 1) == ' ') out.setLength(out.length() - 1);
        }
    }
}

package dev.sandcrate.runtime.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the Java codec against the vectors the Rust wire crate commits (precompile/rust/wire/vectors): the same
 * bytes decode to the same model (JSON and structural dump), encode back to identical bytes, and invalid messages
 * are rejected at the same offset.
 */
class WireVectorsTest {

    static final Path VECTORS = Path.of("..", "precompile", "rust", "wire", "vectors");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static Stream<String> validVectors() throws IOException {
        return names().filter(n -> !n.startsWith("invalid-"));
    }

    static Stream<String> invalidVectors() throws IOException {
        return names().filter(n -> n.startsWith("invalid-"));
    }

    private static Stream<String> names() throws IOException {
        try (Stream<Path> files = Files.list(VECTORS)) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".bin"))
                    .map(n -> n.substring(0, n.length() - 4))
                    .sorted()
                    .toList();
            assertFalse(names.isEmpty(), "no vectors in " + VECTORS.toAbsolutePath());
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("validVectors")
    void decodesLikeTheRustCrateAndEncodesTheSameBytes(String name) throws Exception {
        byte[] bytes = Files.readAllBytes(VECTORS.resolve(name + ".bin"));
        JsonNode expectedJson = JSON.readTree(VECTORS.resolve(name + ".json").toFile());
        String expectedDump = Files.readString(VECTORS.resolve(name + ".dump"), StandardCharsets.UTF_8);
        if (name.startsWith("request-")) {
            Request request = Request.decode(bytes);
            assertEquals(expectedJson, json(request), name + ".json");
            assertEquals(expectedDump, dump(request), name + ".dump");
            assertArrayEquals(bytes, request.encode(), "re-encoded " + name);
            assertEquals(request, Request.decode(request.encode()));
        } else {
            Response response = Response.decode(bytes);
            assertEquals(expectedJson, json(response), name + ".json");
            assertEquals(expectedDump, dump(response), name + ".dump");
            assertArrayEquals(bytes, response.encode(), "re-encoded " + name);
        }
    }

    @ParameterizedTest
    @MethodSource("invalidVectors")
    void rejectsInvalidMessagesAtTheSameOffset(String name) throws Exception {
        byte[] bytes = Files.readAllBytes(VECTORS.resolve(name + ".bin"));
        String[] expected = Files.readString(VECTORS.resolve(name + ".error"), StandardCharsets.UTF_8).strip().split("\t", 2);
        WireException e = assertThrows(WireException.class, () -> {
            if (name.contains("as-request") || !isResponse(bytes)) {
                Request.decode(bytes);
            } else {
                Response.decode(bytes);
            }
        });
        assertEquals(Integer.parseInt(expected[0]), e.offset(), name + ": " + e.getMessage());
        assertTrue(e.getMessage().startsWith("invalid sandcrate wire message at byte "), e.getMessage());
    }

    /** Which decoder the Rust test used: messages whose header says "response" went through Response::decode. */
    private static boolean isResponse(byte[] bytes) {
        return bytes.length > 6 && bytes[6] == 2;
    }

    // --- the vectors' JSON and dump renderings, built from the Java model ---

    private static String dump(Request r) {
        StringBuilder out = new StringBuilder();
        if (r.attr() != null) {
            dumpInput(out, "attr", r.attr());
        }
        dumpInput(out, "input", r.input());
        return out.toString();
    }

    private static void dumpInput(StringBuilder out, String label, Input input) {
        switch (input) {
            case Input.Tokens t -> out.append("== ").append(label).append('\n').append(TokenDump.dump(t.stream()));
            case Input.Source s -> out.append("== ").append(label).append(": source text of ").append(s.file()).append('\n');
        }
    }

    private static String dump(Response r) {
        return switch (r.outcome()) {
            case Outcome.Expanded e -> "== expanded\n" + TokenDump.dump(e.stream());
            case Outcome.Panicked p -> "== panicked: " + p.message() + "\n";
            case Outcome.Failed f -> "== failed: " + f.message() + "\n";
            case Outcome.NeedsInputs n -> "== needs inputs: current dir " + n.currentDir() + ", " + String.join(", ", n.paths()) + "\n";
        };
    }

    private static JsonNode json(Request r) {
        ObjectNode request = NODES.objectNode();
        request.put("kind", camel(r.kind().name()));
        request.put("name", r.name());
        request.set("spans", spans(r.spans()));
        request.put("def_site", r.defSite());
        request.put("call_site", r.callSite());
        request.put("mixed_site", r.mixedSite());
        request.set("attr", r.attr() == null ? NODES.nullNode() : input(r.attr()));
        request.set("input", input(r.input()));
        var env = NODES.arrayNode();
        r.env().forEach((k, v) -> env.add(NODES.arrayNode().add(k).add(v)));
        request.set("env", env);
        if (r.inputs() != null) {
            ObjectNode inputs = request.putObject("inputs");
            inputs.put("current_dir", r.inputs().currentDir());
            ArrayNode files = inputs.putArray("files");
            for (FileInputs.FileInput f : r.inputs().files()) {
                ObjectNode file = files.addObject().put("path", f.path());
                switch (f.entry()) {
                    case FileInputs.FileEntry.Missing m -> file.put("missing", true);
                    case FileInputs.FileEntry.Denied d -> file.put("denied", d.reason());
                    case FileInputs.FileEntry.File c -> {
                        file.put("canonical", c.canonical());
                        modified(file, c.modified());
                        file.put("contents_hex", java.util.HexFormat.of().formatHex(c.contents()));
                    }
                    case FileInputs.FileEntry.Dir d -> {
                        file.put("canonical", d.canonical());
                        modified(file, d.modified());
                        ArrayNode entries = file.putArray("entries");
                        d.entries().forEach(e -> entries.addArray().add(e.name()).add(camel(e.kind().name())));
                    }
                }
            }
        }
        return NODES.objectNode().set("request", request);
    }

    private static void modified(ObjectNode file, FileInputs.Modified m) {
        if (m == null) {
            file.putNull("modified");
        } else {
            file.putObject("modified").put("seconds", m.seconds()).put("nanos", m.nanos());
        }
    }

    private static JsonNode json(Response r) {
        ObjectNode response = NODES.objectNode();
        response.put("first_span_id", r.firstSpanId());
        response.set("spans", spans(r.spans()));
        response.set("diagnostics", diagnostics(r.diagnostics()));
        ObjectNode outcome = NODES.objectNode();
        switch (r.outcome()) {
            case Outcome.Expanded e -> outcome.set("expanded", stream(e.stream()));
            case Outcome.Panicked p -> {
                ObjectNode panicked = outcome.putObject("panicked");
                panicked.put("message", p.message());
                if (p.location() == null) {
                    panicked.putNull("location");
                } else {
                    panicked.putObject("location").put("file", p.location().file())
                            .put("line", p.location().line()).put("column", p.location().column());
                }
            }
            case Outcome.Failed f -> outcome.put("failed", f.message());
            case Outcome.NeedsInputs n -> {
                ObjectNode needs = outcome.putObject("needs_inputs");
                needs.put("current_dir", n.currentDir());
                n.paths().forEach(needs.putArray("paths")::add);
            }
        }
        response.set("outcome", outcome);
        return NODES.objectNode().set("response", response);
    }

    private static String camel(String enumName) {
        return enumName.charAt(0) + enumName.substring(1).toLowerCase();
    }

    private static ArrayNode spans(List<SpanInfo> spans) {
        ArrayNode out = NODES.arrayNode();
        for (SpanInfo span : spans) {
            ObjectNode entry = out.addObject();
            switch (span) {
                case SpanInfo.Located l -> entry.putObject("located")
                        .put("file", l.file()).put("local", l.local())
                        .put("start_line", l.startLine()).put("start_column", l.startColumn())
                        .put("end_line", l.endLine()).put("end_column", l.endColumn())
                        .put("byte_start", l.byteStart()).put("byte_end", l.byteEnd())
                        .put("source_text", l.sourceText());
                case SpanInfo.ResolvedAt r -> entry.putObject("resolved_at").put("position", r.position()).put("context", r.context());
                case SpanInfo.Join j -> entry.putObject("join").put("first", j.first()).put("second", j.second());
                case SpanInfo.Subspan s -> entry.putObject("subspan").put("base", s.base()).put("start", s.start()).put("end", s.end());
                case SpanInfo.Start s -> entry.putObject("start").put("base", s.base());
                case SpanInfo.End e -> entry.putObject("end").put("base", e.base());
            }
        }
        return out;
    }

    private static ObjectNode input(Input input) {
        ObjectNode out = NODES.objectNode();
        switch (input) {
            case Input.Tokens t -> out.set("tokens", stream(t.stream()));
            case Input.Source s -> out.putObject("source").put("file", s.file()).put("text", s.text());
        }
        return out;
    }

    private static ArrayNode stream(List<TokenTree> stream) {
        ArrayNode out = NODES.arrayNode();
        for (TokenTree tree : stream) {
            ObjectNode node = out.addObject();
            switch (tree) {
                case TokenTree.Group g -> {
                    node.put("group", camel(g.delimiter().name()));
                    node.put("span", g.span()).put("open", g.open()).put("close", g.close());
                    node.set("stream", stream(g.stream()));
                }
                case TokenTree.Punct p -> node.put("punct", String.valueOf(p.ch()))
                        .put("spacing", camel(p.spacing().name())).put("span", p.span());
                case TokenTree.Ident i -> node.put("ident", i.name()).put("raw", i.raw()).put("span", i.span());
                case TokenTree.Literal l -> node.put("literal", l.text()).put("span", l.span());
            }
        }
        return out;
    }

    private static ArrayNode diagnostics(List<Diagnostic> diagnostics) {
        ArrayNode out = NODES.arrayNode();
        for (Diagnostic d : diagnostics) {
            ObjectNode node = out.addObject();
            node.put("level", camel(d.level().name()));
            node.put("message", d.message());
            ArrayNode spans = node.putArray("spans");
            d.spans().forEach(spans::add);
            node.set("children", diagnostics(d.children()));
        }
        return out;
    }
}

package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.artifact.ArtifactManifest;
import dev.sandcrate.precompile.pipeline.NativeOracle.Case;
import dev.sandcrate.precompile.source.CrateSource;
import dev.sandcrate.precompile.source.CrateSources;
import dev.sandcrate.precompile.source.UnpackedCrateFolderSource;
import dev.sandcrate.runtime.wire.Request;
import dev.sandcrate.runtime.wire.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real macro crates from Debian, precompiled by the pipeline and run in the sandbox runtime, against the same
 * macro compiled natively under rustc's real proc_macro server: every token (kind, text, spacing, delimiters)
 * must match, including compile errors (whose span must point at the offending input token) and panics.
 */
class DebianMacroExpansionTest {
    /** What a case must produce natively, so that a test cannot pass by comparing two empty results. */
    /**
     * ABORTED: natively a compile_error! that proc-macro-error's abort! produces by unwinding to its entry point,
     * which turns the diagnostics it stored into tokens. wasm has no unwinding (panic=abort), so in the sandbox the
     * abort is a panic and the stored message is lost: the build still fails at the macro call, with a poorer message.
     */
    enum Expect { EXPANSION, COMPILE_ERROR, PANIC, ABORTED }

    record Check(Case c, Expect expect, String errorAt) {
        static Check ok(String id, String macro, String attr, String input) {
            return new Check(new Case(id, macro, attr, input), Expect.EXPANSION, null);
        }

        static Check error(String id, String macro, String attr, String input, String errorAt) {
            return new Check(new Case(id, macro, attr, input), Expect.COMPILE_ERROR, errorAt);
        }

        static Check aborted(String id, String macro, String input) {
            return new Check(new Case(id, macro, null, input), Expect.ABORTED, null);
        }

        static Check panic(String id, String macro, String input) {
            return new Check(new Case(id, macro, null, input), Expect.PANIC, null);
        }
    }

    @Test
    void serdeDerive(@TempDir Path work) throws Exception {
        compare("serde_derive-1.0.152", TestEnv.debian(), work, List.of(
                Check.ok("ser-struct", "Serialize", null, """
                        #[serde(rename_all = "camelCase")]
                        pub struct User<'a, T: Clone> {
                            user_id: u64,
                            #[serde(skip_serializing_if = "Option::is_none")]
                            nick: Option<&'a str>,
                            #[serde(flatten)]
                            extra: T,
                        }"""),
                Check.ok("ser-enum", "Serialize", null, """
                        #[serde(tag = "type", content = "data")]
                        enum Event { Click { x: i32, y: i32 }, Key(char), #[serde(rename = "bye")] Quit }"""),
                Check.ok("ser-newtype", "Serialize", null, "#[serde(transparent)] struct Meters(f64);"),
                Check.error("ser-bad-rename", "Serialize", null, "struct Bad {\n    #[serde(rename = 1)]\n    x: u8,\n}", "1)"),
                Check.ok("de-struct", "Deserialize", null, """
                        #[serde(deny_unknown_fields)]
                        struct Config { #[serde(default)] port: u16, host: String, #[serde(alias = "lvl")] level: Option<u8> }"""),
                Check.ok("de-untagged", "Deserialize", null, """
                        #[serde(untagged)]
                        enum Value<'a> { Int(i64), #[serde(borrow)] Str(&'a str), List(Vec<u8>) }"""),
                Check.error("de-tag-tuple", "Deserialize", null, "#[serde(tag = \"t\")]\nenum E { A(u8, u8) }", "A(")));
    }

    @Test
    void thiserrorImpl(@TempDir Path work) throws Exception {
        compare("thiserror-impl-1.0.38", TestEnv.debian(), work, List.of(
                Check.ok("enum", "Error", null, """
                        pub enum DataStoreError {
                            #[error("data store disconnected")]
                            Disconnect(#[from] std::io::Error),
                            #[error("the data for key `{0}` is not available")]
                            Redaction(String),
                            #[error("invalid header (expected {expected:?}, found {found:?})")]
                            InvalidHeader { expected: String, found: String },
                            #[error("unknown data store error")]
                            Unknown,
                        }"""),
                Check.ok("struct-source", "Error", null, """
                        #[error("{msg} at line {line}")]
                        pub struct ParseError { msg: String, line: usize, #[source] cause: Box<dyn std::error::Error + Send + Sync> }"""),
                Check.ok("transparent", "Error", null, "pub enum E { #[error(transparent)] Other(#[from] std::fmt::Error) }"),
                Check.error("transparent-two-fields", "Error", null, "pub enum E {\n    #[error(transparent)]\n    Two(u8, u8),\n}", "#[error")));
    }

    @Test
    void asyncTrait(@TempDir Path work) throws Exception {
        compare("async-trait-0.1.56", TestEnv.debian(), work, List.of(
                Check.ok("trait", "async_trait", "", """
                        pub trait Store {
                            async fn get(&self, key: &str) -> Option<Vec<u8>>;
                            async fn put(&mut self, key: String, value: Vec<u8>);
                            fn name(&self) -> &'static str { "store" }
                        }"""),
                Check.ok("impl", "async_trait", "", """
                        impl Store for Memory {
                            async fn get(&self, key: &str) -> Option<Vec<u8>> { self.map.get(key).cloned() }
                            async fn put(&mut self, key: String, value: Vec<u8>) { self.map.insert(key, value); }
                        }"""),
                Check.ok("not-send", "async_trait", "?Send", "trait Local { async fn run<'a>(&'a self, x: &'a mut u32) -> u32 where Self: Sized; }"),
                Check.error("not-a-trait", "async_trait", "", "struct NotATrait;", "struct")));
    }

    @Test
    void pasteFunctionLikeMacro(@TempDir Path work) throws Exception {
        compare("paste-1.0.7", TestEnv.debian(), work, List.of(
                Check.ok("getter", "paste", null, "impl S { fn [<get_ field>](&self) -> u32 { self.field } }"),
                Check.ok("case-modifiers", "paste", null, "const [<MAX_ len:upper>]: usize = 8; struct [<my_type:camel>];"),
                Check.ok("doc", "paste", null, "#[doc = \"see \" [<get_ x>]] fn f() {}"),
                Check.error("bad-paste", "paste", null, "fn [<a - b>]() {}", "-"),
                // env! segments read the variables cargo sets for the crate being compiled; others are absent
                Check.ok("env-segment", "paste", null, "fn [<get_ env!(\"CARGO_CRATE_NAME\") _v env!(\"CARGO_PKG_VERSION_MAJOR\")>]() {}"),
                Check.error("env-unset", "paste", null, "fn [<a env!(\"SANDCRATE_NOT_SET\")>]() {}", "\"SANDCRATE_NOT_SET\"")));
    }

    /** getset's build runs proc-macro-error-attr (a proc-macro dependency) natively; its #[proc_macro_error] wraps every derive. */
    @Test
    void getsetBuiltWithItsProcMacroDependency(@TempDir Path work) throws Exception {
        compareCorpusCrate("getset-0.1.2", work, List.of(
                Check.ok("getters", "Getters", null, "#[getset(get = \"pub\")] struct Foo<T> { x: u32, #[getset(get = \"pub with_prefix\")] label: T }"),
                Check.ok("setters", "Setters", null, "#[set = \"pub\"] struct Foo { x: u32, #[set] y: Vec<u8> }"),
                Check.aborted("unnamed-field", "Getters", "struct T(#[get] u32);")));
    }

    /** strum_macros names its derives under #[cfg_attr(feature = ..., proc_macro_derive(...))]: the default names. */
    @Test
    void strumMacrosDeclaredThroughCfgAttr(@TempDir Path work) throws Exception {
        compareCorpusCrate("strum_macros-0.19.2", work, List.of(
                Check.ok("enum-string", "EnumString", null, """
                        #[strum(serialize_all = "snake_case")]
                        enum Color { #[strum(serialize = "b", serialize = "blue")] Blue { shade: u8 }, #[strum(disabled)] Hidden, GreenYellow(u32) }"""),
                Check.ok("display", "Display", null, "enum E { #[strum(to_string = \"A!\")] A, B(u8) }"),
                Check.ok("discriminants", "EnumDiscriminants", null, "#[strum_discriminants(derive(Hash))] enum E { A(u8), B { x: u16 } }"),
                Check.ok("variant-names", "EnumVariantNames", null, "#[strum(serialize_all = \"kebab_case\")] enum E { FirstOne, SecondTwo }")));
    }

    /** zeroize_derive declares its derives with synstructure's decl_derive! (synstructure 0.12 gets a compat patch). */
    @Test
    void zeroizeDeriveDeclaredThroughSynstructure(@TempDir Path work) throws Exception {
        compareCorpusCrate("zeroize_derive-1.3.3", work, List.of(
                Check.ok("zeroize-struct", "Zeroize", null, "#[zeroize(drop)] struct Secret { key: [u8; 32], #[zeroize(skip)] id: u32 }"),
                Check.ok("zeroize-enum", "Zeroize", null, "enum Choice<T> { A(Vec<u8>), B { x: T } }"),
                Check.ok("on-drop", "ZeroizeOnDrop", null, "struct S { a: String, #[zeroize(skip)] b: u8 }")));
    }

    /** proc-quote-impl's #[proc_macro_hack] functions: the bang macro and the derive its declaring crate's hack calls. */
    @Test
    void procQuoteImplDeclaredThroughProcMacroHack(@TempDir Path work) throws Exception {
        compareCorpusCrate("proc-quote-impl-0.3.2", work, List.of(
                Check.ok("bang", "proc_macro_hack_quote", null, "impl #name { fn get(&self) -> #ty { #(#fields)+* } }"),
                Check.ok("hack-derive", "_proc_macro_hack_quote_spanned", null,
                        "#[allow(dead_code)] enum ProcMacroHack { Value = (stringify! { span => let #x = 1; }, 0).1, }")));
    }

    /** phf_generator seeds rand's SmallRng, whose algorithm depends on the pointer width (a compat patch). */
    @Test
    void phfMacrosLayOutTheirTablesAsOn64BitHosts(@TempDir Path work) throws Exception {
        compareCorpusCrate("phf_macros-0.10.0", work, List.of(
                Check.ok("map", "proc_macro_hack_phf_map", null, "\"salmon\" => 1, \"pink\" => 2, \"teal\" => 3, \"plum\" => 4, \"navy\" => 5"),
                Check.ok("set", "proc_macro_hack_phf_set", null, "\"a\", \"b\", \"c\"")));
    }

    /**
     * Natively syn comes with the features of the whole consumer graph, and rkyv_derive parses expressions that syn
     * parses only with {@code full}, which it does not ask for: it panicked in the sandbox before syn's features were
     * unified (gtk3-macros and gtk4-macros, which clone syn types without {@code clone-impls}, did not even build).
     */
    @Test
    void rkyvDeriveParsesExpressionsWithSynFull(@TempDir Path work) throws Exception {
        compareCorpusCrate("rkyv_derive-0.7.39", work, List.of(
                Check.ok("archive", "Archive", null, "pub struct Duration { secs: i64, nanos: i32 }")));
    }

    /** time-macros declares date!, time!, ... through its own macro_rules! impl_macros at the crate root. */
    @Test
    void timeMacrosDeclaredThroughMacroRules(@TempDir Path work) throws Exception {
        compareCorpusCrate("time-macros-0.2.4", work, List.of(
                Check.ok("date", "date", null, "2020-01-31"),
                Check.ok("time", "time", null, "12:30:05.5"),
                Check.ok("format", "format_description", null, "\"[year]-[month]\"")));
    }

    @Test
    void panickingMacroAndCfgGatedMacros(@TempDir Path work) throws Exception {
        CrateSource sources = CrateSources.layered(List.of(new UnpackedCrateFolderSource(TestEnv.TEST_CRATES), TestEnv.debian()));
        compare("sandcrate-test-macros", sources, work, List.of(
                Check.ok("shout", "shout", null, "let x = y + 1;"),
                Check.ok("describe", "Describe", null, "pub struct Point { x: i32 }"),
                // usize and isize hash as on the 64-bit host (std built for the sandbox): wasm32's are 4 bytes
                Check.ok("hashed", "hashed", null, "pub fn spin(turns: usize) -> isize { -1 }"),
                Check.panic("describe-enum", "Describe", "enum E { A }")));
    }

    /** A crate folder of the whole Debian corpus (scripts/debian-corpus.sh), its dependencies from the same corpus. */
    private static void compareCorpusCrate(String crateFolder, Path work, List<Check> checks) throws Exception {
        Path corpus = TestEnv.debianCorpus();
        compare(corpus.resolve(crateFolder), new UnpackedCrateFolderSource(corpus), work, checks);
    }

    private static void compare(String crateFolder, CrateSource deps, Path work, List<Check> checks) throws Exception {
        Path folder = crateFolder.startsWith("sandcrate-") ? TestEnv.TEST_CRATES.resolve(crateFolder) : TestEnv.DEBIAN_REGISTRY.resolve(crateFolder);
        compare(folder, deps, work, checks);
    }

    private static void compare(Path folder, CrateSource deps, Path work, List<Check> checks) throws Exception {
        MacroCrate macro = MacroCrate.load(folder);
        BuildRecord record = TestEnv.artifact(macro, FeatureSet.defaults(), deps);
        byte[] wasm = Files.readAllBytes(cacheFolderOf(record, macro).resolve(record.artifact()));
        ArtifactManifest manifest = ArtifactManifest.of(wasm);

        Map<String, String> native_ = NativeOracle.expand(manifest, deps, checks.stream().map(Check::c).toList(), work);
        SandboxedExpansion sandbox = new SandboxedExpansion(wasm);
        List<String> failures = new ArrayList<>();
        for (Check check : checks) {
            Case c = check.c();
            String expected = native_.get(c.id()).strip();
            switch (check.expect()) {
                case EXPANSION -> assertFalse(expected.startsWith("panicked") || expected.contains("ident compile_error"),
                        c.id() + ": natively this input should expand:\n" + expected);
                case COMPILE_ERROR, ABORTED -> assertTrue(expected.contains("ident compile_error"), c.id() + ": natively a compile error:\n" + expected);
                case PANIC -> assertTrue(expected.startsWith("panicked: "), c.id() + ": natively a panic:\n" + expected);
            }
            String kindName = manifest.macros().stream().filter(m -> m.name().equals(c.macroName())).findFirst().orElseThrow().kind();
            Request.MacroKind kind = switch (kindName) {
                case "derive" -> Request.MacroKind.DERIVE;
                case "attr" -> Request.MacroKind.ATTR;
                default -> Request.MacroKind.BANG;
            };
            Response response = sandbox.expand(kind, c.macroName(), c.attr(), c.input());
            String actual = SandboxedExpansion.render(response).strip();
            if (check.expect() == Expect.ABORTED) {
                // still an error at the call, but without the macro's message (docs/precompile-service.md)
                if (!actual.equals("panicked: proc macro panicked")) failures.add(c.id() + ": expected the abort as a panic, got\n" + head(actual));
                continue;
            }
            if (!expected.equals(actual)) {
                failures.add(c.id() + " differs:\n--- native\n" + head(expected) + "\n--- sandboxed\n" + head(actual));
                continue;
            }
            if (check.errorAt() != null) {
                List<Integer> spans = SandboxedExpansion.compileErrorSpans(response);
                assertFalse(spans.isEmpty(), c.id() + ": no compile_error! in the sandboxed output");
                String where = SandboxedExpansion.location(response, spans.getFirst());
                assertEquals(position(c.input(), check.errorAt()), where, c.id() + ": compile_error! span");
            }
        }
        assertEquals(List.of(), failures, String.join("\n\n", failures));
    }

    private static Path cacheFolderOf(BuildRecord record, MacroCrate macro) throws Exception {
        try (var dirs = Files.list(dev.sandcrate.precompile.toolchain.WasmStd.cacheRoot().resolve("fixtures"))) {
            return dirs.filter(d -> Files.isRegularFile(d.resolve(record.artifact() + ".build.json")))
                    .filter(d -> d.getFileName().toString().startsWith(macro.name() + "-" + macro.version() + "-"))
                    .filter(d -> BuildRecord.read(d.resolve(record.artifact() + ".build.json")).artifactSha256().equals(record.artifactSha256()))
                    .findFirst().orElseThrow();
        }
    }

    /** 1-based line:column of the first occurrence of {@code marker} in {@code text}. */
    private static String position(String text, String marker) {
        int at = text.indexOf(marker);
        assertTrue(at >= 0, "marker " + marker);
        int line = 1 + (int) text.substring(0, at).chars().filter(ch -> ch == '\n').count();
        int column = at - (text.lastIndexOf('\n', at - 1) + 1) + 1;
        return line + ":" + column;
    }

    private static String head(String s) {
        return s.length() > 3000 ? s.substring(0, 3000) + "\n..." : s;
    }
}

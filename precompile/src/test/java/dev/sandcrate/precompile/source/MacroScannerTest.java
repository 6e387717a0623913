package dev.sandcrate.precompile.source;

import dev.sandcrate.precompile.PrecompileException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class MacroScannerTest {
    @Test
    void findsAllThreeKindsAndBlanksOnlyTheirAttributes() {
        String src = """
                //! #[proc_macro] in a doc comment is not a macro
                use proc_macro::TokenStream;
                /* #[proc_macro_derive(Fake)] */
                const S: &str = "#[proc_macro] pub fn fake() {}";
                const R: &str = r#"#[proc_macro_attribute] "quoted" "#;
                const C: char = '#';
                fn helper<'a>(x: &'a str) -> &'a str { x }

                #[proc_macro_derive(Builder, attributes(builder, setter))]
                pub fn derive_builder(input: TokenStream) -> TokenStream { input }

                #[cfg(feature = "attr")]
                #[proc_macro_attribute]
                pub fn instrument(_a: TokenStream, item: TokenStream) -> TokenStream { item }

                #[doc = "bang"]
                #[proc_macro]
                pub fn make(input: TokenStream) -> TokenStream {
                    let _ = "#[proc_macro] inside a body";
                    input
                }
                """;
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(List.of(
                new MacroDecl("derive", "Builder", "derive_builder", List.of("builder", "setter"), List.of()),
                new MacroDecl("attr", "instrument", "instrument", List.of(), List.of("feature = \"attr\"")),
                new MacroDecl("bang", "make", "make", List.of(), List.of())), r.macros());
        String out = r.rewrittenSource();
        assertFalse(out.contains("#[proc_macro_derive(Builder"), out);
        assertFalse(out.contains("#[proc_macro_attribute]\n"), out);
        assertTrue(out.contains("#[cfg(feature = \"attr\")]"), "cfg stays on the function");
        assertTrue(out.contains("\"#[proc_macro] pub fn fake() {}\""), "string literals are untouched");
        assertTrue(out.contains("\"#[proc_macro] inside a body\""));
        assertTrue(out.endsWith("extern crate proc_macro;\n"));
        assertEquals(src.lines().count() + 2, out.lines().count(), "no line moves; two lines appended");
        assertEquals(src.indexOf("pub fn derive_builder"), out.indexOf("pub fn derive_builder"), "columns stay");
    }

    @Test
    void keepsAnExistingExternCrate() {
        String src = "extern crate proc_macro;\n#[proc_macro]\npub fn m(i: proc_macro::TokenStream) -> proc_macro::TokenStream { i }\n";
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(1, r.rewrittenSource().split("extern crate proc_macro", -1).length - 1);
    }

    @Test
    void aMacroAttributeInsideCfgAttrIsAMacroUnderThatPredicate() {
        String src = """
                #[cfg_attr(
                    not(feature = "verbose"),
                    proc_macro_derive(EnumString, attributes(strum))
                )]
                #[cfg_attr(feature = "verbose", proc_macro_derive(StrumEnumString, attributes(strum)),)]
                #[cfg(unix)]
                pub fn from_string(input: TokenStream) -> TokenStream { input }

                #[cfg_attr(feature = "bang", proc_macro)]
                pub fn make(input: TokenStream) -> TokenStream { input }

                #[cfg_attr(feature = "doc", doc = "proc_macro is only mentioned in a string")]
                fn helper() {}
                """;
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(List.of(
                new MacroDecl("derive", "EnumString", "from_string", List.of("strum"), List.of("unix", "not(feature = \"verbose\")")),
                new MacroDecl("derive", "StrumEnumString", "from_string", List.of("strum"), List.of("unix", "feature = \"verbose\"")),
                new MacroDecl("bang", "make", "make", List.of(), List.of("feature = \"bang\""))), r.macros());
        String out = r.rewrittenSource();
        assertFalse(out.contains("proc_macro_derive"), out);
        assertFalse(out.contains("feature = \"bang\""), out);
        assertTrue(out.contains("#[cfg_attr(feature = \"doc\", doc = "), "other cfg_attrs stay");
        assertEquals(src.indexOf("pub fn from_string"), out.indexOf("pub fn from_string"), "no line or column moves");
    }

    @Test
    void synstructureDeclDeriveDeclaresDerivesAndBecomesAPlainFunction() {
        String src = """
                //! Derives.
                #![forbid(unsafe_code)]
                #![warn(rust_2018_idioms)]
                use synstructure::{decl_derive, Structure};

                decl_derive!(
                    [Zeroize, attributes(zeroize)] =>
                    /// Derive the `Zeroize` trait.
                    derive_zeroize
                );
                decl_derive!([Error, attributes(error, source)] => #[proc_macro_error] error_derive);
                synstructure::decl_derive!([Plain] => plain);

                fn derive_zeroize(s: Structure<'_>) -> proc_macro2::TokenStream { s.gen_impl(quote::quote!()) }
                """;
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(List.of(
                new MacroDecl("derive", "Zeroize", "Zeroize", List.of("zeroize"), List.of()),
                new MacroDecl("derive", "Error", "Error", List.of("error", "source"), List.of()),
                new MacroDecl("derive", "Plain", "Plain", List.of(), List.of())), r.macros());
        List<String> lines = r.rewrittenSource().lines().toList();
        assertTrue(lines.get(3).startsWith("/* sandcrate: decl_derive! as a plain function */ macro_rules! decl_derive {")
                && lines.get(3).endsWith("use synstructure::{decl_derive, Structure};"), "defined before the first item, on its line: " + lines.get(3));
        assertFalse(lines.get(3).contains("proc_macro_derive"), lines.get(3));
        assertEquals("decl_derive!([Error, attributes(error, source)] => #[proc_macro_error(allow_not_macro, assert_unwind_safe)] error_derive);", lines.get(10));
        assertEquals(src.lines().count() + 2, lines.size(), "no line moves; extern crate appended");
        assertEquals(src.lines().toList().get(6), lines.get(6), "the invocations stay as written");
    }

    @Test
    void procMacroHackFunctionsDeclareTheTwoMacrosProcMacroHackGenerates() {
        String src = """
                use proc_macro::TokenStream;
                use proc_macro_hack::proc_macro_hack;

                #[proc_macro_hack]
                pub fn quote(input: TokenStream) -> TokenStream { input }

                #[cfg(feature = "ordered")]
                #[proc_macro_error]
                #[::proc_macro_hack::proc_macro_hack]
                pub fn phf_ordered_map(input: TokenStream) -> TokenStream { input }
                """;
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(List.of(
                new MacroDecl("bang", "proc_macro_hack_quote", "quote", List.of(), List.of()),
                new MacroDecl("derive", "_proc_macro_hack_quote", "_proc_macro_hack_quote", List.of(), List.of()),
                new MacroDecl("bang", "proc_macro_hack_phf_ordered_map", "phf_ordered_map", List.of(), List.of("feature = \"ordered\"")),
                new MacroDecl("derive", "_proc_macro_hack_phf_ordered_map", "_proc_macro_hack_phf_ordered_map", List.of(), List.of("feature = \"ordered\""))),
                r.macros());
        String out = r.rewrittenSource();
        assertFalse(out.contains("#[proc_macro_hack]") || out.contains("#[::proc_macro_hack"), out);
        assertEquals(src.lines().toList().indexOf("pub fn phf_ordered_map(input: TokenStream) -> TokenStream { input }"),
                out.lines().toList().indexOf("pub fn phf_ordered_map(input: TokenStream) -> TokenStream { input }"), "no line moves");
        assertTrue(out.contains("pub fn _proc_macro_hack_quote(input: ::proc_macro::TokenStream)"), out);
        assertTrue(out.contains("#[cfg(feature = \"ordered\")]\n#[doc(hidden)]\n#[allow(non_snake_case, unused_imports)]\npub fn _proc_macro_hack_phf_ordered_map("), out);
        assertTrue(out.contains("#[proc_macro_error(allow_not_macro, assert_unwind_safe)]\n"), "proc_macro_error sees no macro attribute");
        assertFalse(out.substring(src.length()).contains("proc_macro_derive"));
    }

    @Test
    void refusesACfgAttrThatAppliesOtherAttributesWithTheMacroOne() {
        String src = "#[cfg_attr(feature = \"x\", proc_macro, inline)]\npub fn m() {}\n";
        PrecompileException e = assertThrows(PrecompileException.class, () -> MacroScanner.scan(src, "lib.rs"));
        assertTrue(e.getMessage().contains("cfg_attr(feature = \"x\", proc_macro, inline)"), e.getMessage());
    }

    /** time-macros' and derive_more's way: the macro functions come out of a macro_rules! at the root. */
    @Test
    void macroRulesAtTheRootDeclareTheMacrosOfTheirInvocations() {
        String src = """
                use proc_macro::TokenStream;
                macro_rules! impl_macros {
                    ($($name:ident)*) => {$(
                        #[proc_macro]
                        pub fn $name(input: TokenStream) -> TokenStream { input }
                    )*};
                }
                impl_macros![date time];
                macro_rules! create_derive(
                    ($feature:literal, $mod_:ident, $trait_:ident, $fn_name: ident $(,$attribute:ident)* $(,)?) => {
                        #[cfg(feature = $feature)]
                        #[proc_macro_derive($trait_, attributes($($attribute),*))]
                        #[doc(hidden)]
                        pub fn $fn_name(input: TokenStream) -> TokenStream { $mod_::expand(input, stringify!($trait_)) }
                    }
                );
                create_derive!("from", from, From, from_derive, from);
                #[cfg(test)]
                create_derive!(
                    "add_assign",
                    add_assign_like,
                    AddAssign,
                    add_assign_derive,
                );
                """;
        MacroScanner.Result r = MacroScanner.scan(src, "lib.rs");
        assertEquals(List.of(
                new MacroDecl(MacroDecl.BANG, "date", "date", List.of(), List.of()),
                new MacroDecl(MacroDecl.BANG, "time", "time", List.of(), List.of()),
                new MacroDecl(MacroDecl.DERIVE, "From", "from_derive", List.of("from"), List.of("feature = \"from\"")),
                new MacroDecl(MacroDecl.DERIVE, "AddAssign", "add_assign_derive", List.of(), List.of("test", "feature = \"add_assign\""))),
                r.macros());
        String rewritten = r.rewrittenSource();
        assertFalse(rewritten.contains("#[proc_macro"), rewritten);
        assertTrue(rewritten.contains("#[cfg(feature = $feature)]"), "other attributes of the body stay: " + rewritten);
        assertEquals(src.lines().count(), rewritten.lines().count() - 2, "no line moves (extern crate proc_macro is appended)");
    }

    @Test
    void readsMacrosThatDebianCratesDeclareThroughMacroRules() throws Exception {
        Path corpus = dev.sandcrate.precompile.pipeline.TestEnv.debianCorpus();
        List<MacroDecl> time = MacroScanner.scan(Files.readString(corpus.resolve("time-macros-0.2.4/src/lib.rs")), "lib.rs").macros();
        assertEquals(List.of("date", "datetime", "offset", "time", "format_description", "serde_format_description"),
                time.stream().map(MacroDecl::name).toList());
        List<MacroDecl> derives = MacroScanner.scan(Files.readString(corpus.resolve("derive_more-0.99.11/src/lib.rs")), "lib.rs").macros();
        MacroDecl from = derives.stream().filter(m -> m.name().equals("From")).findFirst().orElseThrow();
        assertEquals(new MacroDecl(MacroDecl.DERIVE, "From", "from_derive", List.of("from"), List.of("feature = \"from\"")), from);
        assertTrue(derives.size() > 30, derives.toString());
        assertTrue(derives.stream().allMatch(m -> m.kind().equals(MacroDecl.DERIVE) && m.cfg().size() == 1), derives.toString());
    }

    @Test
    void readsRealDebianMacroCrates() throws Exception {
        Path registry = Path.of("/usr/share/cargo/registry");
        List<MacroDecl> serde = MacroScanner.scan(Files.readString(registry.resolve("serde_derive-1.0.152/src/lib.rs")), "lib.rs").macros();
        assertEquals(List.of("Serialize", "Deserialize"), serde.stream().map(MacroDecl::name).toList());
        assertEquals(List.of("serde"), serde.getFirst().attributes());
        List<MacroDecl> thiserror = MacroScanner.scan(Files.readString(registry.resolve("thiserror-impl-1.0.38/src/lib.rs")), "lib.rs").macros();
        assertEquals(List.of(new MacroDecl("derive", "Error", "derive_error", List.of("backtrace", "error", "from", "source"), List.of())), thiserror);
        List<MacroDecl> asyncTrait = MacroScanner.scan(Files.readString(registry.resolve("async-trait-0.1.56/src/lib.rs")), "lib.rs").macros();
        assertEquals(List.of(new MacroDecl("attr", "async_trait", "async_trait", List.of(), List.of())), asyncTrait);
    }

    @Test
    void procMacroErrorOnAMacroFunctionKeepsBehavingAsOnAMacro() {
        String src = """
                #[proc_macro_derive(Getters, attributes(get))]
                #[proc_macro_error]
                pub fn getters(input: TokenStream) -> TokenStream { input }

                #[proc_macro_error(proc_macro_hack)]
                #[proc_macro]
                pub fn hacked(input: TokenStream) -> TokenStream { input }

                #[proc_macro_error(allow_not_macro)]
                #[proc_macro]
                pub fn already(input: TokenStream) -> TokenStream { input }

                #[proc_macro_error]
                fn not_a_macro() {}
                """;
        String rewritten = MacroScanner.scan(src, "lib.rs").rewrittenSource();
        List<String> lines = rewritten.lines().toList();
        assertEquals("#[proc_macro_error(allow_not_macro, assert_unwind_safe)]", lines.get(1));
        assertEquals("#[proc_macro_error(proc_macro_hack, allow_not_macro, assert_unwind_safe)]", lines.get(4));
        assertEquals("#[proc_macro_error(allow_not_macro, assert_unwind_safe)]", lines.get(8));
        assertEquals("#[proc_macro_error]", lines.get(12), "a function that is not a macro keeps the attribute as it is");
        assertEquals("pub fn getters(input: TokenStream) -> TokenStream { input }", lines.get(2), "the function's line is unchanged");
    }
}

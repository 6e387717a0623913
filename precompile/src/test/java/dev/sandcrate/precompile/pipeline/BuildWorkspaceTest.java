package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.source.MacroDecl;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BuildWorkspaceTest {
    @Test
    void aSetWithoutMacrosSaysWhatEachMacroNeeds() {
        List<MacroDecl> declared = List.of(
                new MacroDecl(MacroDecl.BANG, "gettext_language_loader", "gettext_language_loader", List.of(), List.of("feature = \"gettext-system\"")),
                new MacroDecl(MacroDecl.BANG, "fluent_language_loader", "fluent_language_loader", List.of(),
                        List.of("feature = \"fluent-system\"", "not(target_os = \"windows\")")));
        assertEquals("i18n-embed-impl 0.8.0 declares no macro for features [default]: gettext_language_loader needs cfg(feature = \"gettext-system\"); "
                        + "fluent_language_loader needs cfg(all(feature = \"fluent-system\", not(target_os = \"windows\")))",
                BuildWorkspace.noMacro("i18n-embed-impl 0.8.0", "default", declared));
        assertEquals("x 1.0.0 declares no macro", BuildWorkspace.noMacro("x 1.0.0", "default", List.of()));
    }
}

package dev.sandcrate.precompile.artifact;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class WasmSectionsTest {
    /** (module (memory 1) (export "memory" (memory 0))) */
    static final byte[] MINIMAL = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0};

    @Test
    void appendsAndReadsBackACustomSection() {
        byte[] payload = "{\"x\":1}".repeat(40).getBytes(StandardCharsets.UTF_8); // > 127 bytes: multi-byte LEB128
        byte[] out = WasmSections.appendCustom(MINIMAL, "sandcrate-manifest", payload);
        assertArrayEquals(MINIMAL, Arrays.copyOf(out, MINIMAL.length), "the module itself is unchanged");
        assertArrayEquals(payload, WasmSections.custom(out, "sandcrate-manifest"));
        assertNull(WasmSections.custom(out, "other"));
        List<WasmSections.Section> sections = WasmSections.read(out);
        assertEquals(List.of(5, 7, 0), sections.stream().map(WasmSections.Section::id).toList());
        assertEquals(1, com.dylibso.chicory.wasm.Parser.parse(out).exportSection().exportCount(), "still parses");
    }

    @Test
    void diffNamesTheDifferingSection() {
        byte[] a = WasmSections.appendCustom(MINIMAL, "n", new byte[]{1, 2});
        byte[] b = WasmSections.appendCustom(MINIMAL, "n", new byte[]{1, 3});
        String diff = WasmSections.diffSummary(a, b);
        assertTrue(diff.contains("section 2 (custom \"n\") differs"), diff);
        assertTrue(diff.contains("first differing byte at offset " + (a.length - 1)), diff);
    }

    @Test
    void rejectsWhatIsNotAModule() {
        assertThrows(IllegalArgumentException.class, () -> WasmSections.read("not wasm".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> WasmSections.read(Arrays.copyOf(MINIMAL, MINIMAL.length - 3)));
    }

    @Test
    void validatorReportsMissingAbiAndManifest() {
        List<String> problems = ArtifactValidator.problems(MINIMAL);
        assertTrue(problems.contains("does not export function sandcrate_expand"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("no sandcrate-manifest custom section")), problems.toString());
        assertEquals(List.of("does not parse as a wasm module: " ), ArtifactValidator.problems(new byte[]{1, 2, 3}).stream()
                .map(p -> p.substring(0, Math.min(p.length(), "does not parse as a wasm module: ".length()))).toList());
    }
}

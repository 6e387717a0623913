package dev.sandcrate.registry;

import dev.sandcrate.index.SemVer;
import dev.sandcrate.index.CrateNames;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ValidationTest {

    @Test
    void crateNames() {
        for (String ok : List.of("serde", "serde_derive", "Serde-Json2", "a", "x".repeat(64))) {
            assertDoesNotThrow(() -> CrateNames.validate(ok), ok);
        }
        assertMessage("must start with an ASCII letter", "1abc");
        assertMessage("must start with an ASCII letter", "_abc");
        assertMessage("must start with an ASCII letter", "héllo");
        assertMessage("must start with an ASCII letter", "a.b");
        assertMessage("longer than 64", "x".repeat(65));
        assertMessage("is reserved", "std");
        assertMessage("is reserved", "proc-macro");
        assertMessage("is reserved", "NUL");
        assertMessage("empty", "");
        assertEquals(CrateNames.canonical("Foo-Bar"), CrateNames.canonical("foo_bar"));
    }

    private static void assertMessage(String expected, String name) {
        var e = assertThrows(IllegalArgumentException.class, () -> CrateNames.validate(name));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void semver() {
        for (String ok : List.of("0.0.0", "1.2.3", "1.0.0-alpha.1", "1.0.0+build.5", "10.20.30-rc.1+meta")) {
            assertDoesNotThrow(() -> SemVer.parse(ok), ok);
        }
        for (String bad : List.of("1.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0", "1.0.0 ", "")) {
            assertThrows(IllegalArgumentException.class, () -> SemVer.parse(bad), bad);
        }
        assertEquals("1.0.0-rc.1", SemVer.parse("1.0.0-rc.1+x").withoutBuild());
        List<String> sorted = Stream.of("1.0.0", "1.0.0-rc.1", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta.11",
                        "1.0.0-beta.2", "0.9.10", "0.9.9", "1.0.0-alpha.beta")
                .sorted((a, b) -> SemVer.parse(a).compareTo(SemVer.parse(b))).toList();
        assertEquals(List.of("0.9.9", "0.9.10", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2",
                "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"), sorted);
    }
}

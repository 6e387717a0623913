package dev.sandcrate.index;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SemVerTest {
    @Test
    void eachNumberMustFitCargosU64() {
        assertEquals("18446744073709551615.0.0", SemVer.parse("18446744073709551615.0.0").withoutBuild());
        for (String tooBig : new String[]{"18446744073709551616.0.0", "1.99999999999999999999999.0", "1.0.99999999999999999999999"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> SemVer.parse(tooBig), tooBig);
            assertTrue(e.getMessage().contains("at most 18446744073709551615"), e.getMessage());
        }
    }

    @Test
    void ordersBySemverRules() {
        assertTrue(SemVer.parse("1.0.0-alpha").compareTo(SemVer.parse("1.0.0")) < 0);
        assertTrue(SemVer.parse("1.0.0-alpha.2").compareTo(SemVer.parse("1.0.0-alpha.10")) < 0);
        assertEquals(0, SemVer.parse("1.0.0+a").compareTo(SemVer.parse("1.0.0+b")));
    }
}

package dev.sandcrate.precompile.eligibility;

import org.junit.jupiter.api.Test;

import static dev.sandcrate.precompile.eligibility.CargoSemver.matches;
import static org.junit.jupiter.api.Assertions.*;

class CargoSemverTest {
    @Test
    void caretIsTheDefaultAndStopsAtTheFirstNonZeroPart() {
        assertTrue(matches("1.0", "1.0.152"));
        assertTrue(matches("1.0.104", "1.0.107"));
        assertFalse(matches("1.0.104", "1.0.103"));
        assertFalse(matches("1.0", "2.0.0"));
        assertTrue(matches("^0.2.0", "0.2.8"));
        assertFalse(matches("0.2", "0.3.0"));
        assertFalse(matches("0.0.3", "0.0.4"));
        assertTrue(matches("0", "0.9.1"));
    }

    @Test
    void tildeWildcardsComparisonsAndLists() {
        assertTrue(matches("~1.2", "1.2.9"));
        assertFalse(matches("~1.2.3", "1.3.0"));
        assertTrue(matches("~1", "1.9.0"));
        assertTrue(matches("1.*", "1.7.0"));
        assertFalse(matches("1.2.*", "1.3.0"));
        assertTrue(matches("*", "0.0.1"));
        assertTrue(matches(">=1.2, <1.5", "1.4.9"));
        assertFalse(matches(">=1.2, <1.5", "1.5.0"));
        assertTrue(matches("=1.0.21", "1.0.21"));
        assertFalse(matches("=1.0.21", "1.0.22"));
        assertTrue(matches("<=1.2", "1.2.7"));
        assertFalse(matches(">1.2", "1.2.7"));
    }

    @Test
    void preReleasesOnlyMatchRequirementsThatNameThem() {
        assertFalse(matches("1.0", "1.1.0-alpha.1"));
        assertTrue(matches("1.0.0-alpha.5", "1.0.0-alpha.9"));
        assertFalse(matches("1.0.0-alpha.5", "1.0.0-alpha.4"));
        assertThrows(IllegalArgumentException.class, () -> matches("not a req", "1.0.0"));
    }
}

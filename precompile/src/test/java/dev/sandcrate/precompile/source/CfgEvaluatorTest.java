package dev.sandcrate.precompile.source;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class CfgEvaluatorTest {
    private final CfgEvaluator cfg = new CfgEvaluator(Set.of("std", "derive"),
            Set.of("target_arch=\"wasm32\"", "target_os=\"unknown\"", "panic=\"abort\""));

    @Test
    void evaluatesFeaturesTargetAndCombinators() {
        assertTrue(cfg.holds("feature = \"std\""));
        assertFalse(cfg.holds("feature = \"alloc\""));
        assertTrue(cfg.holds("all(feature = \"std\", target_arch = \"wasm32\")"));
        assertFalse(cfg.holds("any(test, feature = \"nightly\")"));
        assertTrue(cfg.holds("not(any(test, debug_assertions))"));
        assertFalse(cfg.holds("not(target_os = \"unknown\")"));
    }
}

package dev.sandcrate.index;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class IndexEntryTest {

    @Test
    void rendersTheLineCargoReads() {
        Map<String, List<String>> features = new LinkedHashMap<>();
        features.put("default", List.of("std"));
        features.put("std", List.of());
        features.put("derive", List.of("dep:serde_derive"));
        features.put("alloc", List.of("serde?/alloc"));
        IndexEntry e = IndexEntry.of("demo", "1.2.3", List.of(
                        new IndexDependency("serde_derive", "^1.0", List.of(), true, true, null, "normal", null, null),
                        new IndexDependency("ser", "1", List.of("derive"), false, false, "cfg(unix)", "dev",
                                "https://github.com/rust-lang/crates.io-index", "serde")),
                "abc123", features, "demo-sys", "1.60", "2026-11-25T08:00:00Z");

        assertEquals("{\"name\":\"demo\",\"vers\":\"1.2.3\",\"deps\":["
                + "{\"name\":\"serde_derive\",\"req\":\"^1.0\",\"features\":[],\"optional\":true,\"default_features\":true,\"target\":null,\"kind\":\"normal\"},"
                + "{\"name\":\"ser\",\"req\":\"1\",\"features\":[\"derive\"],\"optional\":false,\"default_features\":false,\"target\":\"cfg(unix)\",\"kind\":\"dev\","
                + "\"registry\":\"https://github.com/rust-lang/crates.io-index\",\"package\":\"serde\"}],"
                + "\"cksum\":\"abc123\",\"features\":{\"default\":[\"std\"],\"std\":[]},\"yanked\":false,\"links\":\"demo-sys\",\"v\":2,"
                + "\"features2\":{\"derive\":[\"dep:serde_derive\"],\"alloc\":[\"serde?/alloc\"]},"
                + "\"rust_version\":\"1.60\",\"pubtime\":\"2026-11-25T08:00:00Z\"}", IndexFile.line(e));
    }

    @Test
    void leavesOutAbsentOptionalFields() {
        IndexEntry e = IndexEntry.of("a", "0.1.0", List.of(), "00", Map.of(), null, null, null);
        assertEquals("{\"name\":\"a\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"00\",\"features\":{},\"yanked\":false}",
                IndexFile.line(e));
    }

    @Test
    void roundTripsThroughAFile() {
        IndexEntry a = IndexEntry.of("a", "0.1.0", List.of(), "00", Map.of("x", List.of("dep:y")), null, null, null);
        IndexEntry b = a.withYanked(true);
        List<IndexEntry> parsed = IndexFile.parse(new String(IndexFile.render(List.of(a, b))));
        assertEquals(List.of(a, b), parsed);
        assertTrue(parsed.get(1).yanked());
        assertEquals(Map.of("x", List.of("dep:y")), parsed.get(0).allFeatures());
    }

    @Test
    void indexPathsFollowCargoLayout() {
        assertEquals("1/a", IndexPaths.pathOf("A"));
        assertEquals("2/ab", IndexPaths.pathOf("ab"));
        assertEquals("3/a/abc", IndexPaths.pathOf("abc"));
        assertEquals("se/rd/serde_derive", IndexPaths.pathOf("Serde_Derive"));
        assertEquals("serde", IndexPaths.crateNameOf("se/rd/serde"));
        assertEquals("abc", IndexPaths.crateNameOf("3/a/abc"));
        assertNull(IndexPaths.crateNameOf("3/b/abc"));
        assertNull(IndexPaths.crateNameOf("se/xx/serde"));
        assertNull(IndexPaths.crateNameOf("serde"));
    }
}

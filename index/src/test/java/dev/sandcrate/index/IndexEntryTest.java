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
                + "\"cksum\":\"abc123\",\"features\":{\"default\":[\"std\"],\"std\":[]},"
                + "\"features2\":{\"alloc\":[\"serde?/alloc\"],\"derive\":[\"dep:serde_derive\"]},"
                + "\"yanked\":false,\"links\":\"demo-sys\",\"rust_version\":\"1.60\",\"pubtime\":\"2026-11-25T08:00:00Z\",\"v\":2}",
                IndexFile.line(e));
    }

    /** Lines as crates.io writes them (crates_io_index::Crate field order and presence) parse and render byte for byte. */
    @Test
    void roundTripsCratesIoLinesExactly() {
        for (String line : List.of(
                "{\"name\":\"a\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"00\",\"features\":{},\"yanked\":false}",
                "{\"name\":\"a\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"00\",\"features\":{},\"yanked\":false,\"links\":\"z\"}",
                "{\"name\":\"a\",\"vers\":\"1.0.0\",\"deps\":[{\"name\":\"b\",\"req\":\"^1\",\"features\":[],\"optional\":true,"
                        + "\"default_features\":true,\"target\":null,\"kind\":\"normal\"}],\"cksum\":\"00\","
                        + "\"features\":{\"std\":[]},\"features2\":{\"b\":[\"dep:b\"],\"c\":[\"b?/x\"]},\"yanked\":true,"
                        + "\"links\":\"z\",\"rust_version\":\"1.70\",\"pubtime\":\"2025-11-12T19:30:12Z\",\"v\":2}",
                "{\"name\":\"a\",\"vers\":\"1.0.0\",\"deps\":[],\"cksum\":\"00\",\"features\":{},\"yanked\":false,"
                        + "\"rust_version\":\"1.56\",\"pubtime\":\"2025-01-02T03:04:05Z\"}")) {
            assertEquals(line, IndexFile.line(IndexFile.parseLine(line)));
        }
    }

    @Test
    void publicDependencyIsMarkedOnlyWhenPublic() {
        IndexDependency pub = new IndexDependency("b", "^1", List.of(), false, true, null, "normal", null, null,
                true, null, null, false);
        IndexEntry e = IndexEntry.of("a", "0.1.0", List.of(pub), "00", Map.of(), null, null, null);
        assertEquals("{\"name\":\"a\",\"vers\":\"0.1.0\",\"deps\":[{\"name\":\"b\",\"req\":\"^1\",\"features\":[],"
                + "\"optional\":false,\"default_features\":true,\"target\":null,\"kind\":\"normal\",\"public\":true}],"
                + "\"cksum\":\"00\",\"features\":{},\"yanked\":false}", IndexFile.line(e));
        assertEquals(e, IndexFile.parseLine(IndexFile.line(e)));
        IndexDependency priv = new IndexDependency("b", "^1", List.of(), false, true, null, "normal", null, null);
        assertFalse(IndexFile.line(IndexEntry.of("a", "0.1.0", List.of(priv), "00", Map.of(), null, null, null)).contains("public"));
    }

    @Test
    void artifactDependencyCarriesItsFieldsAndNeedsSchemaVersion3() {
        IndexDependency tool = new IndexDependency("tool", "^0.1", List.of(), false, true, null, "build", null, null,
                null, List.of("bin"), "x86_64-unknown-linux-gnu", true);
        IndexEntry e = IndexEntry.of("a", "0.1.0", List.of(tool), "00", Map.of("x", List.of("dep:tool")), null, null, null);
        assertEquals("{\"name\":\"a\",\"vers\":\"0.1.0\",\"deps\":[{\"name\":\"tool\",\"req\":\"^0.1\",\"features\":[],"
                + "\"optional\":false,\"default_features\":true,\"target\":null,\"kind\":\"build\",\"artifact\":[\"bin\"],"
                + "\"bindep_target\":\"x86_64-unknown-linux-gnu\",\"lib\":true}],\"cksum\":\"00\",\"features\":{},"
                + "\"features2\":{\"x\":[\"dep:tool\"]},\"yanked\":false,\"v\":3}", IndexFile.line(e));
        assertEquals(e, IndexFile.parseLine(IndexFile.line(e)));
        assertTrue(IndexFile.parseLine(IndexFile.line(e)).deps().getFirst().isArtifact());
    }

    @Test
    void yankingKeepsPubtime() {
        IndexEntry e = IndexEntry.of("a", "0.1.0", List.of(), "00", Map.of(), null, null, "2026-11-25T08:00:00Z");
        IndexEntry yanked = IndexFile.parseLine(IndexFile.line(e)).withYanked(true);
        assertEquals("2026-11-25T08:00:00Z", yanked.pubtime());
        assertEquals("2026-11-25T08:00:00Z", IndexFile.parseLine(IndexFile.line(yanked.withYanked(false))).pubtime());
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

package dev.sandcrate.index.crate;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CrateManifestTest {
    static final String OWN_INDEX = "sparse+http://127.0.0.1:8080/index/";

    static CrateManifest parse(String toml) {
        return CrateManifest.parse(toml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsDependenciesOfEveryKindAndTarget() {
        CrateManifest m = parse("""
                [package]
                name = "demo"
                version = "0.3.0"
                links = "z"
                rust-version = "1.70"
                description = "A demo"
                keywords = ["a", "b"]

                [lib]
                proc-macro = true

                [dependencies]
                plain = "1.0"
                ser = { version = "1", package = "serde", features = ["derive"], default-features = false, optional = true }
                local = { version = "0.2", registry-index = "sparse+http://127.0.0.1:8080/index/" }
                other = { version = "3", registry-index = "https://example.com/index" }

                [build-dependencies.cc]
                version = "1.0"

                [dev-dependencies]
                tester = "0.1"

                [target.'cfg(unix)'.dependencies]
                libc = "0.2"

                [features]
                default = ["plain-feature"]
                plain-feature = []
                derive = ["dep:ser"]
                """);
        assertEquals("demo", m.name());
        assertTrue(m.procMacro());
        assertEquals(List.of("a", "b"), m.keywords());
        IndexEntry e = m.toIndexEntry("ck", OWN_INDEX, null);
        assertEquals("z", e.links());
        assertEquals("1.70", e.rustVersion());
        assertEquals(2, e.v());
        assertEquals(List.of("dep:ser"), e.features2().get("derive"));
        assertFalse(e.features().containsKey("derive"));

        var deps = e.deps();
        assertEquals(List.of("plain", "ser", "local", "other", "cc", "tester", "libc"),
                deps.stream().map(IndexDependency::name).toList());
        IndexDependency ser = deps.get(1);
        assertEquals("serde", ser.packageName());
        assertEquals("serde", ser.crateName());
        assertEquals(List.of("derive"), ser.features());
        assertFalse(ser.defaultFeatures());
        assertTrue(ser.optional());
        assertEquals(ManifestDependency.CRATES_IO_INDEX, deps.get(0).registry());
        assertNull(deps.get(2).registry(), "a dependency on this registry has registry null");
        assertEquals("https://example.com/index", deps.get(3).registry());
        assertEquals("build", deps.get(4).kind());
        assertEquals("dev", deps.get(5).kind());
        assertEquals("cfg(unix)", deps.get(6).target());
        assertEquals("normal", deps.get(6).kind());
    }

    @Test
    void rejectsManifestsThatAreNotPackaged() {
        assertMessage("package.name is missing", "[package]\nversion = \"1.0.0\"\n");
        assertMessage("inherits from a workspace", "[package]\nname = \"a\"\nversion.workspace = true\n");
        assertMessage("path/git dependency without a version",
                "[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies]\nb = { path = \"../b\" }\n");
        assertMessage("not valid TOML", "[package\nname = 1");
        assertMessage("no [package] table", "[lib]\nname = \"x\"\n");
    }

    @Test
    void dropsVersionlessPathDevDependenciesLikeCargoPackage() {
        CrateManifest m = parse("[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dev-dependencies]\n"
                + "testserver = { path = \"testserver\" }\nserde = \"1\"\n");
        assertEquals(List.of("serde"), m.dependencies().stream().map(ManifestDependency::name).toList());
    }

    @Test
    void readsNightlyPublicAndArtifactDependencies() {
        CrateManifest m = parse("""
                [package]
                name = "a"
                version = "1.0.0"
                [dependencies.pub-dep]
                version = "1"
                public = true
                [build-dependencies.tool]
                version = "0.1"
                artifact = "bin"
                target = "wasm32-unknown-unknown"
                lib = true
                [dependencies.multi]
                version = "0.2"
                artifact = ["bin:gen", "cdylib"]
                """);
        var deps = m.toIndexEntry("00", null, null).deps();
        assertEquals(Boolean.TRUE, deps.get(0).publicDep());
        assertNull(deps.get(0).artifact());
        assertEquals(List.of("bin:gen", "cdylib"), deps.get(1).artifact());
        assertFalse(deps.get(1).lib());
        assertEquals(List.of("bin"), deps.get(2).artifact());
        assertEquals("wasm32-unknown-unknown", deps.get(2).bindepTarget());
        assertNull(deps.get(2).target(), "the artifact's target is not a platform condition");
        assertTrue(deps.get(2).lib());
        assertEquals(3, m.toIndexEntry("00", null, null).v());
        assertMessage("Cargo.toml: dependency `t` in [dependencies]: unknown artifact kind `exe` (expected bin, bin:NAME, cdylib or staticlib)",
                "[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies.t]\nversion = \"1\"\nartifact = \"exe\"\n");
        assertMessage("Cargo.toml: dependency `t` in [dependencies] sets `target` or `lib` without `artifact`",
                "[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies.t]\nversion = \"1\"\nlib = true\n");
        assertMessage("Cargo.toml: dependency `t` in [dependencies]: `public` must be true or false",
                "[package]\nname = \"a\"\nversion = \"1.0.0\"\n[dependencies.t]\nversion = \"1\"\npublic = \"yes\"\n");
    }

    private static void assertMessage(String expected, String toml) {
        InvalidCrateException e = assertThrows(InvalidCrateException.class, () -> parse(toml));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void comparesIndexUrlsLikeCargoWrites() {
        assertTrue(ManifestDependency.sameIndex("sparse+http://HOST:1/index/", "http://host:1/index"));
        assertFalse(ManifestDependency.sameIndex("sparse+http://host:1/index/", "http://host:2/index"));
    }
}

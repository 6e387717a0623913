package dev.sandcrate.e2e;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.cli.SandcrateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code sandcrate import} with real crates: every crate folder Debian installed under /usr/share/cargo/registry is
 * imported in one run (then again, finding everything present), and a project using serde's derive, serde_json and
 * syn builds against it through source replacement. The .crate files cargo downloaded (its cache) and a
 * {@code cargo vendor} directory of the same project are imported into fresh registries, and the project's existing
 * Cargo.lock stays valid against each (checksums kept).
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ImportTest {
    static final Path DEBIAN = DebianCratesTest.DEBIAN;
    @TempDir
    Path tmp;

    record Cli(int exit, String out) {}

    static Cli sandcrate(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            exit = new CommandLine(new SandcrateCommand()).execute(args);
        } finally {
            System.setOut(saved);
        }
        return new Cli(exit, bytes.toString(StandardCharsets.UTF_8));
    }

    static int count(String output, String what) {
        Matcher m = Pattern.compile(what + " (\\d+)").matcher(output);
        assertTrue(m.find(), "no '" + what + "' in: " + output);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void importDebianCratesBuildAProjectAndReimportItsCargoCacheAndVendorDirectory() throws Exception {
        long folders;
        try (var list = Files.list(DEBIAN)) {
            folders = list.filter(d -> Files.isRegularFile(d.resolve("Cargo.toml"))).count();
        }
        Path data = tmp.resolve("data");
        long t0 = System.nanoTime();
        Cli first = sandcrate("import", "--quiet", "--as", "debian-import", "--data-dir", data.toString(), DEBIAN.toString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("imported " + folders + " Debian crate folders in " + ms + " ms");
        assertEquals(0, first.exit(), first.out());
        assertEquals(folders, count(first.out(), "imported"), first.out());
        Cli again = sandcrate("import", "--quiet", "--data-dir", data.toString(), DEBIAN.toString());
        assertEquals(0, again.exit(), again.out());
        assertEquals(0, count(again.out(), "imported"));
        assertEquals(folders, count(again.out(), "already present"));

        Path app = Cargo.project(tmp.resolve("app"), """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                serde = { version = "1", features = ["derive"] }
                serde_json = "1"
                syn = { version = "1", features = ["full"] }
                """, Map.of("src/main.rs", """
                #[derive(serde::Serialize)]
                struct S { imported: bool }
                fn main() {
                    let f: syn::ItemFn = syn::parse_str("fn f() {}").unwrap();
                    println!("{} {}", serde_json::to_string(&S { imported: true }).unwrap(), f.sig.ident);
                }
                """));
        String replace = "[source.crates-io]\nreplace-with = \"sandcrate\"\n";
        Cargo cargo;
        try (Registry registry = Registry.start(RegistryConfig.loopback(data))) {
            cargo = Cargo.withRegistry(tmp.resolve("home"), registry.sparseIndexUrl(), replace);
            assertEquals("{\"imported\":true} f", cargo.ok(app, "run", "-q").output().strip());
            assertEquals("debian-import", registry.users().list().stream().map(u -> u.login()).filter(l -> l.equals("debian-import"))
                    .findFirst().orElseThrow(), "the importer is a recorded user");
            cargo.ok(app, "vendor", "--locked", "--respect-source-config", tmp.resolve("vendor").toString());
        }
        String lock = Files.readString(app.resolve("Cargo.lock"));

        // cargo's download cache is a directory of .crate files: imported byte for byte, the lockfile stays valid
        Path cache;
        try (var dirs = Files.list(cargo.home.resolve("registry/cache"))) {
            cache = dirs.findFirst().orElseThrow();
        }
        Path fromCache = tmp.resolve("data-from-cache");
        Cli imported = sandcrate("import", "--quiet", "--data-dir", fromCache.toString(), cache.toString());
        assertEquals(0, imported.exit(), imported.out());
        fetchLocked(fromCache, app, lock, "home-cache", replace);

        // a cargo vendor directory: unpacked folders, packed again deterministically. cargo vendor does not keep every
        // byte of the .crate, so the import reports how many checksums changed, and exactly those need a lockfile update.
        Path fromVendor = tmp.resolve("data-from-vendor");
        Cli vendored = sandcrate("import", "--quiet", "--data-dir", fromVendor.toString(), tmp.resolve("vendor").toString());
        assertEquals(0, vendored.exit(), vendored.out());
        assertEquals(9, count(vendored.out(), "imported"), vendored.out());
        Matcher repacked = Pattern.compile("(\\d+) folder\\(s\\) were packed here").matcher(vendored.out());
        int changed = repacked.find() ? Integer.parseInt(repacked.group(1)) : 0;
        try (Registry registry = Registry.start(RegistryConfig.loopback(fromVendor))) {
            Cargo fresh = Cargo.withRegistry(tmp.resolve("home-vendor"), registry.sparseIndexUrl(), replace);
            Files.delete(app.resolve("Cargo.lock"));
            fresh.ok(app, "fetch");
            String relocked = Files.readString(app.resolve("Cargo.lock"));
            long differing = Pattern.compile("checksum = \"([0-9a-f]{64})\"").matcher(relocked).results()
                    .filter(m -> !lock.contains(m.group(1))).count();
            assertEquals(changed, differing, "the import's report names as many changed checksums as cargo sees:\n" + vendored.out());
        }

        Cli missing = sandcrate("import", "--data-dir", data.toString(), tmp.resolve("nope").toString());
        assertEquals(2, missing.exit());
    }

    /** cargo resolves the unchanged Cargo.lock against the registry in {@code dataDir} and verifies every download. */
    private void fetchLocked(Path dataDir, Path app, String lock, String home, String replace) throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(dataDir))) {
            Cargo cargo = Cargo.withRegistry(tmp.resolve(home), registry.sparseIndexUrl(), replace);
            cargo.ok(app, "fetch", "--locked");
            assertEquals(lock, Files.readString(app.resolve("Cargo.lock")));
            for (String name : List.of("serde", "serde_derive", "syn", "serde_json")) {
                assertTrue(lock.contains("checksum = \"" + registry.crates().versions(name).getFirst().cksum() + "\""), name);
            }
        }
    }
}

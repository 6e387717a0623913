package dev.sandcrate.e2e;

import dev.sandcrate.index.crate.CratePacker;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.DatabaseConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Real crates nobody here wrote: Debian's unpacked sources under /usr/share/cargo/registry (installed by
 * scripts/setup.sh --test) are packed into .crate files, published through the HTTP API, and a consumer that uses
 * serde's derive, serde_json and syn resolves and builds everything from this registry via source replacement.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
public class DebianCratesTest {
    static final Path DEBIAN = Path.of("/usr/share/cargo/registry");
    static final List<String> CRATES = List.of("unicode-ident", "proc-macro2", "quote", "syn", "serde_derive", "serde",
            "itoa", "ryu", "serde_json");

    @TempDir
    Path tmp;
    Registry registry;
    String token;
    final HttpClient http = HttpClient.newHttpClient();

    /** The database the registry runs on: H2 here, PostgreSQL in {@link PostgresTest}. */
    protected DatabaseConfig newDatabase() throws Exception {
        return DatabaseConfig.EMBEDDED;
    }

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withDatabase(newDatabase()));
        long id = registry.users().add("debian", true).id(); // an admin: Debian ships compiler_builtins, a name reserved for the operators
        token = registry.tokens().create(id, "import", EnumSet.allOf(Scope.class), List.of(), null).secret();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    /** The folder Debian ships for a crate, whatever its version. */
    static Path debianFolder(String name) throws Exception {
        try (var dirs = Files.list(DEBIAN)) {
            List<Path> matches = dirs.filter(d -> d.getFileName().toString().matches(java.util.regex.Pattern.quote(name) + "-\\d+\\..*"))
                    .sorted().toList();
            assertFalse(matches.isEmpty(), "Debian has no " + name + " under " + DEBIAN + " (run scripts/setup.sh --test)");
            return matches.getLast();
        }
    }

    @Test
    void publishDebianCratesAndBuildAConsumerFromThem() throws Exception {
        List<String> published = new ArrayList<>();
        for (String name : CRATES) {
            CratePacker.PackedCrate packed = CratePacker.pack(debianFolder(name));
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                    .header("Authorization", token)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), name + ": " + r.body());
            published.add(packed.name() + "@" + packed.version());
        }

        Cargo cargo = Cargo.withRegistry(tmp.resolve("cargo-home"), registry.sparseIndexUrl(), """
                [source.crates-io]
                replace-with = "sandcrate"
                """);
        Path app = Cargo.project(tmp.resolve("consumer"), """
                [package]
                name = "consumer"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                serde = { version = "1", features = ["derive"] }
                serde_json = "1"
                syn = "1"
                quote = "1"
                """, Map.of("src/main.rs", """
                use serde::{Deserialize, Serialize};

                #[derive(Serialize, Deserialize, Debug, PartialEq)]
                struct Point { x: i32, y: i32, label: String }

                fn main() {
                    let p = Point { x: 1, y: -2, label: "origin".into() };
                    let json = serde_json::to_string(&p).unwrap();
                    let back: Point = serde_json::from_str(&json).unwrap();
                    assert_eq!(p, back);
                    let ty: syn::Type = syn::parse_str("Vec<u8>").unwrap();
                    println!("{json} {}", quote::quote!(#ty));
                }
                """));
        Cargo.Result run = cargo.ok(app, "run", "-q");
        assertEquals("{\"x\":1,\"y\":-2,\"label\":\"origin\"} Vec < u8 >", run.output().strip());

        String lock = Files.readString(app.resolve("Cargo.lock"));
        for (String name : List.of("serde", "serde_derive", "syn", "proc-macro2", "quote", "unicode-ident", "serde_json", "itoa", "ryu")) {
            String cksum = registry.crates().versions(name).getFirst().cksum();
            assertTrue(lock.contains("name = \"" + name + "\""), name + " missing from Cargo.lock:\n" + lock);
            assertTrue(lock.contains("checksum = \"" + cksum + "\""), name + "'s checksum is not the registry's:\n" + lock);
        }
        assertEquals(CRATES.size(), published.size());
    }

    /** Every crate folder Debian installed (about 70 with the test packages) is accepted and served back byte for byte. */
    @Test
    void everyDebianCrateFolderPublishes() throws Exception {
        List<String> failures = new ArrayList<>();
        int count = 0;
        try (var dirs = Files.list(DEBIAN)) {
            for (Path dir : dirs.sorted().toList()) {
                CratePacker.PackedCrate packed = CratePacker.pack(dir);
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/new"))
                        .header("Authorization", token)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(publishBody(packed))).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) failures.add(dir.getFileName() + ": " + r.body());
                else {
                    count++;
                    HttpResponse<byte[]> dl = http.send(HttpRequest.newBuilder(URI.create(registry.url() + "/api/v1/crates/"
                            + packed.name() + "/" + packed.version() + "/download")).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertArrayEquals(packed.bytes(), dl.body(), dir.toString());
                }
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(count >= CRATES.size(), "published " + count);
    }

    static byte[] publishBody(CratePacker.PackedCrate packed) {
        byte[] meta = ("{\"name\":\"" + packed.name() + "\",\"vers\":\"" + packed.version() + "\",\"deps\":[],\"features\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(meta.length).array());
        out.writeBytes(meta);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(packed.bytes().length).array());
        out.writeBytes(packed.bytes());
        return out.toByteArray();
    }
}

package dev.sandcrate.e2e;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.IndexEntry;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.db.DatabaseConfig;
import dev.sandcrate.registry.storage.BlobStorage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** The publisher's and consumer's workflow with the real cargo: login, publish, depend, build, yank, owners, search. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
public class PublishAndConsumeTest {
    @TempDir
    Path tmp;
    Registry registry;
    Cargo cargo;
    String token;

    /** The database the registry runs on: H2 here, PostgreSQL in {@link PostgresTest}. */
    protected DatabaseConfig newDatabase() throws Exception {
        return DatabaseConfig.EMBEDDED;
    }

    /** Where the blobs go: the data dir here, a bucket in {@link S3Test}. */
    protected BlobStorage blobStorage() throws Exception {
        return BlobStorage.LOCAL;
    }

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withDatabase(newDatabase()).withBlobs(blobStorage()));
        long alice = registry.users().add("alice", false).id();
        registry.users().add("bob", false);
        token = registry.tokens().create(alice, "laptop", EnumSet.allOf(Scope.class), List.of(), null).secret();
        cargo = Cargo.withRegistry(tmp.resolve("cargo-home"), registry.sparseIndexUrl(), "");
        cargo.login(token);
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void publishDependAndBuildThenYankOwnersAndSearch() throws Exception {
        assertTrue(Files.readString(cargo.home.resolve("credentials.toml")).contains(token), "cargo login stored the token");

        Path alpha = Cargo.project(tmp.resolve("alpha"), """
                [package]
                name = "alpha-util"
                version = "0.1.0"
                edition = "2021"
                description = "Greeting helpers for the sandcrate e2e test"
                license = "MIT"

                [features]
                shout = []
                """, Map.of("src/lib.rs", """
                pub fn greet(name: &str) -> String {
                    let s = format!("hello, {name}");
                    if cfg!(feature = "shout") { s.to_uppercase() } else { s }
                }
                """));
        cargo.ok(alpha, "publish", "--registry", "sandcrate", "--allow-dirty");

        Path beta = Cargo.project(tmp.resolve("beta"), """
                [package]
                name = "beta_greeter"
                version = "1.0.0"
                edition = "2021"
                description = "Depends on alpha-util from the same registry"
                license = "MIT"

                [dependencies]
                greeting = { package = "alpha-util", version = "0.1", registry = "sandcrate" }

                [features]
                loud = ["greeting/shout"]
                """, Map.of("src/lib.rs", """
                pub fn welcome(name: &str) -> String {
                    greeting::greet(name)
                }
                """));
        cargo.ok(beta, "publish", "--registry", "sandcrate", "--allow-dirty");

        IndexEntry betaEntry = registry.crates().versions("beta_greeter").getFirst().entry();
        IndexDependency renamed = betaEntry.deps().getFirst();
        assertEquals("greeting", renamed.name());
        assertEquals("alpha-util", renamed.packageName());
        assertNull(renamed.registry(), "cargo's registry-index for this registry maps to the same registry");
        assertEquals(List.of("greeting/shout"), betaEntry.features().get("loud"));

        Path app = Cargo.project(tmp.resolve("app"), """
                [package]
                name = "gamma-app"
                version = "0.1.0"
                edition = "2021"
                publish = false

                [dependencies]
                beta_greeter = { version = "1", registry = "sandcrate", features = ["loud"] }
                """, Map.of("src/main.rs", """
                fn main() { println!("{}", beta_greeter::welcome("sandcrate")); }
                """));
        Cargo.Result run = cargo.ok(app, "run", "-q");
        assertEquals("HELLO, SANDCRATE", run.output().strip());
        String lock = Files.readString(app.resolve("Cargo.lock"));
        assertTrue(lock.contains("checksum = \"" + registry.crates().versions("alpha-util").getFirst().cksum() + "\""), lock);

        // a version cannot be published twice
        Cargo.Result again = cargo.run(alpha, null, "publish", "--registry", "sandcrate", "--allow-dirty", "--no-verify");
        assertNotEquals(0, again.exit());
        assertTrue(again.output().contains("already exists"), again.output());

        // yank: the index marks it, a fresh resolution refuses it, unyank brings it back
        cargo.ok(alpha, "yank", "--registry", "sandcrate", "--version", "0.1.0", "alpha-util");
        assertTrue(registry.crates().versions("alpha-util").getFirst().yanked());
        Path fresh = Cargo.project(tmp.resolve("fresh"), """
                [package]
                name = "fresh"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                alpha-util = { version = "0.1", registry = "sandcrate" }
                """, Map.of("src/lib.rs", ""));
        Cargo.Result yanked = cargo.run(fresh, null, "generate-lockfile");
        assertNotEquals(0, yanked.exit(), yanked.output());
        assertTrue(yanked.output().contains("alpha-util"), yanked.output());
        cargo.ok(alpha, "yank", "--registry", "sandcrate", "--version", "0.1.0", "--undo", "alpha-util");
        assertFalse(registry.crates().versions("alpha-util").getFirst().yanked());
        cargo.ok(fresh, "generate-lockfile");

        // owners
        cargo.ok(alpha, "owner", "--registry", "sandcrate", "--add", "bob", "alpha-util");
        String owners = cargo.ok(alpha, "owner", "--registry", "sandcrate", "--list", "alpha-util").output();
        assertTrue(owners.contains("alice") && owners.contains("bob"), owners);
        cargo.ok(alpha, "owner", "--registry", "sandcrate", "--remove", "bob", "alpha-util");
        owners = cargo.ok(alpha, "owner", "--registry", "sandcrate", "--list", "alpha-util").output();
        assertFalse(owners.contains("bob"), owners);
        Cargo.Result unknownOwner = cargo.run(alpha, null, "owner", "--registry", "sandcrate", "--add", "nobody", "alpha-util");
        assertNotEquals(0, unknownOwner.exit());
        assertTrue(unknownOwner.output().contains("no user named `nobody`"), unknownOwner.output());

        // search
        String search = cargo.ok(tmp, "search", "--registry", "sandcrate", "alpha").output();
        List<String> lines = search.lines().toList();
        assertTrue(lines.get(0).startsWith("alpha-util = \"0.1.0\"") && lines.get(0).contains("Greeting helpers"), search);
        assertTrue(lines.get(1).startsWith("beta_greeter = \"1.0.0\""), "description matches come after name matches: " + search);
        assertFalse(cargo.ok(tmp, "search", "--registry", "sandcrate", "zebra").output().contains(" = \""));
    }
}

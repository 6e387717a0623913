package dev.sandcrate.registry;

import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.cli.SandcrateCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** The operator's bootstrap: `sandcrate user add` and `sandcrate token create` on a data dir. */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    Run sandcrate(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = new CommandLine(new SandcrateCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        var oldOut = System.out;
        var oldErr = System.err;
        var capturedOut = new java.io.ByteArrayOutputStream();
        var capturedErr = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(capturedOut, true));
        System.setErr(new java.io.PrintStream(capturedErr, true));
        try {
            int exit = cli.execute(args);
            return new Run(exit, out + capturedOut.toString(), err + capturedErr.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void bootstrapAUserAndATokenThatTheServerAccepts() throws Exception {
        String data = tmp.resolve("data").toString();
        Run add = sandcrate("user", "add", "alice", "--data-dir", data);
        assertEquals(0, add.exit(), add.err());
        assertEquals(1, sandcrate("user", "add", "alice", "--data-dir", data).exit(), "duplicate users are refused");
        assertFalse(java.nio.file.Files.exists(tmp.resolve("data/blobs")), "account commands open no blob storage");

        Run created = sandcrate("token", "create", "--user", "alice", "--scopes", "publish-update,yank", "--crates", "mine-*",
                "--expires", "30d", "--data-dir", data);
        assertEquals(0, created.exit(), created.err());
        String secret = created.out().strip();
        assertTrue(secret.startsWith("scr_"), created.out());
        assertTrue(created.err().contains("scopes publish-update,yank; crates mine-*; expires"), created.err());

        Run past = sandcrate("token", "create", "--user", "alice", "--expires", "2020-01-01", "--data-dir", data);
        assertEquals(1, past.exit(), "an expiry in the past is refused: " + past.out());
        assertTrue(past.err().contains("not in the future"), past.err());
        assertTrue(past.out().isBlank(), "no token is printed: " + past.out());

        Run badScope = sandcrate("token", "create", "--user", "alice", "--scopes", "everything", "--data-dir", data);
        assertEquals(1, badScope.exit());
        assertTrue(badScope.err().contains("unknown scope 'everything'"), badScope.err());
        Run noUser = sandcrate("token", "create", "--user", "zed", "--data-dir", data);
        assertTrue(noUser.err().contains("sandcrate user add zed"), noUser.err());

        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            var p = registry.tokens().authenticate(secret).orElseThrow();
            assertEquals("alice", p.login());
            assertEquals(Set.of(Scope.PUBLISH_UPDATE, Scope.YANK), p.scopes());
            assertTrue(p.coversCrate("Mine_Thing"));
            assertFalse(p.coversCrate("yours"));
            // the database keeps only a hash
            String stored = registry.database().jdbi().withHandle(h ->
                    h.createQuery("SELECT token_hash FROM api_tokens").mapTo(String.class).one());
            assertNotEquals(secret, stored);
            assertFalse(stored.contains(secret.substring(4, 20)));

            long id = registry.tokens().list("alice").getFirst().id();
            assertEquals(0, sandcrate("token", "revoke", String.valueOf(id), "--data-dir", data).exit(),
                    "admin commands work while the server runs");
            // revoked by another process: this one reuses its last successful check for at most Tokens.CHECK_REUSE
            Thread.sleep(dev.sandcrate.registry.auth.Tokens.CHECK_REUSE.toMillis() + 100);
            assertTrue(registry.tokens().authenticate(secret).isEmpty(), "a revoked token is refused");
        }
    }

    @Test
    void registerAPublicKeyWhoseSignedTokensTheServerAcceptsUntilRevoked() throws Exception {
        String data = tmp.resolve("data").toString();
        assertEquals(0, sandcrate("user", "add", "alice", "--data-dir", data).exit());
        var key = new dev.sandcrate.registry.auth.PasetoSigner();
        Run added = sandcrate("key", "add", "--user", "alice", "--scopes", "yank", "--crates", "mine-*", key.paserkPublic(), "--data-dir", data);
        assertEquals(0, added.exit(), added.err());
        assertEquals(key.pid(), added.out().strip());
        Run bad = sandcrate("key", "add", "--user", "alice", "k3.secret.AAAA", "--data-dir", data);
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("sandcrate key add: not a PASERK k3.public key"), bad.err());
        Run listed = sandcrate("key", "list", "--user", "alice", "--data-dir", data);
        assertTrue(listed.out().contains(key.pid() + "\tscopes yank; crates mine-*"), listed.out());

        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            var keys = new dev.sandcrate.registry.auth.AsymmetricKeys(registry.database().jdbi());
            String url = registry.sparseIndexUrl();
            var yank = dev.sandcrate.registry.auth.CargoOperation.yank("mine-a", "1.0.0", true);
            String token = key.sign("{\"iat\":\"" + java.time.Instant.now() + "\",\"mutation\":\"yank\",\"name\":\"mine-a\",\"vers\":\"1.0.0\"}", url);
            var p = keys.authenticate(token, url, yank, java.time.Instant.now());
            assertEquals("alice", p.login());
            assertEquals(Set.of(Scope.YANK), p.scopes());
            assertFalse(p.coversCrate("yours"));

            long id = keys.list("alice").getFirst().id();
            assertEquals(0, sandcrate("key", "revoke", String.valueOf(id), "--data-dir", data).exit());
            String fresh = key.sign("{\"iat\":\"" + java.time.Instant.now() + "\",\"mutation\":\"yank\",\"name\":\"mine-a\",\"vers\":\"1.0.0\"}", url);
            RegistryException refused = assertThrows(RegistryException.class, () -> keys.authenticate(fresh, url, yank, java.time.Instant.now()));
            assertEquals(401, refused.status());
        }
    }

    /** `sandcrate import` and `sandcrate export` work on the data `serve` serves, including while it runs. */
    @Test
    void importedCratesAreServedAndExportedFromTheSameDataDir() throws Exception {
        String data = tmp.resolve("data").toString();
        Path crate = tmp.resolve("imported-1.0.0.crate");
        java.nio.file.Files.write(crate, dev.sandcrate.registry.precompile.PrecompileFixtures.crate(tmp, "imported", "1.0.0", "", "").bytes());
        Run imported = sandcrate("import", "--quiet", "--data-dir", data, crate.toString());
        assertEquals(0, imported.exit(), imported.err());
        assertTrue(imported.out().contains("imported 1, already present 0, failed 0"), imported.out());

        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            assertEquals("1.0.0", registry.crates().versions("imported").getFirst().num());
            Path second = tmp.resolve("imported-1.1.0.crate");
            java.nio.file.Files.write(second, dev.sandcrate.registry.precompile.PrecompileFixtures.crate(tmp, "imported", "1.1.0", "", "").bytes());
            assertEquals(0, sandcrate("import", "--quiet", "--data-dir", data, second.toString()).exit(), "import works while the server runs");
            assertEquals(2, registry.crates().versions("imported").size());
            Run exported = sandcrate("export", "--data-dir", data, "-o", tmp.resolve("mirror.tar").toString());
            assertEquals(0, exported.exit(), exported.err());
            assertTrue(exported.out().contains("2 versions"), exported.out());
        }
    }

    @Test
    void theBuilderCommandsAreReachableFromTheSandcrateExecutableAndNameBadInput() {
        Run help = sandcrate();
        assertTrue(help.out().contains("precompile") && help.out().contains("rebuild"), help.out());
        String missing = tmp.resolve("no-such-macro-1.0.0.crate").toString();
        Run precompile = sandcrate("precompile", missing);
        assertNotEquals(0, precompile.exit());
        assertTrue((precompile.out() + precompile.err()).contains("no-such-macro-1.0.0.crate"), precompile.err());
        Run rebuild = sandcrate("rebuild", missing);
        assertNotEquals(0, rebuild.exit());
        assertTrue((rebuild.out() + rebuild.err()).contains("no-such-macro-1.0.0.crate"), rebuild.err());
    }
}

package dev.sandcrate.e2e;

import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** A registry that requires a token for reading, used by cargo with a credential provider configured. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class AuthRequiredTest {
    /** Cargo sends tokens on reads only when a credential provider is configured (cargo:token reads credentials.toml). */
    static final String CREDENTIAL_PROVIDER = """
            [registry]
            global-credential-providers = ["cargo:token"]
            """;

    @TempDir
    Path tmp;
    Registry registry;

    @BeforeEach
    void start() throws Exception {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")).withAuthRequired(true));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void publishAndConsumeWithTokens() throws Exception {
        long carol = registry.users().add("carol", false).id();
        String publisher = registry.tokens().create(carol, "ci", EnumSet.allOf(Scope.class), List.of(), null).secret();
        String reader = registry.tokens().create(carol, "reader", EnumSet.of(Scope.READ), List.of(), null).secret();

        Cargo pub = Cargo.withRegistry(tmp.resolve("publisher-home"), registry.sparseIndexUrl(), CREDENTIAL_PROVIDER);
        pub.login(publisher);
        Path lib = Cargo.project(tmp.resolve("secret-lib"), """
                [package]
                name = "secret-lib"
                version = "0.2.0"
                edition = "2021"
                description = "private"
                license = "MIT"
                """, Map.of("src/lib.rs", "pub const ANSWER: u32 = 42;\n"));
        pub.ok(lib, "publish", "--registry", "sandcrate", "--allow-dirty");

        Path app = Cargo.project(tmp.resolve("app"), """
                [package]
                name = "app"
                version = "0.1.0"
                edition = "2021"

                [dependencies]
                secret-lib = { version = "0.2", registry = "sandcrate" }
                """, Map.of("src/main.rs", "fn main() { println!(\"answer={}\", secret_lib::ANSWER); }\n"));

        // without a token cargo is told to log in
        Cargo anonymous = Cargo.withRegistry(tmp.resolve("anonymous-home"), registry.sparseIndexUrl(), CREDENTIAL_PROVIDER);
        Cargo.Result denied = anonymous.run(app, null, "generate-lockfile");
        assertNotEquals(0, denied.exit());
        assertTrue(denied.output().contains("cargo login --registry sandcrate") || denied.output().contains("no token found"),
                denied.output());

        // a read-only token is enough to build
        Cargo consumer = Cargo.withRegistry(tmp.resolve("consumer-home"), registry.sparseIndexUrl(), CREDENTIAL_PROVIDER);
        consumer.login(reader);
        assertEquals("answer=42", consumer.ok(app, "run", "-q").output().strip());

        // but cannot publish
        Path other = Cargo.project(tmp.resolve("other"), """
                [package]
                name = "other-lib"
                version = "0.1.0"
                edition = "2021"
                description = "x"
                license = "MIT"
                """, Map.of("src/lib.rs", ""));
        Cargo.Result refused = consumer.run(other, null, "publish", "--registry", "sandcrate", "--allow-dirty", "--no-verify");
        assertNotEquals(0, refused.exit());
        assertTrue(refused.output().contains("publish-new"), refused.output());
    }
}

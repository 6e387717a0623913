package dev.sandcrate.registry.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code --log-format json}: what the registry logs becomes one JSON object per stderr line; text stays the default. */
class LoggingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @AfterEach
    void backToText() {
        Logging.use(Logging.Format.text);
    }

    /** Runs {@code work} with stderr captured; returns what it wrote. */
    static String stderrOf(ThrowingRunnable work) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            work.run();
        } finally {
            System.setErr(old);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void theOptionSwitchesTheRegistrysLogLinesToJson() throws Exception {
        String data = tmp.resolve("data").toString();
        // the option is accepted after any subcommand (and before it), and applies to everything logged afterwards
        assertEquals(0, SandcrateCommand.commandLine().execute("user", "add", "alice", "--data-dir", data, "--log-format", "json"));
        String err = stderrOf(() -> {
            try (Registry r = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
                String token = PrecompileFixtures.token(r, "publisher", false);
                PrecompileFixtures.publish(r, token, PrecompileFixtures.crate(tmp, "logged", "1.0.0", "", "pub fn f() {}\n"));
            }
        });
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        assertFalse(lines.isEmpty(), "the registry logged something");
        JsonNode published = null;
        for (String line : lines) {
            JsonNode event = JSON.readTree(line); // every line is one JSON object
            assertTrue(event.isObject(), line);
            if ("published logged 1.0.0 by publisher".equals(event.path("formattedMessage").asText())) published = event;
        }
        assertNotNull(published, err);
        assertEquals("INFO", published.path("level").asText());
        assertEquals("dev.sandcrate.registry.crates.CrateService", published.path("loggerName").asText());
        assertTrue(published.path("timestamp").asLong() > 1_700_000_000_000L, published.toString());

        assertEquals(0, SandcrateCommand.commandLine().execute("--log-format", "text", "user", "add", "bob", "--data-dir", data));
        String text = stderrOf(() -> org.slf4j.LoggerFactory.getLogger("dev.sandcrate.test").info("plain {}", "again"));
        assertTrue(text.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ INFO dev.sandcrate.test - plain again\\R"), text);
    }

    @Test
    void anUnknownFormatIsRefused() {
        assertEquals(2, SandcrateCommand.commandLine().execute("--log-format", "xml", "user", "add", "carol", "--data-dir", tmp.toString()));
    }
}

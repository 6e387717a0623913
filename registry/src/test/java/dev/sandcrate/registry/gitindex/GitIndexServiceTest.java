package dev.sandcrate.registry.gitindex;

import dev.sandcrate.index.git.GitIndexRepository;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.TestCrates;
import dev.sandcrate.registry.precompile.PrecompileFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The git index as a function of the change log: kept across restarts, started over when it was made otherwise. */
class GitIndexServiceTest {
    @TempDir
    Path tmp;

    RegistryConfig config(String publicUrl) {
        return RegistryConfig.loopback(tmp.resolve("data")).withPublicUrl(publicUrl);
    }

    /** Publishes over loopback (the public URL names no real host). */
    void publish(Registry r, String token, String version) throws Exception {
        byte[] crate = TestCrates.crate(tmp, "logged", version, "");
        HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/api/v1/crates/new"))
                .header("Authorization", token).PUT(HttpRequest.BodyPublishers.ofByteArray(TestCrates.publishBody("logged", version, crate))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode(), resp.body());
    }

    @Test
    void aRestartKeepsTheHistoryAForeignOrOutdatedOneIsRebuiltFromTheLog() throws Exception {
        List<GitIndexRepository.Commit> history;
        try (Registry r = Registry.start(config("http://one.test"))) {
            String token = PrecompileFixtures.token(r, "alice", false);
            publish(r, token, "1.0.0");
            publish(r, token, "1.1.0");
            r.gitIndex().sync();
            history = r.gitIndex().repository().log(10);
            assertEquals(3, history.size());
            assertEquals(Instant.EPOCH, history.getLast().time(), "the config.json commit has a fixed time");
            assertEquals("Sandcrate-Change: 2", history.getFirst().message().lines().toList().getLast());
            // another program committed on top: not made from the log
            r.gitIndex().repository().commit(Map.of("extra", "x".getBytes(StandardCharsets.UTF_8)), "Not from the log", "mallory");
        }
        try (Registry r = Registry.start(config("http://one.test"))) {
            r.gitIndex().sync();
            assertEquals(history, r.gitIndex().repository().log(10), "started over from the log: the same commits again");
            assertTrue(r.gitIndex().repository().read("extra").isEmpty());
        }
        try (Registry r = Registry.start(config("http://one.test"))) {
            r.gitIndex().sync();
            assertEquals(history, r.gitIndex().repository().log(10), "a plain restart changes nothing");
        }
        try (Registry r = Registry.start(config("http://two.test"))) {
            r.gitIndex().sync();
            List<GitIndexRepository.Commit> moved = r.gitIndex().repository().log(10);
            assertEquals(3, moved.size(), "a new public URL rewrites the history (config.json is in every commit)");
            assertNotEquals(history.getFirst().id(), moved.getFirst().id());
            assertTrue(new String(r.gitIndex().repository().read("config.json").orElseThrow(), StandardCharsets.UTF_8).contains("http://two.test"));
        }
    }
}

package dev.sandcrate.registry;

import dev.sandcrate.registry.auth.Principal;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.crates.CrateEvents;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

class CrateEventsTest {
    @TempDir
    Path tmp;

    @Test
    void listenersHearCommittedPublishesAndYanksButNotRejectedPublishes() throws Exception {
        try (Registry registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")))) {
            List<String> heard = new CopyOnWriteArrayList<>();
            registry.crates().addListener((change, entry, actor) ->
                    heard.add(change + " " + entry.name() + " " + entry.vers() + " yanked=" + entry.yanked() + " by " + actor));
            registry.crates().addListener((change, entry, actor) -> { throw new IllegalStateException("a broken listener"); });
            long id = registry.users().add("alice", false).id();
            Principal alice = registry.tokens().authenticate(
                    registry.tokens().create(id, "t", EnumSet.allOf(Scope.class), List.of(), null).secret()).orElseThrow();

            byte[] body = TestCrates.publishBody("evt", "1.0.0", TestCrates.crate(tmp, "evt", "1.0.0", ""));
            registry.crates().publish(alice, body);
            assertThrows(RegistryException.class, () -> registry.crates().publish(alice, body), "duplicate version");
            registry.crates().setYanked(alice, "evt", "1.0.0", true);
            registry.crates().setYanked(alice, "evt", "1.0.0", false);

            assertEquals(List.of(
                    "PUBLISHED evt 1.0.0 yanked=false by alice",
                    "YANKED evt 1.0.0 yanked=true by alice",
                    "UNYANKED evt 1.0.0 yanked=false by alice"), heard);
        }
    }
}

package dev.sandcrate.index.git;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class GitIndexRepositoryTest {
    @TempDir
    Path tmp;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void commitsFilesOneCommitPerChangeWithoutEmptyCommitsAndSurvivesReopening() throws Exception {
        Path dir = tmp.resolve("index.git");
        try (GitIndexRepository repo = GitIndexRepository.open(dir)) {
            assertTrue(repo.read("config.json").isEmpty());
            assertTrue(repo.commit(Map.of("config.json", utf8("{\"dl\":\"x\"}"), "se/rd/serde", utf8("{\"name\":\"serde\"}\n")),
                    "Initial", "operator").isPresent());
            assertTrue(repo.commit(Map.of("se/rd/serde", utf8("{\"name\":\"serde\"}\n")), "Same again", "alice").isEmpty(),
                    "an unchanged tree makes no commit");
            Map<String, byte[]> yank = new HashMap<>();
            yank.put("se/rd/serde", utf8("{\"name\":\"serde\",\"yanked\":true}\n"));
            yank.put("3/a/abc", utf8("{\"name\":\"abc\"}\n"));
            assertTrue(repo.commit(yank, "Yank serde", "alice").isPresent());
            Map<String, byte[]> delete = new HashMap<>();
            delete.put("3/a/abc", null);
            repo.commit(delete, "Remove abc", "bob");
        }
        try (GitIndexRepository repo = GitIndexRepository.open(dir)) {
            assertEquals("{\"name\":\"serde\",\"yanked\":true}\n", new String(repo.read("se/rd/serde").orElseThrow(), StandardCharsets.UTF_8));
            assertEquals(java.util.Set.of("config.json", "se/rd/serde"), repo.files().keySet());
            assertEquals(GitIndexRepository.blobId(utf8("{\"name\":\"serde\",\"yanked\":true}\n")), repo.files().get("se/rd/serde"));
            List<GitIndexRepository.Commit> log = repo.log(10);
            assertEquals(List.of("Remove abc", "Yank serde", "Initial"), log.stream().map(GitIndexRepository.Commit::message).toList());
            assertEquals(List.of("bob", "alice", "operator"), log.stream().map(GitIndexRepository.Commit::author).toList());
        }
    }

    @Test
    void aLockFileLeftByAKilledProcessDoesNotBlockTheNextCommit() throws Exception {
        Path dir = tmp.resolve("index.git");
        try (GitIndexRepository repo = GitIndexRepository.open(dir)) {
            repo.commit(Map.of("1/a", utf8("a\n")), "Publish a 1.0.0", "alice");
        }
        java.nio.file.Files.writeString(dir.resolve(GitIndexRepository.BRANCH + ".lock"), "0000000000000000000000000000000000000000\n");
        try (GitIndexRepository repo = GitIndexRepository.open(dir)) {
            assertTrue(repo.commit(Map.of("1/b", utf8("b\n")), "Publish b 1.0.0", "alice").isPresent());
            assertEquals(2, repo.log(10).size());
        }
    }

    @Test
    void theRepositoryIsReadableByGitItself() throws Exception {
        Path dir = tmp.resolve("index.git");
        try (GitIndexRepository repo = GitIndexRepository.open(dir)) {
            repo.commit(Map.of("2/ab", utf8("line\n")), "Publish ab 1.0.0", "carol");
        }
        Process p = new ProcessBuilder("git", "--git-dir", dir.toString(), "log", "--format=%an %s", "HEAD")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("carol Publish ab 1.0.0", out.strip());
    }

    @Test
    void commitsAreAFunctionOfTheirInputsAndCommitEachMakesTheSameOnesAsSingleCommits() throws Exception {
        java.time.Instant t0 = java.time.Instant.parse("2026-01-02T03:04:05Z");
        List<String> single = new java.util.ArrayList<>();
        try (GitIndexRepository one = GitIndexRepository.open(tmp.resolve("one"))) {
            single.add(one.commit(Map.of("config.json", utf8("{}")), "Root", "sandcrate", java.time.Instant.EPOCH, true).orElseThrow());
            single.add(one.commit(Map.of("1/a", utf8("a1\n")), "Publish a", "alice", t0, true).orElseThrow());
            single.add(one.commit(Map.of("1/a", utf8("a1\na2\n")), "Publish a again", "bob", t0.plusSeconds(1), true).orElseThrow());
            single.add(one.commit(Map.of("1/a", utf8("a1\na2\n")), "Yank nothing", "bob", t0.plusSeconds(2), true).orElseThrow());
        }
        try (GitIndexRepository other = GitIndexRepository.open(tmp.resolve("other"))) {
            other.commit(Map.of("config.json", utf8("{}")), "Root", "sandcrate", java.time.Instant.EPOCH, true);
            java.util.function.UnaryOperator<byte[]> append = before -> utf8((before == null ? "" : new String(before, StandardCharsets.UTF_8))
                    + (before == null ? "a1\n" : "a2\n"));
            String last = other.commitEach(List.of(
                    new GitIndexRepository.FileCommit("1/a", append, "Publish a", "alice", t0),
                    new GitIndexRepository.FileCommit("1/a", append, "Publish a again", "bob", t0.plusSeconds(1)),
                    new GitIndexRepository.FileCommit("1/a", before -> before, "Yank nothing", "bob", t0.plusSeconds(2)))).orElseThrow();
            assertEquals(single.getLast(), last, "the same ids in another repository, one by one or in one go");
            assertEquals(single.reversed(), other.log(10).stream().map(GitIndexRepository.Commit::id).toList());
            assertEquals("a1\na2\n", new String(other.read("1/a").orElseThrow(), StandardCharsets.UTF_8));
        }
    }
}

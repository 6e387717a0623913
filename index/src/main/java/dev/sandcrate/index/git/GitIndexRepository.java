package dev.sandcrate.index.git;

import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEditor;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.RefAdvertiser;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.treewalk.TreeWalk;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The registry index as a git repository (for cargo's {@code registry+http://} git protocol and for mirrors that want
 * one): a bare repository with one branch whose tree holds {@code config.json} and the index files at their usual
 * paths. Every change is one commit naming who made it, so the history is an audit log. Written without a working
 * tree (objects and the branch ref only), and served over git's smart HTTP protocol by {@link #advertiseUploadPack}
 * and {@link #uploadPack}.
 */
public final class GitIndexRepository implements AutoCloseable {
    public static final String BRANCH = "refs/heads/master";
    private final Repository repo;
    private boolean startOver;

    private GitIndexRepository(Repository repo) {
        this.repo = repo;
    }

    /**
     * Opens the bare repository at {@code dir}, creating it (empty, HEAD on {@link #BRANCH}) if missing. One process
     * owns the repository, so lock files found on opening were left by a killed process and are removed (a
     * commit interrupted before its ref moved leaves only unreachable objects).
     */
    public static GitIndexRepository open(Path dir) throws IOException {
        boolean exists = Files.isRegularFile(dir.resolve("HEAD"));
        for (String lock : List.of("HEAD.lock", "packed-refs.lock", BRANCH + ".lock")) Files.deleteIfExists(dir.resolve(lock));
        Repository repo = new FileRepositoryBuilder().setGitDir(dir.toFile()).setBare().build();
        if (!exists) {
            repo.create(true);
            RefUpdate head = repo.updateRef(Constants.HEAD);
            head.link(BRANCH);
        }
        return new GitIndexRepository(repo);
    }

    /** One commit on the branch: its id, message, author login and time. */
    public record Commit(String id, String message, String author, Instant time) {}

    /** The file at {@code path} in the branch's latest commit, if any. */
    public synchronized Optional<byte[]> read(String path) throws IOException {
        ObjectId head = repo.resolve(BRANCH);
        if (head == null) return Optional.empty();
        try (RevWalk rw = new RevWalk(repo)) {
            RevCommit commit = rw.parseCommit(head);
            try (TreeWalk tw = TreeWalk.forPath(repo, path, commit.getTree())) {
                if (tw == null) return Optional.empty();
                return Optional.of(repo.open(tw.getObjectId(0)).getBytes());
            }
        }
    }

    /** Every file in the branch's latest commit: path to git blob id (compare with {@link #blobId}). */
    public synchronized Map<String, String> files() throws IOException {
        ObjectId head = repo.resolve(BRANCH);
        Map<String, String> out = new HashMap<>();
        if (head == null) return out;
        try (RevWalk rw = new RevWalk(repo); TreeWalk tw = new TreeWalk(repo)) {
            tw.addTree(rw.parseCommit(head).getTree());
            tw.setRecursive(true);
            while (tw.next()) out.put(tw.getPathString(), tw.getObjectId(0).name());
        }
        return out;
    }

    /** The git blob id of some content, as {@link #files} reports it. */
    public static String blobId(byte[] content) {
        return new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, content).name();
    }

    /**
     * Commits the given files (path to new content; null deletes) as one commit on the branch.
     * Returns the commit id, or empty if the tree would not change (no empty commits).
     */
    public synchronized Optional<String> commit(Map<String, byte[]> changes, String message, String authorLogin) throws IOException {
        return commit(changes, message, authorLogin, Instant.now(), false);
    }

    /**
     * A commit whose id depends only on its inputs and the branch's head: author {@code authorLogin} and committer
     * {@code sandcrate}, both at {@code when} in UTC. Two repositories given the same sequence of calls have the same
     * commit ids. With {@code allowEmpty} an unchanged tree still makes a commit (one commit per call).
     */
    public synchronized Optional<String> commit(Map<String, byte[]> changes, String message, String authorLogin, Instant when,
                                                boolean allowEmpty) throws IOException {
        ObjectId headId = repo.resolve(BRANCH);
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = repo.newObjectReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit head = headId == null || startOver ? null : rw.parseCommit(headId);
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            if (head != null) builder.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, head.getTree());
            builder.finish();
            DirCacheEditor editor = index.editor();
            for (var change : changes.entrySet()) {
                if (change.getValue() == null) {
                    editor.add(new DirCacheEditor.DeletePath(change.getKey()));
                } else {
                    ObjectId blob = ins.insert(Constants.OBJ_BLOB, change.getValue());
                    editor.add(new DirCacheEditor.PathEdit(change.getKey()) {
                        @Override
                        public void apply(DirCacheEntry ent) {
                            ent.setFileMode(FileMode.REGULAR_FILE);
                            ent.setObjectId(blob);
                        }
                    });
                }
            }
            editor.finish();
            ObjectId tree = index.writeTree(ins);
            if (!allowEmpty && head != null && head.getTree().equals(tree)) return Optional.empty();

            ObjectId commitId = ins.insert(commitBuilder(tree, head, message, authorLogin, when));
            ins.flush();
            moveBranch(rw, headId, commitId, message);
            return Optional.of(commitId.name());
        }
    }

    /**
     * One commit of {@link #commitEach}: the new content of one file, computed from its content in the commit before
     * (null when it has none), with its message, author and time (as {@link #commit(Map, String, String, Instant, boolean)}).
     */
    public record FileCommit(String path, java.util.function.UnaryOperator<byte[]> content, String message, String authorLogin,
                             Instant when) {}

    /**
     * Makes one commit per element, in order, each on the one before, and moves the branch once at the end: the same
     * commits as that many calls of {@link #commit(Map, String, String, Instant, boolean)} with {@code allowEmpty},
     * without reading the tree back from the repository for every one. Returns the last commit's id (empty if none).
     */
    public synchronized Optional<String> commitEach(List<FileCommit> commits) throws IOException {
        if (commits.isEmpty()) return Optional.empty();
        ObjectId headId = repo.resolve(BRANCH);
        try (ObjectInserter ins = repo.newObjectInserter(); ObjectReader reader = ins.newReader(); RevWalk rw = new RevWalk(reader)) {
            RevCommit head = headId == null || startOver ? null : rw.parseCommit(headId);
            DirCache index = DirCache.newInCore();
            DirCacheBuilder builder = index.builder();
            if (head != null) builder.addTree(new byte[0], DirCacheEntry.STAGE_0, reader, head.getTree());
            builder.finish();
            ObjectId parent = head;
            for (FileCommit c : commits) {
                DirCacheEntry existing = index.getEntry(c.path());
                byte[] current = existing == null ? null : reader.open(existing.getObjectId()).getBytes();
                ObjectId blob = ins.insert(Constants.OBJ_BLOB, c.content().apply(current));
                DirCacheEditor editor = index.editor();
                editor.add(new DirCacheEditor.PathEdit(c.path()) {
                    @Override
                    public void apply(DirCacheEntry ent) {
                        ent.setFileMode(FileMode.REGULAR_FILE);
                        ent.setObjectId(blob);
                    }
                });
                editor.finish();
                parent = ins.insert(commitBuilder(index.writeTree(ins), parent, c.message(), c.authorLogin(), c.when()));
            }
            ins.flush();
            moveBranch(rw, headId, parent, commits.getLast().message());
            return Optional.of(parent.name());
        }
    }

    private static CommitBuilder commitBuilder(ObjectId tree, ObjectId parent, String message, String authorLogin, Instant when) {
        CommitBuilder cb = new CommitBuilder();
        cb.setTreeId(tree);
        if (parent != null) cb.setParentId(parent);
        cb.setAuthor(new PersonIdent(authorLogin, authorLogin + "@sandcrate", when, java.time.ZoneOffset.UTC));
        cb.setCommitter(new PersonIdent("sandcrate", "sandcrate@localhost", when, java.time.ZoneOffset.UTC));
        cb.setMessage(message.endsWith("\n") ? message : message + "\n");
        return cb;
    }

    private void moveBranch(RevWalk rw, ObjectId from, ObjectId to, String message) throws IOException {
        RefUpdate ru = repo.updateRef(BRANCH);
        ru.setNewObjectId(to);
        ru.setExpectedOldObjectId(from == null ? ObjectId.zeroId() : from);
        ru.setForceUpdate(startOver);
        ru.setRefLogMessage("commit: " + message.lines().findFirst().orElse(""), false);
        RefUpdate.Result result = ru.update(rw);
        if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FAST_FORWARD && !(startOver && result == RefUpdate.Result.FORCED)) {
            throw new IOException("could not move " + BRANCH + " to the new commit: " + result);
        }
        startOver = false;
    }

    /**
     * Starts the branch's history over: the next commit has no parent and builds its tree from nothing, and replaces
     * the branch (a non-fast-forward for clients; the old objects stay, unreachable). Until then the branch is as it was.
     */
    public synchronized void startOver() {
        startOver = true;
    }

    /** The branch's history, newest first, at most {@code limit} commits. */
    public synchronized List<Commit> log(int limit) throws IOException {
        List<Commit> out = new ArrayList<>();
        ObjectId head = repo.resolve(BRANCH);
        if (head == null) return out;
        try (RevWalk rw = new RevWalk(repo)) {
            rw.markStart(rw.parseCommit(head));
            for (RevCommit c : rw) {
                if (out.size() >= limit) break;
                out.add(new Commit(c.name(), c.getFullMessage().strip(), c.getAuthorIdent().getName(),
                        c.getAuthorIdent().getWhenAsInstant()));
            }
        }
        return out;
    }

    /** Smart HTTP, step 1 ({@code GET info/refs?service=git-upload-pack}): the service header and the refs. */
    public void advertiseUploadPack(OutputStream out) throws IOException {
        UploadPack up = new UploadPack(repo);
        up.setBiDirectionalPipe(false);
        PacketLineOut pck = new PacketLineOut(out);
        up.sendAdvertisedRefs(new RefAdvertiser.PacketLineOutRefAdvertiser(pck), "git-upload-pack");
        out.flush();
    }

    /** Smart HTTP, step 2 ({@code POST git-upload-pack}): negotiate with the client and send the pack. */
    public void uploadPack(InputStream in, OutputStream out) throws IOException {
        UploadPack up = new UploadPack(repo);
        up.setBiDirectionalPipe(false);
        up.upload(in, out, null);
        out.flush();
    }

    @Override
    public void close() {
        repo.close();
    }
}

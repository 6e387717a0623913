package dev.sandcrate.precompile.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A hermetic command under bubblewrap: no network, its own PID namespace (so nothing it starts outlives it),
 * read-only /usr, a read-only root and /dev, only the given directories mounted at fixed points, sized tmpfs at /tmp
 * and /dev/shm, a clean environment, rlimits, and a {@link ResourceWatch} from outside. Fixed mount points are what
 * makes builds reproducible across machines and directories (cargo hashes absolute paths into symbol names).
 * Started by root, the command runs as a fresh unprivileged uid (root is exempt from the process-count rlimit).
 */
public final class Bubblewrap {
    public static final Path BWRAP = Path.of("/usr/bin/bwrap");
    public static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
    public static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** POSIX shared memory gets less than /tmp: builds hardly use it. */
    private static final long SHM_BYTES = 64L << 20;
    /** Sandboxes started by root run as a uid from [SANDBOX_UIDS, 2 * SANDBOX_UIDS): no such user exists on a normal host. */
    private static final long SANDBOX_UIDS = 1L << 29;
    private static final boolean RUNNING_AS_ROOT = runningAsRoot();
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Mount(Path host, String inside, boolean writable) {
    }

    private final List<Mount> mounts = new ArrayList<>();
    private final Map<String, String> env = new TreeMap<>();
    private String workDir = "/";

    /** Base environment of every sandboxed command: nothing inherited from the caller. */
    public Bubblewrap() {
        env.put("PATH", "/usr/bin");
        env.put("HOME", "/tmp/home");
        env.put("TZ", "UTC");
        env.put("LANG", "C");
        env.put("LC_ALL", "C");
    }

    public Bubblewrap bind(Path host, String inside) {
        mounts.add(new Mount(host.toAbsolutePath(), inside, true));
        return this;
    }

    public Bubblewrap readOnly(Path host, String inside) {
        mounts.add(new Mount(host.toAbsolutePath(), inside, false));
        return this;
    }

    public Bubblewrap env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Bubblewrap workDir(String inside) {
        this.workDir = inside;
        return this;
    }

    public Map<String, String> environment() {
        return new LinkedHashMap<>(env);
    }

    /**
     * The full command line: bwrap, its mounts and env, prlimit with the limits, then {@code command}. As root the
     * command runs as {@code uid}; otherwise as the caller, in a user namespace of its own.
     */
    List<String> command(List<String> command, BuildLimits limits, long uid) {
        List<String> c = new ArrayList<>(List.of(BWRAP.toString()));
        c.addAll(RUNNING_AS_ROOT
                // no user namespace: the processes need a real uid other than 0 for RLIMIT_NPROC to count them;
                // bwrap keeps only the two capabilities setpriv needs to switch to it (and setpriv drops them)
                ? List.of("--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                        "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID")
                : List.of("--unshare-all"));
        c.addAll(List.of("--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                // build scripts call `cc`, which Debian resolves through alternatives and the loader cache
                // (bwrap would create /etc as 0700 for root: unusable once the command is another uid)
                "--perms", "0755", "--dir", "/etc",
                "--ro-bind", "/etc/alternatives", "/etc/alternatives",
                "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache",
                "--dev", "/dev", "--proc", "/proc",
                // tmpfs live in RAM: sized, and the root and /dev (tmpfs too) read-only once everything is mounted
                "--perms", "1777", "--size", String.valueOf(Math.min(limits.tmpBytes(), SHM_BYTES)), "--tmpfs", "/dev/shm",
                "--perms", "1777", "--size", String.valueOf(limits.tmpBytes()), "--tmpfs", "/tmp"));
        for (Mount m : mounts) {
            c.addAll(List.of(m.writable ? "--bind" : "--ro-bind", m.host.toString(), m.inside));
        }
        c.addAll(List.of("--remount-ro", "/dev", "--remount-ro", "/"));
        c.addAll(List.of("--chdir", workDir, "--clearenv"));
        env.forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
        c.add("--");
        if (RUNNING_AS_ROOT) {
            c.addAll(List.of(SETPRIV.toString(), "--reuid=" + uid, "--regid=" + uid, "--clear-groups",
                    "--inh-caps=-all", "--bounding-set=-all", "--"));
        }
        c.addAll(List.of(PRLIMIT.toString(),
                "--cpu=" + limits.cpuSeconds(), "--as=" + limits.addressSpaceBytes(),
                "--fsize=" + limits.maxFileBytes(), "--nproc=" + limits.maxTasks(), "--core=0"));
        c.addAll(command);
        return c;
    }

    /**
     * Runs {@code command} in the sandbox. When this returns, every process of the sandbox is gone (its PID namespace
     * ends with it), so what it left in its folders can no longer change.
     */
    public ProcessRunner.Result run(List<String> command, BuildLimits limits, Path log) {
        List<Path> writable = mounts.stream().filter(Mount::writable).map(Mount::host).toList();
        // as root: a uid of its own for each run, so that runs do not share one process count; it owns the writable folders
        long uid = RUNNING_AS_ROOT ? SANDBOX_UIDS + RANDOM.nextLong(SANDBOX_UIDS) : -1;
        if (RUNNING_AS_ROOT) writable.forEach(dir -> giveTo(dir, uid));
        // bwrap itself gets an empty environment too: --clearenv already hides ours from the command
        return ProcessRunner.toLog(command(command, limits, uid), null, Map.of("PATH", "/usr/bin"), limits.wallClock(), log,
                new ResourceWatch(limits, writable));
    }

    /** Makes {@code uid} the owner of everything under {@code dir} (not following links). */
    private static void giveTo(Path dir, long uid) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.toList()) {
                Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", (int) uid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hand " + dir + " to the sandbox's uid " + uid, e);
        }
    }

    private static boolean runningAsRoot() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}

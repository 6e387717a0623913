package dev.sandcrate.precompile.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A hermetic command under bubblewrap: no network (all namespaces unshared), read-only /usr, only the given
 * directories mounted at fixed points, a clean environment, and rlimits. Fixed mount points are what makes
 * builds reproducible across machines and directories (cargo hashes absolute paths into symbol names).
 */
public final class Bubblewrap {
    public static final Path BWRAP = Path.of("/usr/bin/bwrap");
    public static final Path PRLIMIT = Path.of("/usr/bin/prlimit");

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

    /** The full command line: bwrap, its mounts and env, prlimit with the limits, then {@code command}. */
    public List<String> command(List<String> command, BuildLimits limits) {
        List<String> c = new ArrayList<>(List.of(BWRAP.toString(),
                "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr",
                "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
                // build scripts call `cc`, which Debian resolves through alternatives and the loader cache
                "--ro-bind", "/etc/alternatives", "/etc/alternatives",
                "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache",
                "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        for (Mount m : mounts) {
            c.addAll(List.of(m.writable ? "--bind" : "--ro-bind", m.host.toString(), m.inside));
        }
        c.addAll(List.of("--chdir", workDir, "--clearenv"));
        env.forEach((k, v) -> c.addAll(List.of("--setenv", k, v)));
        c.addAll(List.of("--", PRLIMIT.toString(),
                "--cpu=" + limits.cpuSeconds(), "--as=" + limits.addressSpaceBytes(),
                "--fsize=" + limits.maxFileBytes(), "--core=0"));
        c.addAll(command);
        return c;
    }

    public ProcessRunner.Result run(List<String> command, BuildLimits limits, Path log) {
        // bwrap itself gets an empty environment too: --clearenv already hides ours from the command
        return ProcessRunner.toLog(command(command, limits), null, Map.of("PATH", "/usr/bin"), limits.wallClock(), log);
    }
}

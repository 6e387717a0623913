package dev.sandcrate.precompile.pipeline;

import dev.sandcrate.precompile.sandbox.Bubblewrap;
import dev.sandcrate.precompile.toolchain.Toolchain;
import dev.sandcrate.precompile.toolchain.WasmStd;

import java.nio.file.Path;
import java.util.Map;

/** The one sandbox configuration every cargo run of a build workspace uses. */
final class Sandboxes {
    /** Crates allowed to use unstable features: the bridge server implements rustc's internal proc_macro bridge. */
    static final String BOOTSTRAP_CRATES = "sandcrate_bridge_server";

    /** RUSTFLAGS for wasm compilations when a sysroot is given. */
    private static final String RUSTFLAGS = "--sysroot=" + BuildWorkspace.SYSROOT_MOUNT + " --cap-lints=warn";

    private Sandboxes() {
    }

    /** Everything in {@link #cargo}'s environment that can change a compiled dependency (part of its cache key). */
    static String cacheRelevantEnvironment() {
        return "mount " + BuildWorkspace.MOUNT + " target " + BuildWorkspace.MOUNT + "/target RUSTFLAGS " + RUSTFLAGS
                + " RUSTC_BOOTSTRAP " + BOOTSTRAP_CRATES + " SOURCE_DATE_EPOCH 0";
    }

    /**
     * Workspace at /build, the wasm std sysroot (if given) read-only at /sysroot, cargo home on a tmpfs,
     * fixed SOURCE_DATE_EPOCH; {@code extraEnv} is where the two verification builds differ.
     */
    static Bubblewrap cargo(Path workspace, Toolchain toolchain, WasmStd.Sysroot sysroot, Map<String, String> extraEnv) {
        Bubblewrap b = new Bubblewrap().bind(workspace, BuildWorkspace.MOUNT).workDir(BuildWorkspace.MOUNT)
                .env("CARGO_HOME", "/tmp/cargo-home")
                .env("CARGO_TARGET_DIR", BuildWorkspace.MOUNT + "/target")
                .env("RUSTC", toolchain.rustc().toString())
                .env("SOURCE_DATE_EPOCH", "0")
                .env("CARGO_TERM_COLOR", "never");
        if (sysroot != null) {
            b.readOnly(sysroot.path(), BuildWorkspace.SYSROOT_MOUNT)
                    // with --target, RUSTFLAGS reach only wasm compilations; build scripts use the host's std
                    .env("RUSTFLAGS", RUSTFLAGS)
                    .env("RUSTC_BOOTSTRAP", BOOTSTRAP_CRATES);
        }
        extraEnv.forEach(b::env);
        return b;
    }
}

package dev.sandcrate.runtime;

/** Version of the runtime, reported by {@code --version} and PING. */
public final class RuntimeVersion {

    public static final String VERSION = "0.1.0";

    private RuntimeVersion() {}
}

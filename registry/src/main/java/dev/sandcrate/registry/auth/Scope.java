package dev.sandcrate.registry.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What an API token may do (crates.io's endpoint scopes, plus {@code read} for auth-required registries). */
public enum Scope {
    PUBLISH_NEW, PUBLISH_UPDATE, YANK, CHANGE_OWNERS, READ;

    /** The spelling users type and the database stores: {@code publish-new}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Scope parse(String label) {
        for (Scope s : values()) if (s.label().equals(label.strip())) return s;
        throw new IllegalArgumentException("unknown scope '" + label + "'; scopes are " + allLabels());
    }

    public static String allLabels() {
        return Arrays.stream(values()).map(Scope::label).collect(Collectors.joining(", "));
    }
}

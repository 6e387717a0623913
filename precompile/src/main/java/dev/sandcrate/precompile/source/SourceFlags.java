package dev.sandcrate.precompile.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Things in a macro crate that may make its sandboxed build behave differently from a native one: a build script
 * of its own, and host APIs that fail on wasm32-unknown-unknown.
 * Flagged, not rejected: the operator's allow/deny list decides.
 */
public final class SourceFlags {
    private static final Map<String, Pattern> HOST_APIS = new LinkedHashMap<>();

    static {
        HOST_APIS.put("std::fs", Pattern.compile("\\bstd\\s*::\\s*fs\\b|\\bFile\\s*::\\s*open\\b"));
        HOST_APIS.put("std::env", Pattern.compile("\\bstd\\s*::\\s*env\\b|\\benv\\s*::\\s*var(_os)?\\s*\\("));
        HOST_APIS.put("std::process", Pattern.compile("\\bstd\\s*::\\s*process\\b"));
        HOST_APIS.put("std::net", Pattern.compile("\\bstd\\s*::\\s*net\\b"));
        HOST_APIS.put("time", Pattern.compile("\\bSystemTime\\b|\\bInstant\\s*::\\s*now\\b"));
        HOST_APIS.put("randomness", Pattern.compile("\\bgetrandom\\b|\\brand\\s*::|\\bRandomState\\b"));
    }

    private SourceFlags() {
    }

    private static String effect(String api) {
        return switch (api) {
            case "std::env" -> "sees only the variables cargo sets for the crate being compiled, as natively; others are absent";
            case "std::fs" -> "reads only the files of the crate being compiled and its OUT_DIR, which the shim gives; nothing else, and no writing";
            default -> "fails or differs on wasm32";
        };
    }

    public static List<String> scan(Path crateDir) {
        List<String> flags = new ArrayList<>();
        if (Files.isRegularFile(crateDir.resolve("build.rs"))) {
            flags.add("build script: build.rs (runs only inside the sandbox)");
        }
        try (Stream<Path> files = Files.walk(crateDir)) {
            for (Path file : files.filter(p -> p.toString().endsWith(".rs")).sorted().toList()) {
                String rel = crateDir.relativize(file).toString();
                if (rel.equals("build.rs") || rel.startsWith("tests/") || rel.startsWith("benches/") || rel.startsWith("examples/")) continue;
                String text = Files.readString(file);
                HOST_APIS.forEach((api, pattern) -> {
                    if (pattern.matcher(text).find()) flags.add("uses " + api + " in " + rel + " (" + effect(api) + ")");
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return flags;
    }
}

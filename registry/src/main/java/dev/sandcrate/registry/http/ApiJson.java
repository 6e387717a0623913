package dev.sandcrate.registry.http;

import java.util.List;

/**
 * The small answers every route class shares, as records Jackson writes in component order (the order on the wire).
 * Route-specific bodies are records beside their routes ({@link CrateJson}, the web UI's {@code PageJson}, ...).
 */
public final class ApiJson {
    private ApiJson() {}

    /** {@code {"ok":true}}: a change was made and there is nothing more to say. */
    public record Ok(boolean ok) {
        public static final Ok OK = new Ok(true);
    }

    /** {@code {"ok":true,"msg":...}}: a change was made, and what it did (cargo prints {@code msg} for owner changes). */
    public record OkMessage(boolean ok, String msg) {
        public OkMessage(String msg) {
            this(true, msg);
        }
    }

    /** {@code {"errors":[{"detail":...}]}}: what cargo and the UI show when a request fails. */
    public record Errors(List<Detail> errors) {
        public static Errors of(List<String> details) {
            return new Errors(details.stream().map(Detail::new).toList());
        }
    }

    public record Detail(String detail) {}
}

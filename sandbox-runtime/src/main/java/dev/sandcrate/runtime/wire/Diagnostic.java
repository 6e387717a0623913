package dev.sandcrate.runtime.wire;

import java.util.List;

/** A diagnostic the macro emitted ({@code proc_macro::Diagnostic::emit}). */
public record Diagnostic(Level level, String message, List<Integer> spans, List<Diagnostic> children) {

    public enum Level { ERROR, WARNING, NOTE, HELP }

    public Diagnostic {
        spans = List.copyOf(spans);
        children = List.copyOf(children);
    }
}

package dev.sandcrate.runtime.wire;

/** What a span table entry says about one span (see docs/wire-format.md). */
public sealed interface SpanInfo {

    /**
     * A span known by position. Lines and columns are 1-based, columns count chars, byte offsets are relative to
     * the start of {@code file}. {@code file} and {@code sourceText} may be null.
     */
    record Located(String file, boolean local, int startLine, int startColumn, int endLine, int endColumn,
                   int byteStart, int byteEnd, String sourceText) implements SpanInfo {}

    /** {@code position} moved into the hygiene context of {@code context} ({@code Span::resolved_at}). */
    record ResolvedAt(int position, int context) implements SpanInfo {}

    /** {@code Span::join}: from the start of {@code first} to the end of {@code second}. */
    record Join(int first, int second) implements SpanInfo {}

    /** Bytes {@code start..end} of {@code base}. */
    record Subspan(int base, int start, int end) implements SpanInfo {}

    /** Empty span at the start of {@code base}. */
    record Start(int base) implements SpanInfo {}

    /** Empty span at the end of {@code base}. */
    record End(int base) implements SpanInfo {}
}

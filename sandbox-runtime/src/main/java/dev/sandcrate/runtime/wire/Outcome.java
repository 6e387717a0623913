package dev.sandcrate.runtime.wire;

import java.util.List;

/** How an expansion ended. */
public sealed interface Outcome {

    /** The macro returned this stream. */
    record Expanded(List<TokenTree> stream) implements Outcome {
        public Expanded {
            stream = List.copyOf(stream);
        }
    }

    /** The macro panicked; {@code location} may be null. */
    record Panicked(String message, PanicLocation location) implements Outcome {}

    /** The request could not be run (bad request, unknown macro, source text that does not lex). */
    record Failed(String message) implements Outcome {}

    /**
     * The macro named files (or the working directory) the request did not give: send it again with them in
     * {@link Request#inputs()}. Version 3 only.
     */
    record NeedsInputs(boolean currentDir, List<String> paths) implements Outcome {
        public NeedsInputs {
            paths = List.copyOf(paths);
        }
    }

    record PanicLocation(String file, int line, int column) {}
}

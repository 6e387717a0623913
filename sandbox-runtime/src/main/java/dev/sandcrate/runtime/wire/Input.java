package dev.sandcrate.runtime.wire;

import java.util.List;

/** A macro input: tokens with span ids, or Rust source text that the module lexes itself. */
public sealed interface Input {

    record Tokens(List<TokenTree> stream) implements Input {
        public Tokens {
            stream = List.copyOf(stream);
        }
    }

    record Source(String file, String text) implements Input {}
}

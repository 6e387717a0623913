package dev.sandcrate.runtime.wire;

/** A wire message that does not decode: what was wrong and at which byte offset. */
public final class WireException extends Exception {

    private final int offset;
    private final String problem;

    public WireException(int offset, String problem) {
        super("invalid sandcrate wire message at byte " + offset + ": " + problem);
        this.offset = offset;
        this.problem = problem;
    }

    public int offset() {
        return offset;
    }

    public String problem() {
        return problem;
    }
}

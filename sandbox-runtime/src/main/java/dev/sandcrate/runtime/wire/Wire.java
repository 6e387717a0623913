package dev.sandcrate.runtime.wire;

/** Constants of the Sandcrate wire format, version 1 (docs/wire-format.md). */
public final class Wire {

    static final byte[] MAGIC = {'S', 'C', 'W', 'F'};
    public static final int VERSION = 2;
    static final int MESSAGE_REQUEST = 1;
    static final int MESSAGE_RESPONSE = 2;
    /** "No string" in string-index fields (u32::MAX). */
    static final int NONE = -1;
    /** Deepest group nesting a decoder accepts. */
    public static final int MAX_DEPTH = 512;

    private Wire() {}
}

package dev.sandcrate.runtime.wire;

/** Constants of the Sandcrate wire format, versions 2 and 3 (docs/wire-format.md). */
public final class Wire {

    static final byte[] MAGIC = {'S', 'C', 'W', 'F'};
    /** Newest version: the one that carries file inputs. */
    public static final int VERSION = 3;
    /** Oldest version read; a message that needs nothing of version 3 is written as version 2. */
    public static final int OLDEST_VERSION = 2;
    static final int MESSAGE_REQUEST = 1;
    static final int MESSAGE_RESPONSE = 2;
    /** "No string" in string-index fields (u32::MAX). */
    static final int NONE = -1;
    /** Deepest group nesting a decoder accepts. */
    public static final int MAX_DEPTH = 512;

    /** The version in a message's header, without reading further; -1 when it does not start like a wire message. */
    public static int versionOf(byte[] message) {
        if (message.length < 6 || message[0] != MAGIC[0] || message[1] != MAGIC[1] || message[2] != MAGIC[2] || message[3] != MAGIC[3]) {
            return -1;
        }
        return (message[4] & 0xff) | (message[5] & 0xff) << 8;
    }

    private Wire() {}
}

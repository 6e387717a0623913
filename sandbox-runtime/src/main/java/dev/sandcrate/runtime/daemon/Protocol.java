package dev.sandcrate.runtime.daemon;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The framed protocol between a shim (or any client) and the runtime, on the Unix socket and on {@code --stdio}
 * alike (docs/runtime.md). Integers are little-endian.
 *
 * <pre>
 * request  = u32 length, u8 op, payload[length - 1]
 * response = u32 length, u8 status, payload[length - 1]
 * EXPAND   payload: u32 session pid, 32-byte sha256 of the module, wire request
 *          -> OK (wire response) | NEED_MODULE | ERROR
 * LOAD     payload: the wasm bytes                      -> OK (sha256 as 64 hex chars) | ERROR
 * PING     payload: empty                               -> OK ("sandcrate-runtime VERSION ENGINE")
 * SHUTDOWN payload: empty                               -> OK, then the daemon exits
 * ERROR    payload: u8 kind (SandboxException.Kind ordinal, 255 = protocol), UTF-8 message
 * </pre>
 */
public final class Protocol {

    public static final int OP_EXPAND = 1;
    public static final int OP_LOAD = 2;
    public static final int OP_PING = 3;
    public static final int OP_SHUTDOWN = 4;

    public static final int STATUS_OK = 0;
    public static final int STATUS_NEED_MODULE = 1;
    public static final int STATUS_ERROR = 2;

    /** Error kind byte for a malformed frame (not a sandbox failure). */
    public static final int KIND_PROTOCOL = 255;

    /** Largest frame accepted (a wasm module or a request); bounds memory per connection. */
    public static final int MAX_FRAME_BYTES = 256 << 20;

    /** Socket file name; carries the protocol version so incompatible runtimes never share a socket. */
    public static final String SOCKET_NAME = "runtime-v1.sock";

    private Protocol() {}

    /** One frame: the op or status byte and the payload. */
    public record Frame(int code, byte[] payload) {}

    /** Reads one frame, or returns null at a clean end of stream before the first byte. */
    public static Frame read(InputStream in) throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        DataInputStream data = new DataInputStream(in);
        long length = Integer.toUnsignedLong(b0 | data.readUnsignedByte() << 8 | data.readUnsignedByte() << 16
                | data.readUnsignedByte() << 24);
        if (length < 1 || length > MAX_FRAME_BYTES) {
            throw new ProtocolException("frame length " + length + " is outside 1.." + MAX_FRAME_BYTES);
        }
        int code = data.readUnsignedByte();
        byte[] payload = new byte[(int) length - 1];
        try {
            data.readFully(payload);
        } catch (EOFException e) {
            throw new ProtocolException("connection closed in the middle of a frame");
        }
        return new Frame(code, payload);
    }

    /** Writes the frame with one write: a header sent on its own wakes the peer for a partial frame. */
    public static void write(OutputStream out, int code, byte[] payload) throws IOException {
        int length = payload.length + 1;
        byte[] frame = new byte[4 + length];
        frame[0] = (byte) length;
        frame[1] = (byte) (length >>> 8);
        frame[2] = (byte) (length >>> 16);
        frame[3] = (byte) (length >>> 24);
        frame[4] = (byte) code;
        System.arraycopy(payload, 0, frame, 5, payload.length);
        out.write(frame);
        out.flush();
    }

    /** A peer that does not speak the protocol. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super(message);
        }
    }
}

package dev.sandcrate.runtime.engine.isolated;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;

/**
 * The messages between the runtime and its engine worker, on the worker's stdin/stdout. Calls carry an id so
 * several rustc sessions can wait on the worker at once; answers come back in any order.
 *
 * <pre>
 * call   = i32 id, u8 op, i32 length, body[length]
 * answer = i32 id, u8 status, i32 length, body[length]
 * LOAD        body: sha256 (64 hex chars), wasm  -> OK: u8 has manifest, manifest (UTF-8)
 * INSTANTIATE body: sha256 (64 hex chars)        -> OK: i32 instance | NOT_LOADED
 * EXPAND      body: i32 instance, wire request   -> OK: u8 still usable, wire response
 * CLOSE       body: i32 instance                 -> OK
 * ERROR       body: u8 SandboxException.Kind ordinal, message (UTF-8)
 * </pre>
 */
final class WorkerChannel {

    static final int OP_LOAD = 1;
    static final int OP_INSTANTIATE = 2;
    static final int OP_EXPAND = 3;
    static final int OP_CLOSE = 4;

    static final int STATUS_OK = 0;
    static final int STATUS_ERROR = 1;
    static final int STATUS_NOT_LOADED = 2;

    private static final int MAX_BODY_BYTES = 512 << 20;

    private WorkerChannel() {}

    /** One call or answer. */
    record Message(int id, int code, byte[] body) {}

    /** The next message, or null at the end of the stream. */
    static Message read(DataInputStream in) throws IOException {
        int id;
        try {
            id = in.readInt();
        } catch (EOFException e) {
            return null;
        }
        int code = in.readUnsignedByte();
        int length = in.readInt();
        if (length < 0 || length > MAX_BODY_BYTES) {
            throw new IOException("engine worker message of " + length + " bytes");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return new Message(id, code, body);
    }

    /** Writes one message and flushes; callers hold the stream's lock. */
    static void write(DataOutputStream out, int id, int code, byte[] body) throws IOException {
        out.writeInt(id);
        out.writeByte(code);
        out.writeInt(body.length);
        out.write(body);
        out.flush();
    }
}

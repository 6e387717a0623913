package dev.sandcrate.runtime.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

/** A Java client of the daemon protocol (the CLI's {@code status}/{@code stop}, tests, benchmarks). */
public final class DaemonClient implements AutoCloseable {

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    private DaemonClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel));
    }

    public static DaemonClient connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new DaemonClient(channel);
    }

    public Protocol.Frame call(int op, byte[] payload) throws IOException {
        Protocol.write(out, op, payload);
        Protocol.Frame response = Protocol.read(in);
        if (response == null) {
            throw new Protocol.ProtocolException("the runtime closed the connection without answering");
        }
        return response;
    }

    public String ping() throws IOException {
        return okText(call(Protocol.OP_PING, new byte[0]));
    }

    public void load(byte[] wasm) throws IOException {
        okText(call(Protocol.OP_LOAD, wasm));
    }

    /** EXPAND for session {@code pid}; the response frame is OK, NEED_MODULE or ERROR. */
    public Protocol.Frame expand(long pid, String sha256, byte[] wireRequest) throws IOException {
        ByteBuffer payload = ByteBuffer.allocate(36 + wireRequest.length).order(ByteOrder.LITTLE_ENDIAN);
        payload.putInt((int) pid).put(HexFormat.of().parseHex(sha256)).put(wireRequest);
        return call(Protocol.OP_EXPAND, payload.array());
    }

    public void shutdown() throws IOException {
        okText(call(Protocol.OP_SHUTDOWN, new byte[0]));
    }

    /** The message of an ERROR frame. */
    public static String errorMessage(Protocol.Frame frame) {
        return new String(frame.payload(), 1, frame.payload().length - 1, StandardCharsets.UTF_8);
    }

    private static String okText(Protocol.Frame frame) throws IOException {
        if (frame.code() == Protocol.STATUS_ERROR) {
            throw new IOException(errorMessage(frame));
        }
        if (frame.code() != Protocol.STATUS_OK) {
            throw new Protocol.ProtocolException("unexpected status " + frame.code());
        }
        return new String(frame.payload(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

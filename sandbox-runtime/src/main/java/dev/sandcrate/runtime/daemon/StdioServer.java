package dev.sandcrate.runtime.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The same protocol on a pair of streams (stdin/stdout): one client, ends at end of input or SHUTDOWN. */
public final class StdioServer {

    private StdioServer() {}

    public static void serve(MacroService service, InputStream rawIn, OutputStream rawOut) throws IOException {
        InputStream in = new BufferedInputStream(rawIn);
        OutputStream out = new BufferedOutputStream(rawOut);
        MacroService.Client client = new MacroService.Client();
        Protocol.Frame request;
        while ((request = Protocol.read(in)) != null) {
            if (request.code() == Protocol.OP_SHUTDOWN) {
                Protocol.write(out, Protocol.STATUS_OK, new byte[0]);
                return;
            }
            Protocol.Frame response = service.handle(request, client);
            Protocol.write(out, response.code(), response.payload());
        }
    }
}

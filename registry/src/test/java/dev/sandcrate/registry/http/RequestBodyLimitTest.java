package dev.sandcrate.registry.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandcrate.registry.Registry;
import dev.sandcrate.registry.RegistryConfig;
import dev.sandcrate.registry.auth.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Chunked request bodies (no Content-Length) are capped by the bytes the server actually reads: the client keeps
 * sending, the server answers 413 (or 403 for a token that cannot publish) long before the body ends.
 */
class RequestBodyLimitTest {
    private static final long HUGE = 100L << 20;
    @TempDir
    Path tmp;
    Registry registry;

    @BeforeEach
    void start() throws IOException {
        registry = Registry.start(RegistryConfig.loopback(tmp.resolve("data")));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    /** What came back and how much of the body the server took before answering. */
    record Outcome(int status, String body, long bytesSent) {}

    /** Sends {@code total} bytes of filler as a chunked body on a raw socket, reading the answer while sending. */
    Outcome sendChunked(String method, String path, List<String> headers, byte[] prefix, long total) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", registry.port())) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n");
            for (String h : headers) head.append(h).append("\r\n");
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            CompletableFuture<String> response = CompletableFuture.supplyAsync(() -> {
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                try {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        got.write(buf, 0, n);
                        if (complete(got.toString(StandardCharsets.ISO_8859_1))) break;
                    }
                } catch (IOException e) {
                    // the server may reset the connection once it has answered
                }
                return got.toString(StandardCharsets.UTF_8);
            });
            AtomicLong sent = new AtomicLong();
            byte[] filler = new byte[64 * 1024];
            java.util.Arrays.fill(filler, (byte) 'a');
            try {
                if (prefix.length > 0) writeChunk(out, prefix); // an empty chunk would end the body
                sent.addAndGet(prefix.length);
                while (sent.get() < total && !response.isDone()) {
                    writeChunk(out, filler);
                    sent.addAndGet(filler.length);
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the server closed the connection: it stopped reading, which is the point
            }
            String raw = response.get(60, TimeUnit.SECONDS);
            int status = Integer.parseInt(raw.substring(9, 12));
            String body = raw.substring(raw.indexOf("\r\n\r\n") + 4);
            return new Outcome(status, body, sent.get());
        }
    }

    private static boolean complete(String raw) {
        int end = raw.indexOf("\r\n\r\n");
        if (end < 0) return false;
        String headers = raw.substring(0, end).toLowerCase(java.util.Locale.ROOT);
        int cl = headers.indexOf("content-length:");
        if (cl < 0) return raw.endsWith("0\r\n\r\n");
        long len = Long.parseLong(headers.substring(cl + 15, headers.indexOf('\r', cl) < 0 ? headers.length() : headers.indexOf('\r', cl)).strip());
        return raw.length() - end - 4 >= len;
    }

    private static void writeChunk(OutputStream out, byte[] data) throws IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static String detail(Outcome o) throws IOException {
        return new ObjectMapper().readTree(o.body()).at("/errors/0/detail").asText();
    }

    @Test
    void publishWithAReadOnlyTokenIsRefusedBeforeTheBodyIsRead() throws Exception {
        long id = registry.users().add("reader", false).id();
        String token = registry.tokens().create(id, "read", EnumSet.of(Scope.READ), List.of(), null).secret();
        Outcome o = sendChunked("PUT", "/api/v1/crates/new", List.of("Authorization: " + token), new byte[0], HUGE);
        assertEquals(403, o.status(), o.body());
        assertTrue(detail(o).contains("publish"), o.body());
        assertTrue(o.bytesSent() < 32L << 20, "the server took " + o.bytesSent() + " bytes of a body it should not read");
    }

    @Test
    void aChunkedPublishBodyIsCutAtTheUploadLimit() throws Exception {
        long id = registry.users().add("alice", false).id();
        String token = registry.tokens().create(id, "all", EnumSet.allOf(Scope.class), List.of(), null).secret();
        Outcome o = sendChunked("PUT", "/api/v1/crates/new", List.of("Authorization: " + token), new byte[0], HUGE);
        assertEquals(413, o.status(), o.body());
        assertTrue(detail(o).contains("limit"), o.body());
        assertTrue(o.bytesSent() < 48L << 20, "the server took " + o.bytesSent() + " bytes of a 100 MiB body");
    }

    @Test
    void aChunkedSignInBodyIsCutAtTheJsonLimit() throws Exception {
        byte[] prefix = "{\"login\":\"alice\",\"password\":\"".getBytes(StandardCharsets.UTF_8);
        Outcome o = sendChunked("POST", "/ui/api/login", List.of("Content-Type: application/json"), prefix, 60L << 20);
        assertEquals(413, o.status(), o.body());
        assertTrue(detail(o).contains("limit of " + RequestBodies.MAX_JSON_BYTES), o.body());
        assertTrue(o.bytesSent() < 24L << 20, "the server took " + o.bytesSent() + " bytes of a 60 MiB body");
    }

    @Test
    void aBodyWithAnHonestContentLengthOverTheLimitIsRefusedAtOnce() throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(registry.url() + "/ui/api/login"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[RequestBodies.MAX_JSON_BYTES + 1])).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(413, r.statusCode(), r.body());
    }
}

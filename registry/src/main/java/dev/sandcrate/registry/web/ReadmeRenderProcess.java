package dev.sandcrate.registry.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Renders one readme in a child JVM, so that a readme that makes the markdown parser run for minutes or overflow its
 * stack costs at most {@link #BUDGET} of one core and {@link #MAX_HEAP_MIB} MiB, then is killed (a Java thread cannot
 * be stopped). The child reads {@code path\n} and the text on stdin and writes the HTML on stdout.
 */
final class ReadmeRenderProcess {
    static final Duration BUDGET = Duration.ofSeconds(15);
    static final int MAX_HTML_BYTES = 4 << 20;
    static final int MAX_HEAP_MIB = 128;

    /** The HTML, or the reason there is none. */
    record Result(String html, String failure) {}

    private ReadmeRenderProcess() {
    }

    /** Interrupted (the registry is stopping) means no result, not a failed render. */
    static Result render(String path, String text) throws InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = List.of(java, "-Xmx" + MAX_HEAP_MIB + "m", "-Xss2m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ActiveProcessorCount=1", "-cp", System.getProperty("java.class.path"), ReadmeRenderProcess.class.getName());
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            return new Result(null, "could not start the renderer: " + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readCapped(p.getInputStream()));
            try (OutputStream in = p.getOutputStream()) {
                in.write((path + "\n").getBytes(StandardCharsets.UTF_8));
                in.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the child died early; its exit status says why
            }
            if (!p.waitFor(BUDGET.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Result(null, "rendering took longer than " + BUDGET.toSeconds() + " s");
            }
            byte[] html = out.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) return new Result(null, "the markdown renderer failed (exit " + p.exitValue() + ")");
            if (html == null) return new Result(null, "the rendered readme is larger than " + (MAX_HTML_BYTES >> 20) + " MiB");
            return new Result(new String(html, StandardCharsets.UTF_8), null);
        } catch (ExecutionException | TimeoutException e) {
            return new Result(null, "could not read the renderer's output: " + e);
        } finally {
            p.destroyForcibly();
        }
    }

    /** All of the stream, or null past {@link #MAX_HTML_BYTES}. */
    private static byte[] readCapped(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_HTML_BYTES + 1);
            return bytes.length > MAX_HTML_BYTES ? null : bytes;
        } catch (IOException e) {
            return null;
        }
    }

    /** The child: renders stdin to stdout; any failure (a StackOverflowError included) is exit status 1. */
    public static void main(String[] args) {
        try {
            byte[] input = System.in.readAllBytes(); // what the parent sends: a path and a readme cut at MAX_README_BYTES
            String all = new String(input, StandardCharsets.UTF_8);
            int nl = all.indexOf('\n');
            if (nl < 0) System.exit(2);
            String html = CrateDocs.render(all.substring(0, nl), all.substring(nl + 1));
            PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, StandardCharsets.UTF_8);
            out.print(html);
            out.flush();
            System.exit(out.checkError() ? 1 : 0);
        } catch (Throwable t) {
            System.exit(1);
        }
    }
}

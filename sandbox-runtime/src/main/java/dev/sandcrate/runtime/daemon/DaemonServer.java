package dev.sandcrate.runtime.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-user daemon: listens on {@code DIR/runtime-v1.sock} (DIR mode 0700), serves each connection on its own
 * thread, drops sessions of exited processes, and exits after an idle period with no connection.
 * At most one daemon runs per directory: a lock file decides, so shims racing to start one are harmless.
 */
public final class DaemonServer implements AutoCloseable {

    private static final Duration MAX_SWEEP_INTERVAL = Duration.ofSeconds(5);

    private final MacroService service;
    private final Path directory;
    private final Path socket;
    private final Duration idleTimeout;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandcrate-daemon-housekeeping");
        t.setDaemon(true);
        return t;
    });
    private FileChannel lockChannel;
    private FileLock lock;
    private ServerSocketChannel server;

    public DaemonServer(MacroService service, Path directory, Duration idleTimeout) {
        this.service = service;
        this.directory = directory;
        this.socket = directory.resolve(Protocol.SOCKET_NAME);
        this.idleTimeout = idleTimeout;
    }

    public Path socket() {
        return socket;
    }

    /**
     * Takes the directory's lock and starts listening. Returns false (and does nothing) when another daemon already
     * holds the lock.
     */
    public boolean start() throws IOException {
        RuntimePaths.secureDirectory(directory);
        lockChannel = FileChannel.open(directory.resolve("daemon.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            lock = lockChannel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException heldInThisJvm) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            return false;
        }
        Files.deleteIfExists(socket); // left by a daemon that died; we hold the lock, so nobody serves it
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofPlatform().name("sandcrate-daemon-accept").daemon(false).start(this::acceptLoop);
        long sweepMillis = Math.max(10, Math.min(MAX_SWEEP_INTERVAL.toMillis(), idleTimeout.toMillis() / 2));
        housekeeping.scheduleWithFixedDelay(this::housekeeping, sweepMillis, sweepMillis, TimeUnit.MILLISECONDS);
        return true;
    }

    /** Blocks until the daemon stops (idle timeout, SHUTDOWN, or {@link #close()}). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    private void acceptLoop() {
        try {
            while (true) {
                SocketChannel client = server.accept();
                openConnections.incrementAndGet();
                lastActivity.set(System.nanoTime());
                // a platform thread: it blocks in the socket and on the engine worker's answer, and waking a virtual
                // thread goes through the carrier pool and the poller (with the worker's call threads, platform
                // threads saved ~0.3 ms per macro call on 2 busy cores)
                Thread.ofPlatform().name("sandcrate-daemon-client").daemon(true).start(() -> serve(client));
            }
        } catch (ClosedChannelException e) {
            // close() was called
        } catch (IOException e) {
            System.err.println("sandcrate-runtime: accept failed: " + e.getMessage());
            close();
        }
    }

    private void serve(SocketChannel client) {
        try (client) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(client));
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(client));
            MacroService.Client session = new MacroService.Client();
            Protocol.Frame request;
            while ((request = Protocol.read(in)) != null) {
                lastActivity.set(System.nanoTime());
                if (request.code() == Protocol.OP_SHUTDOWN) {
                    Protocol.write(out, Protocol.STATUS_OK, new byte[0]);
                    close();
                    return;
                }
                Protocol.Frame response = service.handle(request, session);
                Protocol.write(out, response.code(), response.payload());
                lastActivity.set(System.nanoTime());
            }
        } catch (IOException e) {
            // the client went away or spoke garbage: nothing to answer
        } finally {
            openConnections.decrementAndGet();
            lastActivity.set(System.nanoTime());
        }
    }

    private void housekeeping() {
        service.sweep();
        boolean idle = openConnections.get() == 0
                && System.nanoTime() - lastActivity.get() > idleTimeout.toNanos();
        if (idle) {
            System.err.println("sandcrate-runtime: idle for " + idleTimeout.toSeconds() + " s, exiting");
            close();
        }
    }

    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        housekeeping.shutdownNow();
        service.close();
        try {
            if (server != null) {
                server.close();
                Files.deleteIfExists(socket);
            }
            if (lock != null) {
                lock.release();
                lockChannel.close();
            }
        } catch (IOException e) {
            System.err.println("sandcrate-runtime: cleanup failed: " + e.getMessage());
        }
        stopped.countDown();
    }
}

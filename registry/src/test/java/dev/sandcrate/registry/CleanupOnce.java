package dev.sandcrate.registry;

/**
 * Stops a test's external server and removes its files exactly once: at {@link #close()}, or at JVM exit when a test
 * run ends without getting there (an aborted run must not leave a server process behind).
 */
public final class CleanupOnce implements AutoCloseable {
    private final Runnable action;
    private final Thread hook;
    private boolean done;

    public CleanupOnce(String name, Runnable action) {
        this.action = action;
        this.hook = new Thread(action, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public synchronized void close() {
        if (done) return;
        done = true;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway
        }
        action.run();
    }
}

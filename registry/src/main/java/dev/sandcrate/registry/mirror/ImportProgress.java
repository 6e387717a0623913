package dev.sandcrate.registry.mirror;

import java.io.PrintStream;

/**
 * The progress bar of an import: redrawn in place on a terminal, one line per 10% otherwise (logs, CI).
 */
public final class ImportProgress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final boolean terminal;
    private int total;
    private int done;
    private int lastDecile = -1;

    public ImportProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /** No output at all (embedded use, tests). */
    public static ImportProgress silent() {
        return new ImportProgress(null, false);
    }

    /** Stderr, redrawn in place when it is a terminal. */
    public static ImportProgress stderr() {
        return new ImportProgress(System.err, System.console() != null);
    }

    void start(int total) {
        this.total = total;
        this.done = 0;
    }

    void step(String what) {
        done++;
        if (out == null || total == 0) return;
        int filled = (int) ((long) WIDTH * done / total);
        String bar = "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total;
        if (terminal) {
            String line = bar + " " + what;
            out.print("\r" + (line.length() > 100 ? line.substring(0, 100) : line) + "\u001b[K");
            if (done == total) out.println();
        } else {
            int decile = done * 10 / total;
            if (decile != lastDecile) {
                lastDecile = decile;
                out.println(bar);
            }
        }
        out.flush();
    }
}

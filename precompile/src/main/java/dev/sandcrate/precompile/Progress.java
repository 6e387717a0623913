package dev.sandcrate.precompile;

/** Where the pipeline reports what it does and why (the CLI prints it, the registry logs it). */
@FunctionalInterface
public interface Progress {
    void step(String message);

    Progress SILENT = message -> { };

    static Progress toStderr() {
        return message -> System.err.println("sandcrate: " + message);
    }
}

package dev.sandcrate.e2e;

import java.nio.file.Files;
import java.nio.file.Path;

/** The Sandcrate checkout the tests run from (its scripts and build outputs). */
final class Checkout {
    private Checkout() {}

    static Path root() {
        String home = System.getenv("SANDCRATE_HOME");
        if (home != null && !home.isBlank()) return Path.of(home);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("sandbox-runtime/bundle/build.sh"))) return p;
        }
        throw new AssertionError("cannot find the Sandcrate checkout from " + Path.of("").toAbsolutePath());
    }
}

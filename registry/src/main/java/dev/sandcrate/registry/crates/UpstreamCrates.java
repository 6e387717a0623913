package dev.sandcrate.registry.crates;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Crates this registry does not hold but can fetch from an upstream registry (the pull-through proxy,
 * {@code mirror/PullThrough}). The cargo API asks it only after this registry's own crates; empty when there is no
 * upstream or it does not have the crate either.
 */
public interface UpstreamCrates {
    Optional<CrateService.IndexFileBody> indexFile(String name);

    Optional<InputStream> download(String name, String version) throws IOException;
}

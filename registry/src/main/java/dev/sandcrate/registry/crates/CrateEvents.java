package dev.sandcrate.registry.crates;

import dev.sandcrate.index.IndexEntry;

/**
 * What other services hear of changes to the index, after the change is committed: the git index writes a commit,
 * the precompile service queues jobs. Listeners run on the request thread and must be quick and must not throw
 * (a failure is logged, the change stays committed).
 */
public interface CrateEvents {
    enum Change { PUBLISHED, YANKED, UNYANKED }

    /** {@code entry} is the version's index line as it now reads; {@code actor} the login that made the change. */
    void indexChanged(Change change, IndexEntry entry, String actor);
}

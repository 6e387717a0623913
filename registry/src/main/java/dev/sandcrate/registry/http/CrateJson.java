package dev.sandcrate.registry.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.sandcrate.registry.crates.CrateService;

import java.time.Instant;
import java.util.List;

/**
 * The crate and version JSON that cargo's API ({@link Routes}) and the web UI's pages share, as records Jackson writes
 * in component order: the order on the wire. Change a record and you change both APIs.
 */
public final class CrateJson {
    private CrateJson() {}

    /** A crate as {@code GET /api/v1/crates/NAME} gives it, and as the UI's crate page starts. */
    public record Crate(String name, String description, long downloads, @JsonProperty("max_version") String maxVersion) {
        public static Crate of(CrateService.CrateRow crate, List<CrateService.VersionRow> versions) {
            return new Crate(crate.name(), crate.description(), crate.downloads(), CrateService.maxVersion(versions));
        }
    }

    /** A version as {@code GET /api/v1/crates/NAME} lists it. */
    public record Version(String num, String cksum, boolean yanked, @JsonProperty("created_at") String createdAt, long downloads,
                          @JsonProperty("dl_path") String dlPath) {
        public static Version of(String crate, CrateService.VersionRow v) {
            return new Version(v.num(), v.cksum(), v.yanked(), time(v.createdAt()), v.downloads(), downloadPath(crate, v.num()));
        }
    }

    /** Where cargo (and the UI's download link) gets a version's .crate. */
    public static String downloadPath(String crate, String num) {
        return "/api/v1/crates/" + crate + "/" + num + "/download";
    }

    /** A stored time (epoch milliseconds) as the APIs write it: ISO-8601 in UTC. */
    public static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }
}

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

    /** {@code GET /api/v1/crates/NAME}: the crate and its versions, newest first. */
    public record CrateInfo(Crate crate, List<Version> versions) {}

    /** {@code GET /api/v1/crates?q=}: cargo search's answer. */
    public record SearchAnswer(List<CrateService.SearchHit> crates, Meta meta) {
        public record Meta(long total) {}
    }

    /** {@code PUT /api/v1/crates/new}: cargo prints these; this registry checks no categories or badges. */
    public record PublishAnswer(Warnings warnings) {
        public static final PublishAnswer NO_WARNINGS = new PublishAnswer(new Warnings(List.of(), List.of(), List.of()));

        public record Warnings(@JsonProperty("invalid_categories") List<String> invalidCategories,
                               @JsonProperty("invalid_badges") List<String> invalidBadges, List<String> other) {}
    }

    /** {@code GET /api/v1/crates/NAME/owners}: {@code name} is the display name, which this registry does not keep. */
    public record OwnerList(List<User> users) {
        public record User(long id, String login, String name) {}
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

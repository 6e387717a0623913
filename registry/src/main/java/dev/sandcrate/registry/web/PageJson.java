package dev.sandcrate.registry.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.sandcrate.registry.http.CrateJson;

import java.util.List;
import java.util.Map;

/**
 * The JSON of the UI's crate and home pages, as records Jackson writes in component order (the order on the wire).
 * What cargo's API also gives (the crate's name, description, downloads, max_version) is {@link CrateJson}'s.
 */
final class PageJson {
    private PageJson() {}

    /** {@code GET /ui/api/crates/NAME}: the crate, the version shown, every version, owners and who depends on it. */
    record CratePage(@JsonUnwrapped CrateJson.Crate crate, VersionPage version, List<ListedVersion> versions, List<String> owners,
                     @JsonProperty("reverse_dependencies") List<Dependent> reverseDependencies) {}

    /** The version a crate page shows: its data, its manifest's metadata, dependencies and readme. */
    record VersionPage(String num, boolean yanked, @JsonProperty("published_at") String publishedAt, long downloads, String cksum,
                       int size, @JsonProperty("dl_path") String dlPath, @JsonProperty("proc_macro") boolean procMacro,
                       String license, String repository, String homepage, String documentation, List<String> keywords,
                       List<String> categories, List<String> authors, @JsonProperty("rust_version") String rustVersion,
                       String links, Map<String, List<String>> features, List<Dependency> dependencies,
                       @JsonProperty("readme_path") String readmePath, @JsonProperty("readme_html") String readmeHtml,
                       @JsonProperty("readme_failure") String readmeFailure) {}

    /** A version in a crate page's version list. */
    record ListedVersion(String num, boolean yanked, @JsonProperty("published_at") String publishedAt, long downloads) {}

    /** A dependency of the version shown; {@code local} when this registry can serve it. */
    record Dependency(String name, String crate, String req, String kind, boolean optional, String target, List<String> features,
                      String registry, boolean local) {}

    /** A crate of this registry that depends on the page's crate, with its newest version that does. */
    record Dependent(String name, String version, String req, String kind, boolean optional) {}

    /** A version on the home page's "recently published" list. */
    record Recent(String name, String version, @JsonProperty("published_at") String publishedAt, String description, boolean yanked) {}
}

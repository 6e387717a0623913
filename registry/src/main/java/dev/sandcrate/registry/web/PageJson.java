package dev.sandcrate.registry.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.sandcrate.registry.crates.CrateService;
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

    /** {@code GET /ui/api/home}: the recently published versions, totals and the precompile counts. */
    record Home(List<Recent> recent, CrateService.Totals stats, PrecompileViews.Stats precompile) {}

    /** {@code GET /ui/api/search}: one page of hits, 20 per page. */
    record SearchPage(List<CrateService.SearchHit> crates, int total, int page, @JsonProperty("per_page") int perPage) {}

    /** {@code GET /ui/api/setup}: the configuration snippets for using a crate (or the registry) from cargo. */
    record Setup(String name, String url, @JsonProperty("auth_required") boolean authRequired, List<SetupSnippets.Snippet> snippets,
                 @JsonProperty("precompiled_view") SetupSnippets.Snippet precompiledView,
                 @JsonProperty("precompiled_patch") SetupSnippets.Snippet precompiledPatch) {}

    /** {@code GET /ui/api/playground}: the macros to try and the sandbox limits they run under. */
    record PlaygroundChoices(List<Playground.MacroChoice> macros, PlaygroundLimits limits) {}

    record PlaygroundLimits(@JsonProperty("memory_mib") long memoryMib, @JsonProperty("timeout_s") long timeoutS,
                            @JsonProperty("output_kib") long outputKib, @JsonProperty("input_kib") long inputKib) {}

    /**
     * {@code GET /ui/api/session}: the registry's settings and, when signed in, who it is, the CSRF token, whether
     * the session came from a token, and that token's scopes and crate patterns (absent when signed out).
     */
    record Session(@JsonProperty("auth_required") boolean authRequired, String url, SessionUser user,
                   @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("csrf_token") String csrfToken,
                   @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("via_token") Boolean viaToken,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<String> scopes,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<String> crates) {}

    record SessionUser(String login, boolean admin) {}

    /** An API token on the account page (never its secret). */
    record Token(long id, String name, List<String> scopes, List<String> crates, @JsonProperty("created_at") String createdAt,
                 @JsonProperty("expires_at") String expiresAt, @JsonProperty("last_used_at") String lastUsedAt, boolean expired,
                 boolean revoked) {}

    record TokenList(List<Token> tokens) {}

    /** A token just created: the one time its secret is shown. */
    record CreatedToken(String secret, Token token) {}

    /** A registered public key (asymmetric tokens) on the account page. */
    record Key(long id, String name, @JsonProperty("public_key") String publicKey, @JsonProperty("key_id") String keyId,
               List<String> scopes, List<String> crates, @JsonProperty("created_at") String createdAt,
               @JsonProperty("last_used_at") String lastUsedAt, boolean revoked) {}

    record KeyList(List<Key> keys) {}

    record CreatedKey(Key key) {}

    /** A user on the admin page. */
    record User(String login, boolean admin, @JsonProperty("created_at") String createdAt,
                @JsonProperty("has_password") boolean hasPassword) {}

    record UserList(List<User> users) {}

    record CreatedUser(String login, boolean admin) {}

    /** An epoch-millisecond time as the pages get it (ISO-8601, UTC), or null. */
    static String time(Long epochMillis) {
        return epochMillis == null ? null : CrateJson.time(epochMillis);
    }
}

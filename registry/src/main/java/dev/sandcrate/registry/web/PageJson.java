package dev.sandcrate.registry.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.sandcrate.registry.auth.AsymmetricKeys;
import dev.sandcrate.registry.auth.Scope;
import dev.sandcrate.registry.auth.Tokens;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.http.CrateJson;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON the UI's pages read under {@code /ui/api/}, by page, as records Jackson writes in component order (the
 * order on the wire). What cargo's API also gives (the crate's name, description, downloads, max_version) is
 * {@link CrateJson}'s; the bare {@code {"ok":true}} answers are {@link dev.sandcrate.registry.http.ApiJson}'s, and
 * the admin page's precompile data is {@link PrecompileViews}'.
 */
final class PageJson {
    private PageJson() {}

    // ---- every page: who the visitor is (GET /ui/api/session, POST /ui/api/login) ----

    /**
     * What the pages know about the visitor: the registry's settings and, when signed in, who, the CSRF token and
     * what the session may do. Anonymous: {@code user} is null and the signed-in members are absent.
     */
    record Session(@JsonProperty("auth_required") boolean authRequired, String url, User user,
                   @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("csrf_token") String csrfToken,
                   @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("via_token") Boolean viaToken,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<String> scopes,
                   @JsonInclude(JsonInclude.Include.NON_NULL) List<String> crates) {
        static Session anonymous(boolean authRequired, String url) {
            return new Session(authRequired, url, null, null, null, null, null);
        }
    }

    /** A user by login and whether an admin: the session's visitor, and the admin page's newly added user. */
    record User(String login, boolean admin) {}

    // ---- the account page: API tokens (/ui/api/tokens) and asymmetric keys (/ui/api/keys, /api/v1/me/keys) ----

    /** {@code GET /ui/api/tokens}: the signed-in user's tokens, revoked and expired ones included. */
    record TokenList(List<Token> tokens) {}

    /** A token, without its secret. */
    record Token(long id, String name, List<String> scopes, List<String> crates, @JsonProperty("created_at") String createdAt,
                 @JsonProperty("expires_at") String expiresAt, @JsonProperty("last_used_at") String lastUsedAt, boolean expired,
                 boolean revoked) {
        static Token of(Tokens.TokenInfo t) {
            return new Token(t.id(), t.name(), labels(t.scopes()), t.cratePatterns(), CrateJson.time(t.createdAt()),
                    time(t.expiresAt()), time(t.lastUsedAt()), t.expiresAt() != null && t.expiresAt() <= System.currentTimeMillis(),
                    t.revoked());
        }
    }

    /** {@code POST /ui/api/tokens}: the new token and its secret, shown this once. */
    record CreatedToken(String secret, Token token) {}

    /** {@code GET /ui/api/keys} and {@code GET /api/v1/me/keys}: the user's PASERK public keys, revoked ones included. */
    record KeyList(List<Key> keys) {}

    /** A registered public key. */
    record Key(long id, String name, @JsonProperty("public_key") String publicKey, @JsonProperty("key_id") String keyId,
               List<String> scopes, List<String> crates, @JsonProperty("created_at") String createdAt,
               @JsonProperty("last_used_at") String lastUsedAt, boolean revoked) {
        static Key of(AsymmetricKeys.KeyInfo k) {
            return new Key(k.id(), k.name(), k.publicKey(), k.keyId(), labels(k.scopes()), k.cratePatterns(),
                    CrateJson.time(k.createdAt()), time(k.lastUsedAt()), k.revoked());
        }
    }

    /** {@code POST /ui/api/keys} and {@code POST /api/v1/me/keys}: the key just registered. */
    record CreatedKey(Key key) {}

    // ---- the admin page's users (/ui/api/admin/users) ----

    /** {@code GET /ui/api/admin/users}. */
    record UserList(List<ListedUser> users) {}

    /** A user in the admin page's list. */
    record ListedUser(String login, boolean admin, @JsonProperty("created_at") String createdAt,
                      @JsonProperty("has_password") boolean hasPassword) {}

    // ---- the home page (/ui/api/home) and search (/ui/api/search) ----

    /** {@code GET /ui/api/home}: recently published versions, the registry's totals and the precompile service's counts. */
    record Home(List<Recent> recent, CrateService.Totals stats, PrecompileViews.Stats precompile) {}

    /** A version on the home page's "recently published" list. */
    record Recent(String name, String version, @JsonProperty("published_at") String publishedAt, String description, boolean yanked) {}

    /** {@code GET /ui/api/search}: one page of hits and the number of all. */
    record Search(List<CrateService.SearchHit> crates, int total, int page, @JsonProperty("per_page") int perPage) {}

    // ---- a crate's page (/ui/api/crates/NAME) ----

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

    // ---- the setup page (/ui/api/setup) ----

    /** {@code GET /ui/api/setup}: the snippets that configure cargo for this registry under the chosen name. */
    record Setup(String name, String url, @JsonProperty("auth_required") boolean authRequired, List<SetupSnippets.Snippet> snippets,
                 @JsonProperty("precompiled_view") SetupSnippets.Snippet precompiledView,
                 @JsonProperty("precompiled_patch") SetupSnippets.Snippet precompiledPatch) {}

    // ---- the playground (/ui/api/playground) ----

    /** {@code GET /ui/api/playground}: the macros one can run and the sandbox's limits. */
    record PlaygroundChoices(List<Playground.MacroChoice> macros, PlaygroundLimits limits) {}

    /** The playground sandbox's limits, in the units the page shows. */
    record PlaygroundLimits(@JsonProperty("memory_mib") long memoryMib, @JsonProperty("timeout_s") long timeoutS,
                            @JsonProperty("output_kib") int outputKib, @JsonProperty("input_kib") int inputKib) {}

    /** Scope labels in the scopes' order, as the session, tokens and keys list them. */
    static List<String> labels(Set<Scope> scopes) {
        return scopes.stream().sorted().map(Scope::label).toList();
    }

    /** A stored time that may be unset: ISO-8601 in UTC, or null. */
    private static String time(Long epochMillis) {
        return epochMillis == null ? null : CrateJson.time(epochMillis);
    }
}

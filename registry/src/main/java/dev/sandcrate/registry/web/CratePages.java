package dev.sandcrate.registry.web;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.crates.ReverseDependencies;
import dev.sandcrate.registry.http.Params;
import io.javalin.http.Context;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What readers see: the home page, search, a crate's page and the setup snippets. */
final class CratePages {
    private final WebAccess access;
    private final CrateService crates;
    private final Readmes readmes;
    private final PrecompileViews precompile;

    CratePages(WebAccess access, CrateService crates, Readmes readmes, PrecompileViews precompile) {
        this.access = access;
        this.crates = crates;
        this.readmes = readmes;
        this.precompile = precompile;
    }

    void home(Context ctx) {
        access.requireRead(ctx);
        List<Map<String, Object>> recent = new ArrayList<>();
        for (CrateService.RecentVersion r : crates.recentlyPublished(12)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.crate());
            m.put("version", r.num());
            m.put("published_at", Instant.ofEpochMilli(r.publishedAt()).toString());
            m.put("description", r.description());
            m.put("yanked", r.yanked());
            recent.add(m);
        }
        CrateService.Totals totals = crates.totals();
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("crates", totals.crates());
        stats.put("versions", totals.versions());
        stats.put("downloads", totals.downloads());
        ctx.json(Map.of("recent", recent, "stats", stats, "precompile", precompile.stats()));
    }

    void search(Context ctx) {
        access.requireRead(ctx);
        int page = Params.intParam(ctx, "page", 1, 1, 100_000);
        CrateService.SearchResult result = crates.search(ctx.queryParam("q"), 20, page);
        List<Map<String, Object>> hits = result.hits().stream().map(CrateService.SearchHit::toJson).toList();
        ctx.json(Map.of("crates", hits, "total", result.total(), "page", page, "per_page", 20));
    }

    void crate(Context ctx) throws IOException {
        access.requireRead(ctx);
        String name = ctx.pathParam("name");
        CrateService.CrateRow crate = crates.crate(name).orElseThrow(() -> RegistryException.notFound("crate `" + name + "` does not exist"));
        List<CrateService.VersionRow> versions = crates.versions(crate.name());
        String wanted = ctx.queryParam("version");
        String selectedNum = wanted == null || wanted.isBlank() ? CrateService.maxVersion(versions) : wanted;
        CrateService.VersionRow selected = versions.stream().filter(v -> v.num().equals(selectedNum)).findFirst()
                .orElseThrow(() -> RegistryException.notFound("crate `" + crate.name() + "` has no version " + selectedNum));
        byte[] bytes = crates.crateBytes(crate.name(), selected.num())
                .orElseThrow(() -> RegistryException.notFound("crate `" + crate.name() + "` has no version " + selectedNum));
        CrateManifest mf = readmes.doc(selected.cksum(), bytes).manifest();
        Readmes.Readme readme = readmes.of(selected, crate.name(), bytes);

        Map<String, Object> v = new LinkedHashMap<>();
        v.put("num", selected.num());
        v.put("yanked", selected.yanked());
        v.put("published_at", Instant.ofEpochMilli(selected.createdAt()).toString());
        v.put("downloads", selected.downloads());
        v.put("cksum", selected.cksum());
        v.put("size", bytes.length);
        v.put("dl_path", "/api/v1/crates/" + crate.name() + "/" + selected.num() + "/download");
        v.put("proc_macro", mf.procMacro());
        v.put("license", mf.license());
        v.put("repository", safeLink(mf.repository()));
        v.put("homepage", safeLink(mf.homepage()));
        v.put("documentation", safeLink(mf.documentation()));
        v.put("keywords", mf.keywords());
        v.put("categories", mf.categories());
        v.put("authors", mf.authors());
        v.put("rust_version", mf.rustVersion());
        v.put("links", mf.links());
        v.put("features", selected.entry().allFeatures());
        v.put("dependencies", selected.entry().deps().stream().map(this::dependency).toList());
        v.put("readme_path", readme.path());
        v.put("readme_html", readme.html());
        v.put("readme_failure", readme.failure());

        List<Map<String, Object>> vs = new ArrayList<>();
        for (CrateService.VersionRow r : versions.reversed()) {
            vs.add(Map.of("num", r.num(), "yanked", r.yanked(), "published_at", Instant.ofEpochMilli(r.createdAt()).toString(),
                    "downloads", r.downloads()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", crate.name());
        out.put("description", crate.description());
        out.put("downloads", crate.downloads());
        out.put("max_version", CrateService.maxVersion(versions));
        out.put("version", v);
        out.put("versions", vs);
        out.put("owners", crates.owners(crate.name()).stream().map(CrateService.Owner::login).toList());
        out.put("reverse_dependencies", reverseDependencies(crate.name()));
        ctx.json(out);
    }

    /** crates.io's index URL, as index lines name it for crates.io dependencies. */
    static final String CRATES_IO_INDEX = "https://github.com/rust-lang/crates.io-index";

    /**
     * Whether a dependency can come from this registry: one on this registry, or a crates.io dependency of a crate
     * this registry also holds (consumers that replace crates-io with this registry, as a mirror, get it from here).
     */
    private boolean resolvesHere(IndexDependency d) {
        if (d.registry() == null) return true;
        return d.registry().equals(CRATES_IO_INDEX) && crates.crate(d.crateName()).isPresent();
    }

    private Map<String, Object> dependency(IndexDependency d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", d.name());
        m.put("crate", d.crateName());
        m.put("req", d.req());
        m.put("kind", d.kind());
        m.put("optional", d.optional());
        m.put("target", d.target());
        m.put("features", d.features());
        m.put("registry", d.registry());
        m.put("local", resolvesHere(d));
        return m;
    }

    /**
     * Crates of this registry that depend on {@code name} (any kind; through this registry or, for mirrored crates,
     * crates.io), each with its newest version that does, newest first.
     */
    private List<Map<String, Object>> reverseDependencies(String name) {
        Map<Long, Map<String, Object>> byCrate = new LinkedHashMap<>();
        for (ReverseDependencies.Dependent r : crates.dependents(name)) {
            IndexDependency d = r.dependency();
            boolean onThisRegistry = d.registry() == null || d.registry().equals(CRATES_IO_INDEX);
            if (byCrate.containsKey(r.crateId()) || !onThisRegistry) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.crateName());
            m.put("version", r.entry().vers());
            m.put("req", d.req());
            m.put("kind", d.kind());
            m.put("optional", d.optional());
            byCrate.put(r.crateId(), m);
        }
        return List.copyOf(byCrate.values());
    }

    private static String safeLink(String url) {
        return url != null && url.matches("(?i)https?://\\S+") ? url : null;
    }

    void setup(Context ctx) {
        String name;
        try {
            name = SetupSnippets.checkName(ctx.queryParam("name"));
        } catch (IllegalArgumentException e) {
            throw RegistryException.badRequest(e.getMessage());
        }
        ctx.json(Map.of("name", name, "url", access.publicUrl(), "auth_required", access.authRequired(),
                "snippets", SetupSnippets.consumer(access.publicUrl(), name, access.authRequired()),
                "precompiled_view", SetupSnippets.precompiledView(access.publicUrl(), name, access.authRequired()),
                "precompiled_patch", SetupSnippets.precompiledPatch(access.publicUrl(), name, access.authRequired())));
    }
}

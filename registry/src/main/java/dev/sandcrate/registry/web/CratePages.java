package dev.sandcrate.registry.web;

import dev.sandcrate.index.IndexDependency;
import dev.sandcrate.index.crate.CrateManifest;
import dev.sandcrate.registry.RegistryException;
import dev.sandcrate.registry.crates.CrateService;
import dev.sandcrate.registry.crates.ReverseDependencies;
import dev.sandcrate.registry.http.CrateJson;
import dev.sandcrate.registry.http.Params;
import io.javalin.http.Context;

import java.io.IOException;
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
        List<PageJson.Recent> recent = crates.recentlyPublished(12).stream().map(r ->
                new PageJson.Recent(r.crate(), r.num(), CrateJson.time(r.publishedAt()), r.description(), r.yanked())).toList();
        ctx.json(new PageJson.Home(recent, crates.totals(), precompile.stats()));
    }

    void search(Context ctx) {
        access.requireRead(ctx);
        int page = Params.intParam(ctx, "page", 1, 1, 100_000);
        CrateService.SearchResult result = crates.search(ctx.queryParam("q"), 20, page);
        ctx.json(new PageJson.Search(result.hits(), result.total(), page, 20));
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

        PageJson.VersionPage shown = new PageJson.VersionPage(selected.num(), selected.yanked(), CrateJson.time(selected.createdAt()),
                selected.downloads(), selected.cksum(), bytes.length, CrateJson.downloadPath(crate.name(), selected.num()),
                mf.procMacro(), mf.license(), safeLink(mf.repository()), safeLink(mf.homepage()), safeLink(mf.documentation()),
                mf.keywords(), mf.categories(), mf.authors(), mf.rustVersion(), mf.links(), selected.entry().allFeatures(),
                selected.entry().deps().stream().map(this::dependency).toList(), readme.path(), readme.html(), readme.failure());
        List<PageJson.ListedVersion> listed = versions.reversed().stream()
                .map(r -> new PageJson.ListedVersion(r.num(), r.yanked(), CrateJson.time(r.createdAt()), r.downloads())).toList();
        ctx.json(new PageJson.CratePage(CrateJson.Crate.of(crate, versions), shown, listed,
                crates.owners(crate.name()).stream().map(CrateService.Owner::login).toList(), reverseDependencies(crate.name())));
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

    private PageJson.Dependency dependency(IndexDependency d) {
        return new PageJson.Dependency(d.name(), d.crateName(), d.req(), d.kind(), d.optional(), d.target(), d.features(),
                d.registry(), resolvesHere(d));
    }

    /**
     * Crates of this registry that depend on {@code name} (any kind; through this registry or, for mirrored crates,
     * crates.io), each with its newest version that does, newest first.
     */
    private List<PageJson.Dependent> reverseDependencies(String name) {
        Map<Long, PageJson.Dependent> byCrate = new LinkedHashMap<>();
        for (ReverseDependencies.Dependent r : crates.dependents(name)) {
            IndexDependency d = r.dependency();
            boolean onThisRegistry = d.registry() == null || d.registry().equals(CRATES_IO_INDEX);
            if (byCrate.containsKey(r.crateId()) || !onThisRegistry) continue;
            byCrate.put(r.crateId(), new PageJson.Dependent(r.crateName(), r.entry().vers(), d.req(), d.kind(), d.optional()));
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
        String url = access.publicUrl();
        boolean authRequired = access.authRequired();
        ctx.json(new PageJson.Setup(name, url, authRequired, SetupSnippets.consumer(url, name, authRequired),
                SetupSnippets.precompiledView(url, name, authRequired), SetupSnippets.precompiledPatch(url, name, authRequired)));
    }
}

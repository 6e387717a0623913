import { api, html, mount, timeTag, formatNumber, crateUrl } from '../lib.js';

export async function render(main) {
  const data = await api('/ui/api/home');
  const s = data.stats;
  const p = data.precompile;
  const jobs = p.jobs_by_state ?? {};
  mount(main, html`
    <section class="hero">
      <h1>Sandcrate</h1>
      <p class="lead">A Cargo registry that precompiles proc-macro crates to sandboxed, reproducible WebAssembly.</p>
      <form role="search" action="/search" method="get" class="big-search">
        <label for="home-q">Search crates</label>
        <div class="search-row">
          <input id="home-q" name="q" type="search" placeholder="e.g. serde" autocomplete="off">
          <button type="submit">Search</button>
        </div>
      </form>
    </section>
    <section aria-labelledby="stats-h">
      <h2 id="stats-h">This registry</h2>
      <dl class="stats">
        <div><dt>Crates</dt><dd data-stat="crates">${formatNumber(s.crates)}</dd></div>
        <div><dt>Versions</dt><dd data-stat="versions">${formatNumber(s.versions)}</dd></div>
        <div><dt>Downloads</dt><dd data-stat="downloads">${formatNumber(s.downloads)}</dd></div>
      </dl>
    </section>
    <section aria-labelledby="pc-h">
      <h2 id="pc-h">Precompiled macros</h2>
      <dl class="stats" id="precompile-stats">
        <div><dt>Proc-macro versions</dt><dd data-stat="macro_versions">${formatNumber(p.macro_versions)}</dd></div>
        <div><dt>Eligible for the sandbox</dt><dd data-stat="eligible_versions">${formatNumber(p.eligible_versions)}</dd></div>
        <div><dt>Verified artifacts</dt><dd data-stat="verified">${formatNumber(jobs.verified ?? 0)}</dd></div>
        <div><dt>Queued or building</dt><dd data-stat="pending">${formatNumber((jobs.queued ?? 0) + (jobs.running ?? 0))}</dd></div>
      </dl>
      <p class="muted small">${p.toolchain ? html`Built with ${p.toolchain}, twice each, served only when both builds match.`
        : 'No wasm toolchain on this registry: nothing is built.'}
        ${(jobs.failed ?? 0) + (jobs.rejected ?? 0) ? html` ${(jobs.failed ?? 0) + (jobs.rejected ?? 0)} failed or irreproducible.` : ''}
        Try them in the <a href="/playground">playground</a>.</p>
    </section>
    <section aria-labelledby="recent-h">
      <h2 id="recent-h">Recently published</h2>
      ${data.recent.length === 0
        ? html`<p>Nothing published yet. See <a href="/setup">Setup</a> for how to publish with cargo.</p>`
        : html`<ul class="crate-list" id="recent">${data.recent.map((r) => html`
          <li><a href="${crateUrl(r.name, r.version)}">${r.name}</a> <span class="version">${r.version}</span>
            ${r.yanked ? html`<span class="badge yanked">yanked</span>` : ''}
            <span class="muted">${timeTag(r.published_at)}</span>
            ${r.description ? html`<p>${r.description}</p>` : ''}</li>`)}</ul>`}
    </section>`);
  return '';
}

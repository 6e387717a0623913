import { api, html, mount, trusted, timeTag, formatNumber, crateUrl, codeBlock, wireCopyButtons } from '../lib.js';

const KIND_TITLES = { normal: 'Dependencies', build: 'Build dependencies', dev: 'Dev dependencies' };

function dependencyList(deps) {
  if (deps.length === 0) return html`<p class="muted">None.</p>`;
  const byKind = {};
  for (const d of deps) (byKind[d.kind] ??= []).push(d);
  return ['normal', 'build', 'dev'].filter((k) => byKind[k]).map((k) => html`
    <h3>${KIND_TITLES[k]}</h3>
    <ul class="dep-list" data-kind="${k}">${byKind[k].map((d) => html`
      <li>${d.local ? html`<a href="${crateUrl(d.crate)}">${d.crate}</a>` : html`<span title="${d.registry}">${d.crate}</span>`}
        <code>${d.req}</code>
        ${d.name !== d.crate ? html`<span class="muted">as ${d.name}</span>` : ''}
        ${d.optional ? html`<span class="badge">optional</span>` : ''}
        ${d.target ? html`<span class="muted">on ${d.target}</span>` : ''}
        ${d.registry ? html`<span class="muted">from ${d.registry.includes('crates.io-index') ? 'crates.io' : d.registry}${d.local ? ' (mirrored here)' : ''}</span>` : ''}</li>`)}
    </ul>`);
}

function features(map) {
  const names = Object.keys(map);
  if (names.length === 0) return html`<p class="muted">None.</p>`;
  return html`<dl class="features">${names.map((f) => html`<div><dt><code>${f}</code></dt>
    <dd>${map[f].length ? map[f].map((x, i) => html`${i ? ', ' : ''}<code>${x}</code>`) : html`<span class="muted">(nothing)</span>`}</dd></div>`)}</dl>`;
}

function links(v) {
  const items = [['Repository', v.repository], ['Homepage', v.homepage], ['Documentation', v.documentation]]
    .filter(([, url]) => url);
  if (items.length === 0) return '';
  return html`<h3>Links</h3><ul class="plain">${items.map(([label, url]) => html`
    <li><a href="${url}" rel="nofollow noopener noreferrer">${label}</a></li>`)}</ul>`;
}

export async function render(main, { args }) {
  const [name, version] = args;
  const data = await api('/ui/api/crates/' + encodeURIComponent(name) + (version ? '?version=' + encodeURIComponent(version) : ''));
  const v = data.version;
  const install = `[dependencies]\n${data.name} = { version = "${v.num}", registry = "sandcrate" }`;
  mount(main, html`
    <div class="crate-header">
      <h1><span id="crate-name">${data.name}</span> <span class="version" id="crate-version">${v.num}</span></h1>
      ${v.yanked ? html`<span class="badge yanked" id="yanked-badge">yanked</span>` : ''}
      ${v.proc_macro ? html`<span class="badge macro">proc-macro</span>
        <a href="${crateUrl(data.name, v.num)}/precompiled" id="precompile-link">Precompile report</a>` : ''}
      ${data.description ? html`<p class="lead">${data.description}</p>` : ''}
      ${v.yanked ? html`<p class="notice" role="note">This version is yanked: cargo will not pick it for new lockfiles.
        ${data.max_version !== v.num ? html`The newest version is <a href="${crateUrl(data.name, data.max_version)}">${data.max_version}</a>.` : ''}</p>` : ''}
    </div>
    <div class="crate-layout">
      <div class="crate-main">
        <section aria-labelledby="readme-h">
          <h2 id="readme-h">Readme</h2>
          ${v.readme_failure ? html`<p class="muted">Shown as plain text: ${v.readme_failure}.</p>` : ''}
          ${v.readme_html ? html`<article class="readme" id="readme">${trusted(v.readme_html)}</article>`
            : html`<p class="muted">This version has no readme.</p>`}
        </section>
        <section aria-labelledby="deps-h">
          <h2 id="deps-h">Dependencies of ${v.num}</h2>
          <div id="dependencies">${dependencyList(v.dependencies)}</div>
        </section>
        <section aria-labelledby="rdeps-h">
          <h2 id="rdeps-h">Used by (${data.reverse_dependencies.length})</h2>
          ${data.reverse_dependencies.length === 0 ? html`<p class="muted">No crate in this registry depends on ${data.name}.</p>`
            : html`<ul class="dep-list" id="reverse-dependencies">${data.reverse_dependencies.map((r) => html`
              <li><a href="${crateUrl(r.name, r.version)}">${r.name}</a> <span class="version">${r.version}</span>
                <code>${r.req}</code>${r.kind !== 'normal' ? html` <span class="muted">(${r.kind})</span>` : ''}
                ${r.optional ? html`<span class="badge">optional</span>` : ''}</li>`)}</ul>`}
        </section>
        <section aria-labelledby="features-h">
          <h2 id="features-h">Features</h2>
          ${features(v.features)}
        </section>
        <section aria-labelledby="versions-h">
          <h2 id="versions-h">Versions (${data.versions.length})</h2>
          <table class="versions" id="versions">
            <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Downloads</th><th scope="col">State</th></tr></thead>
            <tbody>${data.versions.map((r) => html`<tr class="${r.yanked ? 'is-yanked' : ''}">
              <th scope="row"><a href="${crateUrl(data.name, r.num)}" ${r.num === v.num ? html`aria-current="page"` : ''}>${r.num}</a></th>
              <td>${timeTag(r.published_at)}</td><td>${formatNumber(r.downloads)}</td>
              <td>${r.yanked ? html`<span class="badge yanked">yanked</span>` : 'available'}</td></tr>`)}</tbody>
          </table>
        </section>
      </div>
      <aside class="crate-side" aria-label="About this version">
        <h2>Install</h2>
        ${codeBlock(install, 'Cargo.toml dependency')}
        <p class="muted small">Registry name as in your <a href="/setup">cargo config</a>.</p>
        <h2>Metadata</h2>
        <dl class="meta">
          <div><dt>Published</dt><dd>${timeTag(v.published_at)}</dd></div>
          ${v.license ? html`<div><dt>License</dt><dd>${v.license}</dd></div>` : ''}
          ${v.rust_version ? html`<div><dt>Rust version</dt><dd>${v.rust_version}</dd></div>` : ''}
          <div><dt>Size</dt><dd>${formatNumber(Math.ceil(v.size / 1024))} KiB</dd></div>
          <div><dt>Downloads</dt><dd>${formatNumber(v.downloads)} (all versions ${formatNumber(data.downloads)})</dd></div>
          <div><dt>SHA-256</dt><dd><code class="hash">${v.cksum}</code></dd></div>
        </dl>
        <p><a class="button" href="${v.dl_path}" download>Download .crate</a></p>
        ${links(v)}
        <h3>Owners</h3>
        <ul class="plain" id="owners">${data.owners.map((o) => html`<li>${o}</li>`)}</ul>
        ${v.authors.length ? html`<h3>Authors</h3><ul class="plain">${v.authors.map((a) => html`<li>${a}</li>`)}</ul>` : ''}
        ${v.keywords.length ? html`<h3>Keywords</h3><p>${v.keywords.map((k) => html`<a class="tag" href="/search?q=${encodeURIComponent(k)}">${k}</a> `)}</p>` : ''}
      </aside>
    </div>`);
  wireCopyButtons(main);
  return `${data.name} ${v.num}`;
}

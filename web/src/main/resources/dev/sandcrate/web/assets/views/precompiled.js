import { api, html, mount, timeTag, crateUrl, formatNumber } from '../lib.js';

const OUTCOME_LABEL = { PASS: 'pass', FLAG: 'flagged', FAIL: 'fail' };

function checks(list) {
  if (!list || list.length === 0) return html`<p class="muted">No checks recorded.</p>`;
  return html`<table class="checks"><thead><tr><th scope="col">Rule</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>
    <tbody>${list.map((c) => html`<tr class="outcome-${String(c.outcome).toLowerCase()}"><th scope="row"><code>${c.rule}</code></th>
      <td><span class="badge ${c.outcome === 'PASS' ? 'ok' : c.outcome === 'FAIL' ? 'yanked' : 'macro'}">${OUTCOME_LABEL[c.outcome] ?? c.outcome}</span></td>
      <td>${c.detail}</td></tr>`)}</tbody></table>`;
}

function stateBadge(state) {
  const cls = state === 'verified' ? 'ok' : ['failed', 'rejected', 'ineligible', 'denied'].includes(state) ? 'yanked' : 'macro';
  return html`<span class="badge ${cls}" data-state="${state}">${state}</span>`;
}

function featureSet(s) {
  const title = s.key === 'default' ? 'Default features' : `Features: ${s.key}`;
  return html`<section class="card feature-set" data-key="${s.key}" aria-label="${title}">
    <h3>${title} ${stateBadge(s.state)}</h3>
    <dl class="meta">
      <div><dt>Features</dt><dd>${s.default_features ? 'default' : 'no default'}${s.features.length ? html` + <code>${s.features.join(', ')}</code>` : ''}</dd></div>
      <div><dt>Why built</dt><dd>${s.origin}${s.demand ? html` (demand ${s.demand.toFixed(1)})` : ''}</dd></div>
      <div><dt>Attempts</dt><dd>${s.attempts} of ${s.max_attempts}</dd></div>
      ${s.timings?.finished_at ? html`<div><dt>Finished</dt><dd>${timeTag(s.timings.finished_at)}</dd></div>` : ''}
      ${s.last_error ? html`<div><dt>Last error</dt><dd class="error-text">${s.last_error}</dd></div>` : ''}
      ${s.rejection ? html`<div><dt>Rejected</dt><dd class="error-text">${s.rejection}</dd></div>` : ''}
      ${s.reasons?.length ? html`<div><dt>Reasons</dt><dd>${s.reasons.join('; ')}</dd></div>` : ''}
    </dl>
    ${s.artifact ? html`<p><a class="button" href="${s.artifact.url}" download>Download .wasm</a>
      <span class="muted">${formatNumber(Math.ceil(s.artifact.size / 1024))} KiB, sha256 <code class="hash" data-artifact>${s.artifact.sha256}</code></span></p>` : ''}
    ${s.builds?.length ? html`<h4>Builds ${s.hashes_match ? html`<span class="badge ok" id="hashes-match-${s.key}">identical</span>`
      : html`<span class="badge yanked">differ</span>`}</h4>
      <table class="builds"><thead><tr><th scope="col">Build</th><th scope="col">wasm sha256</th><th scope="col">Size</th><th scope="col">Jobs</th><th scope="col">Time</th></tr></thead>
      <tbody>${s.builds.map((b) => html`<tr><th scope="row">${b.id}</th><td><code class="hash build-hash">${b.wasm_sha256}</code></td>
        <td>${formatNumber(b.wasm_bytes)} B</td><td>${b.jobs}</td><td>${(b.duration_ms / 1000).toFixed(1)} s</td></tr>`)}</tbody></table>` : ''}
    ${s.toolchain && s.toolchain.rustc ? html`<h4>Toolchain</h4><pre class="small"><code>${s.toolchain.rustc}</code></pre>
      <p class="small muted">cargo ${s.toolchain.cargo}; wasm std sha256 <code class="hash">${s.toolchain.wasmStdSha256}</code>${s.recipe?.build ? html`; recipe ${s.recipe.build}` : ''}</p>` : ''}
    ${s.macros?.length ? html`<h4>Macros</h4><ul class="plain">${s.macros.map((m) => html`<li><code>${m.kind}</code> ${m.name}</li>`)}</ul>` : ''}
    ${s.lockfile ? html`<details><summary>Cargo.lock used (sha256 <code class="hash">${s.lockfile_sha256}</code>)</summary>
      <pre><code>${s.lockfile}</code></pre></details>` : ''}
    ${s.flags?.length ? html`<h4>Flags</h4><ul>${s.flags.map((f) => html`<li>${typeof f === 'string' ? f : JSON.stringify(f)}</li>`)}</ul>` : ''}
    ${s.patches?.length ? html`<h4>Compatibility patches</h4><ul>${s.patches.map((f) => html`<li>${typeof f === 'string' ? f : JSON.stringify(f)}</li>`)}</ul>` : ''}
    ${s.logs?.length ? html`<h4>Build logs</h4><ul class="plain">${s.logs.map((l) => html`<li><a href="${l.url}">log of ${l.build}</a></li>`)}</ul>` : ''}
  </section>`;
}

export async function render(main, { args }) {
  const [name, version] = args;
  const r = await api(`/api/v1/crates/${encodeURIComponent(name)}/${encodeURIComponent(version)}/precompiled`);
  const a = r.analysis;
  mount(main, html`
    <p class="small"><a href="${crateUrl(r.crate, r.version)}">← ${r.crate} ${r.version}</a></p>
    <h1>Precompile report: ${r.crate} <span class="version">${r.version}</span></h1>
    <section aria-labelledby="elig-h">
      <h2 id="elig-h">Eligibility</h2>
      ${!a ? html`<p class="muted" id="eligibility">Not analysed yet.</p>`
        : !a.proc_macro ? html`<p id="eligibility">Not a proc-macro crate: nothing to precompile.</p>`
        : html`<p id="eligibility">${a.eligible ? html`<span class="badge ok">eligible</span> This macro can run sandboxed.`
          : html`<span class="badge yanked">not eligible</span> This macro is built from source by consumers.`}
          <span class="muted">Analysed ${timeTag(a.analyzed_at)}.</span></p>
          ${checks(a.checks)}`}
    </section>
    ${r.shim ? html`<section aria-labelledby="shim-h">
      <h2 id="shim-h">Precompiled view</h2>
      <p id="shim-state" data-state="${r.shim.state}">${r.shim.state === 'shim' ? html`<span class="badge ok">shim</span>`
        : r.shim.state === 'pending' ? html`<span class="badge macro">pending</span>`
        : html`<span class="badge yanked">${r.shim.state === 'failed' ? 'shim failed' : 'from source'}</span>`} ${r.shim.reason}</p>
      ${r.shim.cksum ? html`<p class="small muted">Shim cksum <code class="hash">${r.shim.cksum}</code>, ${formatNumber(Math.ceil(r.shim.size / 1024))} KiB</p>` : ''}
    </section>` : ''}
    <section aria-labelledby="tc-h">
      <h2 id="tc-h">Registry toolchain</h2>
      ${r.toolchain.available ? html`<pre class="small"><code>${r.toolchain.rustc}</code></pre>`
        : html`<p class="error">${r.toolchain.problem}</p>`}
    </section>
    <section aria-labelledby="fs-h">
      <h2 id="fs-h">Feature sets (${r.feature_sets.length})</h2>
      <p class="muted">Each artifact is built twice in fresh sandboxes and served only when both builds give the same bytes.</p>
      ${r.feature_sets.length ? r.feature_sets.map(featureSet) : html`<p class="muted">No feature set is planned.</p>`}
    </section>
    ${r.requests?.length ? html`<section aria-labelledby="rq-h"><h2 id="rq-h">Requested by consumers</h2>
      <table><thead><tr><th scope="col">Features</th><th scope="col">Requests</th><th scope="col">Misses</th><th scope="col">Last</th></tr></thead>
      <tbody>${r.requests.map((q) => html`<tr><th scope="row">${q.key}</th><td>${q.requests}</td><td>${q.misses}</td><td>${timeTag(q.last_requested_at)}</td></tr>`)}</tbody></table></section>` : ''}`);
  return `Precompile report: ${r.crate} ${r.version}`;
}

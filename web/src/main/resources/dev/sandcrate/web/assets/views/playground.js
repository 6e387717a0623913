import { api, html, mount, errorBox } from '../lib.js';

const EXAMPLES = {
  derive: (m) => `#[derive(${m.name})]\n${m.name === 'Error' ? '#[error("could not read {path}: {reason}")]\nstruct ReadError {\n    path: String,\n    reason: String,\n}'
    : 'struct Point {\n    x: i32,\n    y: i32,\n}'}\n`,
  attr: () => 'fn handler() {\n    println!("hello");\n}\n',
  bang: () => 'hello world\n',
};

function label(m) {
  const kind = { derive: '#[derive]', attr: '#[attribute]', bang: 'macro!' }[m.kind] ?? m.kind;
  return `${m.crate} ${m.version} — ${m.name} (${kind}${m.feature_key === 'default' ? '' : ', features ' + m.feature_key})`;
}

export async function render(main) {
  const { macros, limits } = await api('/ui/api/playground');
  const choices = macros.map((m) => ({ ...m, feature_key: m.featureKey, artifact: m.artifactSha256 }));
  mount(main, html`
    <h1>Macro playground</h1>
    <p>Paste Rust source, pick a precompiled macro, and the registry expands it in the same WebAssembly sandbox consumers
      use: no file system, no network, at most ${limits.memory_mib} MiB of memory and ${limits.timeout_s} s per run.</p>
    ${choices.length === 0 ? html`<p class="notice" id="no-macros">No macro has a verified artifact yet. Proc-macro crates are
      precompiled after publishing; see their precompile reports on the crate pages.</p>` : html`
    <form id="playground-form">
      <label for="macro">Macro</label>
      <select id="macro" name="macro">${choices.map((m, i) => html`<option value="${i}">${label(m)}</option>`)}</select>
      <div id="args-row" hidden>
        <label for="args">Attribute arguments</label>
        <input id="args" name="args" autocomplete="off">
      </div>
      <label for="input">Input <span class="muted">(the item for derive and attribute macros, the tokens inside <code>name!(…)</code> for function-like ones; up to ${limits.input_kib} KiB)</span></label>
      <textarea id="input" name="input" rows="12" spellcheck="false"></textarea>
      <button type="submit" id="expand">Expand</button>
    </form>
    <section aria-labelledby="out-h">
      <h2 id="out-h">Expansion</h2>
      <div id="result" aria-live="polite"><p class="muted">Run a macro to see its output.</p></div>
    </section>`}`);
  if (choices.length === 0) return 'Playground';

  const form = main.querySelector('#playground-form');
  const select = form.querySelector('#macro');
  const input = form.querySelector('#input');
  const argsRow = form.querySelector('#args-row');
  const pick = () => {
    const m = choices[Number(select.value)];
    argsRow.hidden = m.kind !== 'attr';
    input.value = (EXAMPLES[m.kind] ?? EXAMPLES.bang)(m);
  };
  select.addEventListener('change', pick);
  pick();
  const result = main.querySelector('#result');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const m = choices[Number(select.value)];
    const button = form.querySelector('#expand');
    button.disabled = true;
    mount(result, html`<p class="muted">Expanding…</p>`);
    try {
      const r = await api('/ui/api/playground', {
        method: 'POST',
        body: { artifact: m.artifact, kind: m.kind, name: m.name, input: input.value, args: form.querySelector('#args').value },
      });
      mount(result, html`
        <p><span class="badge ${r.status === 'expanded' ? 'ok' : 'yanked'}" id="status">${r.status}</span>
          <span class="muted">in ${r.millis} ms</span></p>
        ${r.diagnostics.length ? html`<ul id="diagnostics">${r.diagnostics.map((d) => html`<li>${d}</li>`)}</ul>` : ''}
        ${r.message ? html`<p class="error" id="message">${r.message}</p>` : ''}
        ${r.output ? html`<pre tabindex="0" aria-label="expanded code"><code id="output">${r.output}</code></pre>` : ''}`);
    } catch (err) {
      mount(result, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  return 'Playground';
}

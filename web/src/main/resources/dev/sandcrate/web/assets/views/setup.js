import { api, html, mount, codeBlock, wireCopyButtons, errorBox } from '../lib.js';

/** Whether this registry serves a path (401/403 count: it is there, behind auth). */
async function served(path) {
  try {
    const res = await fetch(path, { method: 'GET', credentials: 'same-origin' });
    return res.ok || res.status === 401 || res.status === 403 ? res : null;
  } catch {
    return null;
  }
}

function snippet(s) {
  return html`<section aria-labelledby="snip-${s.id}" class="snippet" id="snippet-${s.id}">
      <h2 id="snip-${s.id}">${s.title}</h2>
      <p class="muted small">${s.file}</p>
      ${codeBlock(s.text, s.title)}
      <p>${s.note.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : part))}</p></section>`;
}

export async function render(main, { params }) {
  const name = params.get('name') || 'sandcrate';
  let data;
  try {
    data = await api('/ui/api/setup?name=' + encodeURIComponent(name));
  } catch (err) {
    data = await api('/ui/api/setup');
    data.error = err;
  }
  mount(main, html`
    <h1>Set up cargo for this registry</h1>
    <p>These snippets are generated for <code>${data.url}</code>${data.auth_required ? ' (a token is needed even for reading)' : ''}.</p>
    <form method="get" action="/setup" class="inline-form" id="name-form">
      <label for="reg-name">Name of this registry in your cargo config</label>
      <input id="reg-name" name="name" value="${data.name}" pattern="[a-z0-9][a-z0-9_\\-]{0,63}">
      <button type="submit">Update snippets</button>
    </form>
    ${data.error ? errorBox(data.error) : ''}
    ${data.snippets.map(snippet)}
    <div id="sandbox-setup"></div>`);
  // the sandbox opt-in appears only when this registry serves the runtime and the precompiled view
  const [runtime, view] = await Promise.all([served('/runtime'), served('/precompiled/index/config.json')]);
  const info = runtime?.ok ? await runtime.json().catch(() => null) : null;
  mount(main.querySelector('#sandbox-setup'), html`
    <h2>Sandboxed macros</h2>
    ${info?.install ? html`<section class="snippet" id="snippet-runtime" aria-labelledby="snip-runtime">
        <h3 id="snip-runtime">Install the runtime (once per machine)</h3>${codeBlock(info.install, 'runtime install command')}
        <p>It checks the download's sha256 and installs into <code>~/.sandcrate/runtime</code>, where the shims find it.</p></section>`
      : html`<p class="muted" id="no-runtime">This registry does not serve the sandbox runtime (its operator has not configured a runtime bundle).</p>`}
    ${view ? [snippet(data.precompiled_view), snippet(data.precompiled_patch)]
      : html`<p class="muted" id="no-view">This registry does not serve the precompiled view of its index.</p>`}`);
  wireCopyButtons(main);
  main.querySelector('#name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const n = new FormData(e.target).get('name');
    history.replaceState(null, '', '/setup?name=' + encodeURIComponent(n));
    render(main, { params: new URLSearchParams({ name: n }) });
  });
  return 'Setup';
}

import { api, html, mount, errorBox, currentSession, timeTag, codeBlock, wireCopyButtons } from '../lib.js';

const SCOPES = [
  ['publish-new', 'Publish new crates'],
  ['publish-update', 'Publish new versions of your crates'],
  ['yank', 'Yank and unyank'],
  ['change-owners', 'Change owners'],
  ['read', 'Read (needed on registries that require auth for downloads)'],
];

function tokenRows(tokens) {
  if (tokens.length === 0) return html`<p class="muted" id="no-tokens">You have no tokens yet.</p>`;
  return html`<table id="tokens">
    <thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Crates</th><th scope="col">Created</th>
      <th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
    <tbody>${tokens.map((t) => html`<tr data-token-id="${t.id}">
      <th scope="row">${t.name}</th><td>${t.scopes.join(', ')}</td><td>${t.crates.length ? t.crates.join(', ') : 'all'}</td>
      <td>${timeTag(t.created_at)}</td><td>${t.expires_at ? timeTag(t.expires_at) : 'never'}</td>
      <td>${t.last_used_at ? timeTag(t.last_used_at) : 'never'}</td>
      <td>${t.revoked ? html`<span class="badge yanked">revoked</span>` : t.expired ? html`<span class="badge">expired</span>`
        : html`<button type="button" class="danger" data-revoke="${t.id}" aria-label="Revoke token ${t.name}">Revoke</button>`}</td>
    </tr>`)}</tbody></table>`;
}

function keyRows(keys) {
  if (keys.length === 0) return html`<p class="muted" id="no-keys">You have no public keys yet.</p>`;
  return html`<table id="keys">
    <thead><tr><th scope="col">Name</th><th scope="col">Key id</th><th scope="col">Scopes</th><th scope="col">Crates</th>
      <th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead>
    <tbody>${keys.map((k) => html`<tr data-key-id="${k.id}">
      <th scope="row">${k.name}</th><td><code>${k.key_id}</code></td><td>${k.scopes.join(', ')}</td>
      <td>${k.crates.length ? k.crates.join(', ') : 'all'}</td><td>${timeTag(k.created_at)}</td>
      <td>${k.last_used_at ? timeTag(k.last_used_at) : 'never'}</td>
      <td>${k.revoked ? html`<span class="badge yanked">revoked</span>`
        : html`<button type="button" class="danger" data-revoke-key="${k.id}" aria-label="Revoke key ${k.name}">Revoke</button>`}</td>
    </tr>`)}</tbody></table>`;
}

export async function render(main, { navigate }) {
  const s = currentSession();
  if (!s?.user) {
    navigate('/login?next=/account', { replace: true });
    return 'Sign in';
  }
  const { tokens } = await api('/ui/api/tokens');
  const { keys } = await api('/ui/api/keys');
  const allowed = new Set(s.scopes);
  mount(main, html`
    <h1>Account: ${s.user.login}</h1>
    ${s.via_token ? html`<p class="notice">You signed in with a token: you can grant only its scopes (${s.scopes.join(', ')})
      ${s.crates.length ? html` for crates ${s.crates.join(', ')}` : ''}.</p>` : ''}
    <section aria-labelledby="new-h" class="card">
      <h2 id="new-h">New API token</h2>
      <form id="token-form">
        <label for="token-name">Name</label>
        <input id="token-name" name="name" required maxlength="128" placeholder="e.g. laptop, CI publish">
        <fieldset>
          <legend>Scopes</legend>
          ${SCOPES.map(([id, label]) => html`<label class="check"><input type="checkbox" name="scopes" value="${id}"
            ${allowed.has(id) ? html`checked` : html`disabled`}> <code>${id}</code> — ${label}</label>`)}
        </fieldset>
        <label for="token-crates">Limit to crates <span class="muted">(optional, comma-separated; <code>name</code> or <code>prefix*</code>)</span></label>
        <input id="token-crates" name="crates" placeholder="my-crate, my-prefix-*">
        <label for="token-expires">Expires after <span class="muted">(optional)</span></label>
        <input id="token-expires" name="expires" type="date">
        <button type="submit">Create token</button>
      </form>
      <div id="token-result" aria-live="polite"></div>
    </section>
    <section aria-labelledby="list-h">
      <h2 id="list-h">Your tokens</h2>
      <div id="token-list">${tokenRows(tokens)}</div>
    </section>
    <section aria-labelledby="key-h" class="card">
      <h2 id="key-h">Public keys for asymmetric tokens</h2>
      <p>Nightly cargo can sign each request with your own key instead of sending a token
        (<code>-Zasymmetric-token</code>, credential provider <code>cargo:paseto</code>): run
        <code>cargo +nightly -Zasymmetric-token login --registry sandcrate</code>, which prints a
        <code>k3.public.…</code> key, and register that key here.</p>
      <form id="key-form">
        <label for="key-name">Name</label>
        <input id="key-name" name="name" required maxlength="128" placeholder="e.g. laptop">
        <label for="key-public">Public key</label>
        <input id="key-public" name="public_key" required placeholder="k3.public.…" spellcheck="false">
        <fieldset>
          <legend>Scopes</legend>
          ${SCOPES.map(([id, label]) => html`<label class="check"><input type="checkbox" name="key-scopes" value="${id}"
            ${allowed.has(id) ? html`checked` : html`disabled`}> <code>${id}</code> — ${label}</label>`)}
        </fieldset>
        <label for="key-crates">Limit to crates <span class="muted">(optional, comma-separated)</span></label>
        <input id="key-crates" name="crates" placeholder="my-crate, my-prefix-*">
        <button type="submit">Register key</button>
      </form>
      <div id="key-result" aria-live="polite"></div>
      <div id="key-list">${keyRows(keys)}</div>
    </section>
    ${s.via_token ? '' : html`<section aria-labelledby="pw-h" class="card">
      <h2 id="pw-h">Change password</h2>
      <form id="password-form">
        <input type="text" name="username" autocomplete="username" value="${s.user.login}" hidden>
        <label for="pw-current">Current password</label>
        <input id="pw-current" name="current" type="password" autocomplete="current-password" required>
        <label for="pw-new">New password <span class="muted">(at least 10 characters)</span></label>
        <input id="pw-new" name="new" type="password" autocomplete="new-password" minlength="10" required>
        <button type="submit">Change password</button>
      </form>
      <div id="password-result" aria-live="polite"></div>
    </section>`}`);

  const list = main.querySelector('#token-list');
  const reload = async () => mount(list, tokenRows((await api('/ui/api/tokens')).tokens));
  list.addEventListener('click', async (e) => {
    const btn = e.target.closest('[data-revoke]');
    if (!btn || !confirm('Revoke this token? Anything using it stops working at once.')) return;
    try {
      await api('/ui/api/tokens/' + btn.dataset.revoke, { method: 'DELETE' });
      await reload();
    } catch (err) {
      mount(list, html`${errorBox(err)}${list.innerHTML}`);
    }
  });

  const form = main.querySelector('#token-form');
  const result = main.querySelector('#token-result');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    try {
      const created = await api('/ui/api/tokens', {
        method: 'POST',
        body: {
          name: f.get('name'),
          scopes: f.getAll('scopes'),
          crates: String(f.get('crates') ?? '').split(',').map((x) => x.trim()).filter(Boolean),
          expires: f.get('expires') || null,
        },
      });
      mount(result, html`<div class="secret" role="status">
        <p><strong>Token “${created.token.name}” created.</strong> Copy it now: it is shown only this once.</p>
        ${codeBlock(created.secret, 'new token')}
        <p>Use it with <code>cargo login --registry sandcrate</code> (paste the token when asked).</p></div>`);
      wireCopyButtons(result);
      form.reset();
      await reload();
    } catch (err) {
      mount(result, errorBox(err));
    }
  });

  const keyList = main.querySelector('#key-list');
  const reloadKeys = async () => mount(keyList, keyRows((await api('/ui/api/keys')).keys));
  keyList.addEventListener('click', async (e) => {
    const btn = e.target.closest('[data-revoke-key]');
    if (!btn || !confirm('Revoke this key? Cargo can no longer sign with it.')) return;
    try {
      await api('/ui/api/keys/' + btn.dataset.revokeKey, { method: 'DELETE' });
      await reloadKeys();
    } catch (err) {
      mount(keyList, html`${errorBox(err)}${keyList.innerHTML}`);
    }
  });
  const keyForm = main.querySelector('#key-form');
  const keyResult = main.querySelector('#key-result');
  keyForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(keyForm);
    try {
      const { key } = await api('/ui/api/keys', {
        method: 'POST',
        body: {
          name: f.get('name'),
          public_key: String(f.get('public_key') ?? '').trim(),
          scopes: f.getAll('key-scopes'),
          crates: String(f.get('crates') ?? '').split(',').map((x) => x.trim()).filter(Boolean),
        },
      });
      mount(keyResult, html`<p class="ok" role="status">Key “${key.name}” registered as <code>${key.key_id}</code>.</p>`);
      keyForm.reset();
      await reloadKeys();
    } catch (err) {
      mount(keyResult, errorBox(err));
    }
  });

  const pw = main.querySelector('#password-form');
  pw?.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(pw);
    const out = main.querySelector('#password-result');
    try {
      await api('/ui/api/password', { method: 'POST', body: { current: f.get('current'), new: f.get('new') } });
      mount(out, html`<p class="ok" role="status">Password changed; your other sessions were signed out.</p>`);
      pw.reset();
    } catch (err) {
      mount(out, errorBox(err));
    }
  });
  return 'Account';
}

// Shared helpers: safe HTML templates, the JSON API with the session's CSRF token, formatting.

class Safe {
  constructor(s) { this.s = s; }
  toString() { return this.s; }
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(v) {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Safe) return v.s;
  if (Array.isArray(v)) return v.map(render).join('');
  return escape(v);
}

/** Tagged template: interpolated values are escaped unless they come from html`` or trusted(). */
export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += render(v) + strings[i + 1]; });
  return new Safe(out);
}

/** Marks server-rendered HTML (readmes, sanitized by the registry) as safe to insert. */
export function trusted(s) {
  return new Safe(s ?? '');
}

export function mount(el, content) {
  el.innerHTML = render(content);
}

let session = null;
export function currentSession() { return session; }
export function setSession(s) { session = s; }

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** Calls the UI API; throws ApiError with the registry's own message on failure. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session?.csrf_token) headers['X-CSRF-Token'] = session.csrf_token;
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin',
  });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const detail = data?.errors?.[0]?.detail ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, detail);
  }
  return data;
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return d.toISOString().slice(0, 10);
}

export function timeTag(iso) {
  return html`<time datetime="${iso}" title="${iso}">${formatDate(iso)}</time>`;
}

export function formatNumber(n) {
  return new Intl.NumberFormat('en').format(n ?? 0);
}

export function crateUrl(name, version) {
  return '/crates/' + encodeURIComponent(name) + (version ? '/' + encodeURIComponent(version) : '');
}

export function errorBox(err) {
  return html`<div class="error" role="alert"><strong>Error:</strong> ${err.message ?? String(err)}</div>`;
}

/** A code block with a copy button (clipboard when the browser allows it, else the text gets selected). */
export function codeBlock(text, label) {
  return html`<div class="code-block"><pre tabindex="0" aria-label="${label ?? 'code'}"><code>${text}</code></pre>
    <button type="button" class="copy" data-copy>Copy</button></div>`;
}

export function wireCopyButtons(root) {
  for (const btn of root.querySelectorAll('[data-copy]')) {
    btn.addEventListener('click', async () => {
      const code = btn.parentElement.querySelector('code');
      try {
        await navigator.clipboard.writeText(code.textContent);
        btn.textContent = 'Copied';
      } catch {
        const range = document.createRange();
        range.selectNodeContents(code);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        btn.textContent = 'Selected: press Ctrl+C';
      }
      setTimeout(() => { btn.textContent = 'Copy'; }, 2500);
    });
  }
}

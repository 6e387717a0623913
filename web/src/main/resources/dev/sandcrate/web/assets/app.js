// The UI's router: every page path serves the same shell; this picks the view, renders it into <main>,
// and keeps navigation inside the page (history API) so moving around costs one small JSON request.
import { api, html, mount, errorBox, setSession, currentSession } from './lib.js';

const routes = [
  [/^\/$/, () => import('./views/home.js')],
  [/^\/search$/, () => import('./views/search.js')],
  [/^\/crates\/([^/]+)\/([^/]+)\/precompiled$/, () => import('./views/precompiled.js')],
  [/^\/crates\/([^/]+)(?:\/([^/]+))?$/, () => import('./views/crate.js')],
  [/^\/login$/, () => import('./views/login.js')],
  [/^\/account$/, () => import('./views/account.js')],
  [/^\/admin$/, () => import('./views/admin.js')],
  [/^\/setup$/, () => import('./views/setup.js')],
  [/^\/playground$/, () => import('./views/playground.js')],
];

const main = document.getElementById('main');
const announcer = document.getElementById('announcer');

export async function refreshSession() {
  setSession(await api('/ui/api/session'));
  renderAccountNav();
}

function renderAccountNav() {
  const li = document.getElementById('nav-account');
  const s = currentSession();
  if (s?.user) {
    mount(li, html`<a href="/account">${s.user.login}</a>${s.user.admin ? html` · <a href="/admin">Admin</a>` : ''}
      · <button type="button" class="link-button" id="sign-out">Sign out</button>`);
    li.querySelector('#sign-out').addEventListener('click', async () => {
      await api('/ui/api/logout', { method: 'POST', body: {} });
      await refreshSession();
      navigate('/');
    });
  } else {
    mount(li, html`<a href="/login">Sign in</a>`);
  }
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

async function render() {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const params = new URLSearchParams(location.search);
  main.setAttribute('aria-busy', 'true');
  try {
    for (const [pattern, load] of routes) {
      const m = path.match(pattern);
      if (!m) continue;
      const view = await load();
      const args = m.slice(1).map((s) => (s === undefined ? undefined : decodeURIComponent(s)));
      const title = await view.render(main, { args, params, navigate, refreshSession });
      document.title = title ? `${title} · Sandcrate` : 'Sandcrate';
      break;
    }
  } catch (err) {
    if (err.status === 401 && !currentSession()?.user && path !== '/login') {
      // an auth-required registry: sign in first, then come back here
      main.removeAttribute('aria-busy');
      navigate('/login?next=' + encodeURIComponent(path + location.search), { replace: true });
      return;
    }
    mount(main, html`<h1 tabindex="-1">Something went wrong</h1>${errorBox(err)}`);
    document.title = 'Error · Sandcrate';
  } finally {
    main.removeAttribute('aria-busy');
  }
  const heading = main.querySelector('h1');
  if (heading && document.activeElement !== document.getElementById('nav-q')) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  announcer.textContent = document.title;
  window.scrollTo(0, 0);
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || a.target || a.hasAttribute('download')) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/') || url.pathname.startsWith('/index/')
      || url.pathname.startsWith('/runtime/')) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});

document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!form.matches('form[role=search]')) return;
  e.preventDefault();
  const q = new FormData(form).get('q') ?? '';
  navigate('/search?q=' + encodeURIComponent(q));
});

window.addEventListener('popstate', render);

try {
  await refreshSession();
} catch (err) {
  console.error('could not read the session', err);
}
await render();

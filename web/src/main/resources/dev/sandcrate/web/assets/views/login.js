import { api, html, mount, errorBox, currentSession } from '../lib.js';

export async function render(main, { navigate, refreshSession, params }) {
  const next = params.get('next');
  const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/account';
  const s = currentSession();
  mount(main, html`
    <h1>Sign in</h1>
    ${s?.user ? html`<p>You are signed in as <strong>${s.user.login}</strong>. <a href="/account">Your account</a></p>` : ''}
    <div class="two-col">
      <section aria-labelledby="pw-h" class="card">
        <h2 id="pw-h">With your password</h2>
        <form id="password-form">
          <label for="login">Login</label>
          <input id="login" name="login" autocomplete="username" required>
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required>
          <button type="submit">Sign in</button>
        </form>
        <p class="muted small">Your registry operator sets passwords with <code>sandcrate passwd LOGIN</code>.</p>
      </section>
      <section aria-labelledby="tok-h" class="card">
        <h2 id="tok-h">With an API token</h2>
        <form id="token-form">
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="off" required placeholder="scr_…">
          <button type="submit">Sign in with token</button>
        </form>
        <p class="muted small">The session can do only what the token may do, and ends when the token is revoked.</p>
      </section>
    </div>
    <div id="login-result" aria-live="assertive"></div>`);
  const result = main.querySelector('#login-result');
  const submit = (form, body) => form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api('/ui/api/login', { method: 'POST', body: body(new FormData(form)) });
      await refreshSession();
      navigate(target, { replace: true });
    } catch (err) {
      mount(result, errorBox(err));
    } finally {
      button.disabled = false;
    }
  });
  submit(main.querySelector('#password-form'), (f) => ({ login: f.get('login'), password: f.get('password') }));
  submit(main.querySelector('#token-form'), (f) => ({ token: f.get('token') }));
  return 'Sign in';
}

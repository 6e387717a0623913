import { api, html, mount, errorBox, currentSession, timeTag } from '../lib.js';

function userRows(users) {
  return html`<table id="users"><thead><tr><th scope="col">Login</th><th scope="col">Role</th>
    <th scope="col">Web password</th><th scope="col">Created</th></tr></thead>
    <tbody>${users.map((u) => html`<tr><th scope="row">${u.login}</th><td>${u.admin ? 'admin' : 'user'}</td>
      <td>${u.has_password ? 'set' : html`<span class="muted">not set</span>`}</td><td>${timeTag(u.created_at)}</td></tr>`)}</tbody></table>`;
}

export async function render(main, { navigate }) {
  const s = currentSession();
  if (!s?.user) {
    navigate('/login?next=/admin', { replace: true });
    return 'Sign in';
  }
  const { users } = await api('/ui/api/admin/users');
  mount(main, html`
    <h1>Administration</h1>
    <section aria-labelledby="users-h">
      <h2 id="users-h">Users</h2>
      <div id="user-list">${userRows(users)}</div>
      <form id="user-form" class="card">
        <h3>Add a user</h3>
        <label for="new-login">Login</label>
        <input id="new-login" name="login" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}">
        <label for="new-password">Web password <span class="muted">(optional, at least 10 characters)</span></label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" minlength="10">
        <label class="check"><input type="checkbox" name="admin"> Admin (may yank and change owners of every crate)</label>
        <button type="submit">Add user</button>
        <div id="user-result" aria-live="polite"></div>
      </form>
    </section>`);
  const form = main.querySelector('#user-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(form);
    const out = main.querySelector('#user-result');
    try {
      await api('/ui/api/admin/users', { method: 'POST', body: { login: f.get('login'), password: f.get('password') || null, admin: f.get('admin') === 'on' } });
      mount(out, html`<p class="ok" role="status">Added ${f.get('login')}.</p>`);
      form.reset();
      mount(main.querySelector('#user-list'), userRows((await api('/ui/api/admin/users')).users));
    } catch (err) {
      mount(out, errorBox(err));
    }
  });
  return 'Administration';
}

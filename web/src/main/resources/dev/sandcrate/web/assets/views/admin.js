import { api, html, mount, errorBox, currentSession, timeTag, crateUrl } from '../lib.js';

function jobRows(jobs) {
  if (jobs.length === 0) return html`<p class="muted">No precompile jobs yet.</p>`;
  return html`<table id="jobs"><thead><tr><th scope="col">Job</th><th scope="col">Crate</th><th scope="col">Features</th>
    <th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Phase / why / error</th><th scope="col"></th></tr></thead>
    <tbody>${jobs.map((j) => html`<tr data-job="${j.id}"><th scope="row">${j.id}</th>
      <td><a href="${crateUrl(j.crate, j.version)}/precompiled">${j.crate} ${j.version}</a>${j.requested ? html` <span class="badge macro" title="a consumer asked for it: built first">requested</span>` : ''}</td><td>${j.features}</td>
      <td><span class="badge ${j.state === 'verified' ? 'ok' : ['failed', 'rejected', 'ineligible', 'denied'].includes(j.state) ? 'yanked' : 'macro'}">${j.state}</span></td>
      <td>${j.attempts}/${j.max_attempts}</td><td class="small">${j.state === 'running' && j.phase ? html`<span class="phase">${j.phase}</span> (${timeTag(j.phase_at)})` : j.last_error ?? j.reasons.join('; ')}</td>
      <td>${j.retryable ? html`<button type="button" data-retry="${j.id}" aria-label="Retry job ${j.id}">Retry</button>` : ''}</td></tr>`)}</tbody></table>`;
}

function duration(seconds) {
  if (seconds == null) return 'unknown until a job is verified';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function queueSummary(q) {
  return html`<p id="queue">${q.queued} queued (${q.due} due), ${q.running} running; estimated time to empty the queue:
    <strong>${q.queued + q.running === 0 ? 'nothing to do' : duration(q.eta_seconds)}</strong>${q.average_job_seconds != null ? html` (recent jobs take ${duration(q.average_job_seconds)})` : ''}.
    Dependency cache: ${q.dependency_cache.entries} verified dependency builds, ${Math.round(q.dependency_cache.bytes / 1048576)} MiB.</p>`;
}

function policyRows(policy) {
  if (policy.length === 0) return html`<p class="muted">No allow or deny entries: eligibility rules decide.</p>`;
  return html`<table id="policy"><thead><tr><th scope="col">Crate</th><th scope="col">Action</th><th scope="col">Source</th><th scope="col">Reason</th><th scope="col"></th></tr></thead>
    <tbody>${policy.map((p) => html`<tr><th scope="row">${p.entry}</th><td>${p.action}</td>
      <td>${p.source}${p.by ? html` (${p.by})` : ''}</td><td>${p.reason || ''}</td>
      <td>${p.source === 'admin' ? html`<button type="button" class="danger" data-clear="${p.entry}" aria-label="Remove ${p.action} entry ${p.entry}">Remove</button>` : ''}</td></tr>`)}</tbody></table>`;
}

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
  const [{ users }, pc] = await Promise.all([api('/ui/api/admin/users'), api('/ui/api/admin/precompile')]);
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
    </section>
    <section aria-labelledby="pc-h">
      <h2 id="pc-h">Precompilation</h2>
      <p>${pc.toolchain.available ? html`Toolchain: <code>${pc.toolchain.rustc}</code>` : html`<span class="error-text">${pc.toolchain.problem}</span>`};
        ${pc.workers} in-process worker${pc.workers === 1 ? '' : 's'} (more with <code>sandcrate worker</code>).</p>
      <h3>Jobs</h3>
      <div id="queue-summary">${queueSummary(pc.queue)}</div>
      <div id="job-list">${jobRows(pc.jobs)}</div>
      ${pc.shim_failures?.length ? html`<h3>Shims that fail to generate</h3>
        <p class="error-text">The view serves these versions from source although they are verified: a bug to report.</p>
        <ul id="shim-failures">${pc.shim_failures.map((f) => html`<li><a href="${crateUrl(f.crate, f.version)}/precompiled">${f.crate} ${f.version}</a>:
          <span class="small">${f.error}</span> ${timeTag(f.at)}</li>`)}</ul>` : ''}
      <h3>Allow and deny lists</h3>
      <div id="policy-list">${policyRows(pc.policy)}</div>
      <form id="policy-form" class="card">
        <h3>Add an entry</h3>
        <label for="policy-crate">Crate</label>
        <input id="policy-crate" name="crate" required>
        <label for="policy-version">Version <span class="muted">(optional: all versions when empty)</span></label>
        <input id="policy-version" name="version">
        <label for="policy-reason">Reason <span class="muted">(optional: shown with the entry and to consumers of a denied version)</span></label>
        <input id="policy-reason" name="reason" maxlength="2000">
        <fieldset><legend>Action</legend>
          <label class="check"><input type="radio" name="action" value="deny" checked> Deny: never precompile (consumers build from source)</label>
          <label class="check"><input type="radio" name="action" value="allow"> Allow: precompile even if flagged</label>
        </fieldset>
        <button type="submit">Save</button>
        <div id="policy-result" aria-live="polite"></div>
      </form>
    </section>`);
  const reloadPrecompile = async () => {
    const fresh = await api('/ui/api/admin/precompile');
    mount(main.querySelector('#queue-summary'), queueSummary(fresh.queue));
    mount(main.querySelector('#job-list'), jobRows(fresh.jobs));
    mount(main.querySelector('#policy-list'), policyRows(fresh.policy));
  };
  // the queue moves by itself: refresh it while this page is shown
  const timer = setInterval(async () => {
    if (!main.querySelector('#queue-summary')) { clearInterval(timer); return; }
    try { await reloadPrecompile(); } catch { /* shown again at the next tick */ }
  }, 5000);
  main.querySelector('#job-list').addEventListener('click', async (e) => {
    const b = e.target.closest('[data-retry]');
    if (!b) return;
    await api(`/ui/api/admin/precompile/jobs/${b.dataset.retry}/retry`, { method: 'POST', body: {} });
    await reloadPrecompile();
  });
  main.querySelector('#policy-list').addEventListener('click', async (e) => {
    const b = e.target.closest('[data-clear]');
    if (!b) return;
    const [crate, version] = b.dataset.clear.split('@');
    await api('/ui/api/admin/precompile/policy?crate=' + encodeURIComponent(crate) + (version ? '&version=' + encodeURIComponent(version) : ''), { method: 'DELETE' });
    await reloadPrecompile();
  });
  const pform = main.querySelector('#policy-form');
  pform.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = new FormData(pform);
    const out = main.querySelector('#policy-result');
    try {
      const r = await api('/ui/api/admin/precompile/policy', { method: 'POST', body: { crate: f.get('crate'), version: f.get('version') || null, action: f.get('action'), reason: f.get('reason') || null } });
      mount(out, html`<p class="ok" role="status">${r.msg}</p>`);
      pform.reset();
      await reloadPrecompile();
    } catch (err) {
      mount(out, errorBox(err));
    }
  });
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

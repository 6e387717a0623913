import { api, html, mount, codeBlock, wireCopyButtons, errorBox } from '../lib.js';

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
    ${data.snippets.map((s) => html`<section aria-labelledby="snip-${s.id}" class="snippet" id="snippet-${s.id}">
      <h2 id="snip-${s.id}">${s.title}</h2>
      <p class="muted small">${s.file}</p>
      ${codeBlock(s.text, s.title)}
      <p>${s.note}</p></section>`)}`);
  wireCopyButtons(main);
  main.querySelector('#name-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const n = new FormData(e.target).get('name');
    history.replaceState(null, '', '/setup?name=' + encodeURIComponent(n));
    render(main, { params: new URLSearchParams({ name: n }) });
  });
  return 'Setup';
}

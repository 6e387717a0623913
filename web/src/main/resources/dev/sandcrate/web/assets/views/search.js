import { api, html, mount, formatNumber, crateUrl } from '../lib.js';

export async function render(main, { params }) {
  const q = params.get('q') ?? '';
  const page = Number(params.get('page') ?? '1') || 1;
  const data = await api('/ui/api/search?q=' + encodeURIComponent(q) + '&page=' + page);
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const link = (p) => '/search?q=' + encodeURIComponent(q) + '&page=' + p;
  mount(main, html`
    <h1>${q ? html`Results for “${q}”` : 'All crates'}</h1>
    <form role="search" action="/search" method="get" class="big-search">
      <label for="search-q">Search crates</label>
      <div class="search-row">
        <input id="search-q" name="q" type="search" value="${q}" autocomplete="off">
        <button type="submit">Search</button>
      </div>
    </form>
    <p class="muted" id="result-count">${formatNumber(data.total)} crate${data.total === 1 ? '' : 's'}</p>
    <ul class="crate-list" id="results">${data.crates.map((c) => html`
      <li><a href="${crateUrl(c.name)}">${c.name}</a> <span class="version">${c.max_version}</span>
        <span class="muted">${formatNumber(c.downloads)} downloads</span>
        ${c.description ? html`<p>${c.description}</p>` : ''}</li>`)}</ul>
    ${pages > 1 ? html`<nav aria-label="Result pages" class="pager">
      ${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Previous</a>` : ''}
      <span>Page ${page} of ${pages}</span>
      ${page < pages ? html`<a href="${link(page + 1)}" rel="next">Next</a>` : ''}</nav>` : ''}`);
  return q ? `Search: ${q}` : 'All crates';
}

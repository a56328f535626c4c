// regshare console: what the two lists of My Images share: their state
// in the hash's query (so that a reload and Back restore it), sortable
// column headers, a failed read with its Retry, and where the focus goes
// after the list is redrawn.
import { $, listFailed } from './core.js';
import { t } from './i18n.js';

// hashQuery is the query of the hash (#/images?name=api → name=api),
// split before decoding, so that an encoded "&" stays in its value.
export function hashQuery() {
  const h = location.hash;
  const i = h.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : h.slice(i + 1));
}

// setHashQuery writes a list's state into the address without routing
// again (no hashchange): push makes a step Back returns from, else the
// current entry changes (as while typing a filter).
export function setHashQuery(path, params, push) {
  const qs = params.toString();
  const hash = `#${path}${qs ? `?${qs}` : ''}`;
  if (hash === location.hash) return;
  if (push) window.history.pushState(null, '', hash);
  else window.history.replaceState(null, '', hash);
}

// sortHeaders wires a table's sort buttons (th[data-sort] > button):
// clicking the sorted column turns its direction, another column sorts
// by it in its first direction (firstDir[column] or asc).
export function sortHeaders(table, firstDir, onSort) {
  for (const th of table.querySelectorAll('th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const column = th.dataset.sort;
      const current = th.getAttribute('aria-sort');
      let dir = firstDir[column] || 'asc';
      if (current) dir = current === 'ascending' ? 'desc' : 'asc';
      onSort(column, dir);
    });
  }
}

// markSort shows which column the table is sorted by: aria-sort on that
// header alone, as ARIA asks.
export function markSort(table, column, dir) {
  for (const th of table.querySelectorAll('th[data-sort]')) {
    if (th.dataset.sort === column) th.setAttribute('aria-sort', dir === 'desc' ? 'descending' : 'ascending');
    else th.removeAttribute('aria-sort');
  }
}

// A list's elements by the prefix of their ids: <p>-table, <p>-body,
// <p>-empty, <p>-error and <p>-retry.
export function listParts(prefix) {
  const part = (s) => $(`${prefix}-${s}`);
  return {
    table: part('table'), body: part('body'), empty: part('empty'), error: part('error'), retry: part('retry'),
  };
}

// Retries of a list worth offering: no answer, or the server or the
// registry behind it failing for now.
const retriable = (e) => e.status === 0 || e.status >= 500;

// failed shows why a list could not be read, without its header (an
// empty table under an error says nothing), and a Retry when trying
// again may help.
export function failed(parts, e) {
  listFailed(parts.body, parts.empty, parts.error, e);
  if (!parts.error.textContent) parts.error.textContent = t('images.readFailed');
  parts.retry.hidden = !retriable(e); // listFailed hid the table
}

// shown is a list drawn after a successful read.
export function shown(parts) {
  parts.retry.hidden = true; // fill showed the table
}

// focusList puts the focus in a redrawn list (after Next, Previous or
// Retry, whose button may have gone): its first link or button, else its
// message, else the page's heading; never the page's body.
export function focusList(parts) {
  const { body, empty, retry } = parts;
  const target = body.querySelector('a[href], button') || (!retry.hidden && retry) || (!empty.hidden && empty) || $('images-title');
  if (target === empty) empty.tabIndex = -1;
  target.focus();
}


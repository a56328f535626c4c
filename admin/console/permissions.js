// regshare console: permissions, as the robot accounts' dialog
// (robots.js) and the access tokens' dialog (tokens.js) edit them and as
// their lists show them: a repository or a namespace prefix ending in
// '/', with its actions. As in app.js, what the API returns is always set
// as text, never parsed as HTML.
import { t, tParts } from './i18n.js';

export const ACTIONS = ['pull', 'push', 'delete'];

// actionName is a permission's action as the user's language says it.
export function actionName(a) {
  const names = { pull: t('robots.action.pull'), push: t('robots.action.push'), delete: t('robots.action.delete') };
  return names[a] || a;
}

// permissionsEl lists perms in a table cell; label names the list for
// screen readers.
export function permissionsEl(el, perms, label) {
  return el('ul', { class: 'plain perms', 'aria-label': label },
    perms.map((p) => el('li', {}, tParts('robots.perm', {
      repository: el('code', {}, p.repository), actions: p.actions.map(actionName).join(t('accounts.listSeparator')),
    }))));
}

// permissionEditor edits the permissions of a dialog, one row each, in
// the element with id box: rows' repository fields suggest from the
// datalist list, and are described by the fieldset's hint and error
// (describedBy); addButton gets the focus when the last row is removed.
export function permissionEditor(h, { box, list, describedBy, addButton }) {
  const { $, el } = h;
  let seq = 0;

  function add(repository, actions) {
    const n = ++seq;
    const id = `${box}-${n}`;
    const row = el('div', { class: 'perm-row', 'data-perm': String(n) },
      el('label', { for: `${id}-repo`, class: 'perm-label' }, t('robots.permRepository'), el('span', { class: 'sr-only' }, t('robots.permNumber', { n }))),
      el('input', {
        id: `${id}-repo`, class: 'perm-repo mono', list, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
        'aria-describedby': describedBy, value: repository || '',
      }),
      el('span', { class: 'perm-actions', role: 'group', 'aria-label': t('robots.permActions', { n }) },
        ACTIONS.map((a) => el('label', { class: 'check' },
          el('input', { type: 'checkbox', value: a, checked: (actions || ['pull']).includes(a) }), ` ${actionName(a)}`))),
      el('button', {
        type: 'button', class: 'link danger', 'aria-label': t('robots.permRemoveAria', { n }),
        onclick: () => {
          row.remove();
          const first = $(box).querySelector('.perm-repo');
          (first || $(addButton)).focus();
        },
      }, t('robots.permRemove')));
    $(box).append(row);
    return row;
  }

  function clear() {
    $(box).replaceChildren();
    seq = 0;
  }

  // read returns the rows' permissions, skipping empty rows, and bad, what
  // is wrong with the first row that is not right (its field is marked).
  function read() {
    const perms = [];
    let bad = '';
    for (const row of $(box).querySelectorAll('.perm-row')) {
      const input = row.querySelector('.perm-repo');
      const repository = input.value.trim();
      const actions = [...row.querySelectorAll('input[type="checkbox"]:checked')].map((c) => c.value);
      if (!repository && !actions.length) continue;
      if (!repository || !actions.length || /\s/.test(repository)) {
        input.setAttribute('aria-invalid', 'true');
        bad = bad || (repository ? t('robots.permNoAction', { repository }) : t('robots.permNoRepository'));
        if (/\s/.test(repository)) bad = t('robots.permSpace', { repository });
        continue;
      }
      perms.push({ repository, actions });
    }
    return { perms, bad };
  }

  // markRepository marks the row of repository (or the first) as invalid.
  function markRepository(repository) {
    const inputs = [...$(box).querySelectorAll('.perm-repo')];
    const input = inputs.find((i) => i.value.trim() === repository) || inputs[0];
    if (input) input.setAttribute('aria-invalid', 'true');
  }

  // suggest fills the datalist: the namespaces as prefixes, and with
  // shared, the repositories shared with one's domain.
  async function suggest(namespaces, shared) {
    const names = namespaces.map((n) => `${n}/`);
    $(list).replaceChildren(...names.map((v) => el('option', { value: v })));
    if (!shared) return;
    try {
      const res = await h.api('GET', '/v2/manage/shared-repositories?center=thirdparty&limit=1000&order_column=name&order_type=asc');
      for (const o of res.data || []) if (o.status) names.push(`${o.namespace}/${o.name}`);
      $(list).replaceChildren(...names.map((v) => el('option', { value: v })));
    } catch { /* suggestions only */ }
  }

  return { add, clear, read, markRepository, suggest };
}

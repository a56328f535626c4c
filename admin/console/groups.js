// regshare console: the Groups page, for administrators: named groups of
// domains, which an image is shared with as one recipient, "@name". Each
// group's members are picked from the domains; an edit sends the members
// added and removed (add_members, remove_members), applied to the group
// as it is then. A group that receives shares is deleted only together
// with them, after a second confirmation naming them. Its history opens
// in the timeline the shares' history uses (history.js, h.timeline).
// accounts.js builds it (groupsPage(h, c)) with app.js's helpers h and
// the account pages' shared pieces c (accounts-common.js).
import { formatNumber, t, tn } from './i18n.js';

const MAX_DESCRIPTION = 1000;
// A row names this many members, and a deletion this many repositories
// whose shares it revoked; the rest are counted.
const NAMED = 8;
// The dialog offers a filter of the domains from this many on.
const FILTER_FROM = 12;

export function groupsPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, admin, apiMessage, updatedEl, actionButton, deleteButton, refocus, listFailed,
    clearErrors, fieldError, focusInvalid, confirmAction,
  } = c;

  let domains = []; // the names of every domain, to pick members from
  let editing = null; // the group edited, null when creating

  const groupPath = (name) => `/v2/manage/groups/${encodeURIComponent(name)}`;
  const sep = () => t('accounts.listSeparator');

  async function renderGroups(gen) {
    document.title = t('groups.docTitle');
    $('group-create-open').hidden = !admin();
    $('groups-error').textContent = '';
    if (!admin()) {
      $('groups-revoked').hidden = true;
      listFailed('groups-body', 'groups-empty', 'groups-error', { message: t('groups.noAccess') });
      return;
    }
    h.loading($('groups-body'), $('groups-empty'));
    let res;
    try {
      res = await Promise.all([api('GET', '/v2/manage/groups'), api('GET', '/v2/manage/domains')]);
    } catch (e) {
      if (gen === h.gen()) listFailed('groups-body', 'groups-empty', 'groups-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    const groups = (res[0].data && res[0].data.groups) || [];
    domains = ((res[1].data && res[1].data.domains) || []).map((d) => d.name).sort();
    h.fill($('groups-body'), groups.map(groupRow), $('groups-empty'), t('groups.empty'));
  }

  // membersEl lists a group's members, the first few by name.
  function membersEl(g) {
    const members = g.members || [];
    if (!members.length) return t('groups.noMembers');
    const more = members.length - NAMED;
    return el('span', {},
      el('ul', { class: 'tags', 'aria-label': t('groups.membersOf', { name: g.name }) },
        members.slice(0, NAMED).map((m) => el('li', {}, m))),
      more > 0 ? el('span', { class: 'sub' }, tn('groups.moreMembers', more)) : null);
  }

  function groupRow(g) {
    const name = g.name;
    const label = t('share.groupName', { name });
    return el('tr', { 'data-group': name },
      cell(t('accounts.col.name'), el('strong', {}, name)),
      cell(t('groups.col.shareWith'), el('code', {}, `@${name}`)),
      cell(t('groups.col.members'), membersEl(g)),
      el('td', { 'data-label': t('groups.col.description'), class: 'desc' }, g.description || '—'),
      cell(t('groups.col.updated'), updatedEl(g)),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('groups.edit'), t('groups.editAria', { name }), 'edit', () => openGroup(g)),
        actionButton(t('groups.history'), t('groups.historyAria', { name }), 'history', () => openGroupHistory(g)),
        deleteButton(label, () => confirmDeleteGroup(g)))));
  }

  // ---- the create and edit dialog ------------------------------------

  function memberBox(name, checked) {
    return el('label', { class: 'check', 'data-member': name },
      el('input', { type: 'checkbox', value: name, checked }), ' ', name);
  }

  function openGroup(g) {
    editing = g || null;
    clearErrors('group-form');
    $('group-title').textContent = g ? t('groups.editTitle', { name: g.name }) : t('groups.create');
    $('group-submit').textContent = g ? t('accounts.save') : t('accounts.create');
    $('group-name').value = g ? g.name : '';
    $('group-name').readOnly = Boolean(g);
    $('group-description').value = g ? g.description || '' : '';
    syncDescription();
    const members = new Set(g ? g.members || [] : []);
    // A member is a domain; the union keeps one the list did not have.
    const names = [...new Set([...domains, ...members])].sort();
    $('group-members').replaceChildren(...names.map((n) => memberBox(n, members.has(n))));
    $('group-members-none').hidden = names.length > 0;
    $('group-members-filter-field').hidden = names.length < FILTER_FROM;
    $('group-members-filter').value = '';
    $('group-dialog').showModal();
    (g ? $('group-description') : $('group-name')).focus();
  }

  function filterMembers() {
    const q = $('group-members-filter').value.trim().toLowerCase();
    for (const l of $('group-members').children) l.hidden = Boolean(q) && !l.dataset.member.includes(q);
  }

  function syncDescription() {
    const n = h.runeCount($('group-description').value);
    const counter = $('group-description-count');
    counter.textContent = `${h.formatCount(n)}/${h.formatCount(MAX_DESCRIPTION)}`;
    counter.classList.toggle('over', n > MAX_DESCRIPTION);
  }

  const checkedMembers = () => [...$('group-members').querySelectorAll('input:checked')].map((b) => b.value);

  async function submitGroup(ev) {
    ev.preventDefault();
    clearErrors('group-form');
    const g = editing;
    const name = g ? g.name : $('group-name').value.trim();
    const description = $('group-description').value;
    const members = checkedMembers();
    if (!name) fieldError('group-name', t('groups.nameMissing'));
    if (h.runeCount(description) > MAX_DESCRIPTION) fieldError('group-description', t('groups.descriptionLong', { max: formatNumber(MAX_DESCRIPTION) }));
    if ($('group-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('group-form', 'group-name');
      return;
    }
    const submit = $('group-submit');
    submit.disabled = true;
    try {
      if (g) {
        const before = g.members || [];
        const patch = {};
        if (description !== (g.description || '')) patch.description = description;
        const added = members.filter((m) => !before.includes(m));
        const removed = before.filter((m) => !members.includes(m));
        if (added.length) patch.add_members = added;
        if (removed.length) patch.remove_members = removed;
        if (Object.keys(patch).length) await change('PATCH', groupPath(name), patch);
        announce(t('groups.updated', { name }));
      } else {
        await change('POST', '/v2/manage/groups', { name, description, members });
        announce(t('groups.created', { name }));
      }
      editing = null;
      $('group-dialog').close();
      renderGroups(h.gen()).then(() => refocus('groups-body', 'data-group', name, 'edit', 'groups-title'));
    } catch (e) {
      if (e.status === 401) return; // the login dialog is open; what was typed stays
      if (e.status === 409) fieldError('group-name', apiMessage(e, { name }));
      else if (e.code === 'REGSHARE.4000012' && /group name/.test(e.message)) fieldError('group-name', t('groups.nameInvalid'));
      else $('group-error').textContent = apiMessage(e);
      focusInvalid('group-form', g ? 'group-description' : 'group-name');
    } finally {
      submit.disabled = false;
    }
  }

  // ---- deletion ------------------------------------------------------

  // sharesOf reads the shares a 409 names, from its detail when the API
  // gives them, else from its message ("group partners receives 2 shares
  // (acme/web with @partners, acme/sdk/ with @partners): …"; past ten,
  // "… and 3 more"): their count and the repositories named.
  function sharesOf(e) {
    const detail = e.detail && e.detail.shares;
    if (Array.isArray(detail)) return { count: detail.length, repos: detail.map((s) => s.repository) };
    const m = /(\d+) shares? \(([^)]*)\)/.exec(e.message || '');
    if (!m) return { count: 0, repos: [] };
    return { count: Number(m[1]), repos: [...m[2].matchAll(/(\S+) with @\S+/g)].map((x) => x[1]) };
  }

  // revokedText lists the repositories whose shares were revoked: a few
  // by name, the rest counted.
  function revokedText(repos) {
    const named = repos.slice(0, NAMED).join(sep());
    const more = repos.length - NAMED;
    return more > 0 ? tn('groups.andMore', more, { names: named }) : named;
  }

  function confirmDeleteGroup(g) {
    const { name } = g;
    const remove = async (force) => {
      const res = await change('DELETE', `${groupPath(name)}${force ? '?force=true' : ''}`);
      const revoked = ((res.data && res.data.revoked) || []).map((s) => s.repository);
      const said = revoked.length
        ? t('groups.deletedRevoked', { name, shares: tn('domains.shares', revoked.length), list: revokedText(revoked) })
        : t('groups.deleted', { name });
      announce(said);
      return () => renderGroups(h.gen()).then(() => {
        // What was revoked stays written on the page, after the notice.
        $('groups-revoked').textContent = revoked.length ? said : '';
        $('groups-revoked').hidden = !revoked.length;
        $('groups-title').focus();
      });
    };
    confirmAction({
      title: t('groups.deleteTitle'),
      text: t('groups.deleteText', { name }),
      action: t('accounts.action.delete'),
      run: () => remove(false),
      conflict: (e, cf) => {
        const { count, repos } = sharesOf(e);
        $('confirm-error').textContent = count
          ? t('groups.inUse', { name, shares: tn('domains.shares', count) })
          : t('groups.inUseAll', { name });
        $('confirm-list').replaceChildren(...repos.map((r) => el('li', {}, el('code', {}, r))));
        $('confirm-list').hidden = repos.length === 0;
        $('confirm-submit').textContent = count ? tn('groups.deleteRevoke', count) : t('groups.deleteRevokeAll');
        cf.run = () => remove(true);
        cf.conflict = null;
      },
    });
  }

  // ---- history -------------------------------------------------------

  const names = (list) => (list && list.length ? list.join(sep()) : t('share.historyNoDescription'));
  const quoted = (s) => (s ? `“${s}”` : t('share.historyNoDescription'));

  // groupEvents are the elements of a group's events, newest first; a
  // change's description is compared with the one before it.
  function groupEvents(events) {
    let description = null;
    const items = events.map((ev) => {
      const d = ev.detail || {};
      const lines = [];
      let action = 'unknown';
      if (ev.action === 'create_group') {
        action = 'create';
        // A create's detail is the group as made, its fields capitalised.
        description = d.Description ?? d.description ?? '';
        lines.push(t('groups.eventMembers', { names: names(d.Members ?? d.members) }));
        if (description) lines.push(t('groups.eventDescription', { value: quoted(description) }));
      } else if (ev.action === 'update_group') {
        action = 'update';
        if (d.added && d.added.length) lines.push(t('groups.eventAdded', { names: names(d.added) }));
        if (d.removed && d.removed.length) lines.push(t('groups.eventRemoved', { names: names(d.removed) }));
        const now = d.description ?? '';
        if (description !== null && now !== description) {
          lines.push(t('groups.eventDescriptionChange', { before: quoted(description), after: quoted(now) }));
        }
        description = now;
      } else if (ev.action === 'delete_group') {
        action = 'delete';
        const revoked = (ev.revoked || []).map((s) => s.repository);
        if (revoked.length) lines.push(t('groups.eventRevoked', { names: revokedText(revoked) }));
      }
      const vars = { actor: ev.actor || '?', action: ev.action };
      // i18n-keys: groups.event.create groups.event.update groups.event.delete groups.event.unknown
      return h.timelineItem(ev.time, ev.action, t(`groups.event.${action}`, vars), lines);
    });
    return items.reverse();
  }

  function openGroupHistory(g) {
    const from = document.activeElement;
    h.timeline({
      title: t('groups.historyTitle'),
      lead: t('share.groupLabel', { name: g.name }),
      read: async () => {
        const res = await api('GET', `${groupPath(g.name)}/history`);
        return groupEvents((res.data && res.data.events) || []);
      },
      empty: t('groups.historyEmpty'),
      back: () => {
        if (from && from.isConnected) from.focus();
        else refocus('groups-body', 'data-group', g.name, 'history', 'groups-title');
      },
    });
  }

  // reset forgets the page and its dialog.
  function reset() {
    c.closeDialogs('group-dialog');
    editing = null;
    $('groups-body').replaceChildren();
    $('groups-revoked').hidden = true;
    domains = [];
  }

  function init() {
    $('group-create-open').addEventListener('click', () => openGroup(null));
    $('group-form').addEventListener('submit', submitGroup);
    $('group-cancel').addEventListener('click', () => { editing = null; $('group-dialog').close(); });
    $('group-description').addEventListener('input', syncDescription);
    $('group-members-filter').addEventListener('input', filterMembers);
    // Enter in the filter filters; it does not submit the dialog.
    $('group-members-filter').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') ev.preventDefault(); });
  }

  // render draws the page; the note of what a deletion revoked lasts
  // until the page is drawn again.
  function render(gen) {
    $('groups-revoked').hidden = true;
    return renderGroups(gen);
  }

  return { render, reset, init };
}

// regshare console: the Webhooks page, a domain's HTTP endpoints that hear
// of share events (of its repositories, and of the shares made with it),
// for its manage users and for administrators. A webhook is added with
// the events it hears, and its signing secret is shown once, in the
// account pages' secret dialog. A test event goes to one webhook alone;
// the Deliveries dialog lists how each event's delivery went, and after
// a test reads the list again until the test's delivery is in it. Its
// history opens in the timeline the shares' history uses (history.js,
// h.timeline). accounts.js builds it (webhooksPage(h, c)) with app.js's
// helpers h and the account pages' shared pieces c (accounts-common.js).
// As in app.js, what the API returns is always set as text, never parsed
// as HTML; its strings are in strings-webhooks.js.
import { formatNumber, t, tn, tParts } from './i18n.js';

const MAX_WEBHOOK_DESCRIPTION = 200;
// The event types a webhook may choose, in the order the dialog offers them.
const EVENTS = ['share.created', 'share.updated', 'share.revoked', 'share.expiring', 'share.expired'];
// After a test, the Deliveries dialog reads the list this often, at most
// this many times, until the test's delivery is in it: the deliverer
// makes it from the queued event a moment later.
const WAIT_MS = 500;
const WAIT_TRIES = 20;

// eventName is an event type as the user's language says it.
function eventName(type) {
  const names = {
    'share.created': t('webhooks.event.created'),
    'share.updated': t('webhooks.event.updated'),
    'share.revoked': t('webhooks.event.revoked'),
    'share.expiring': t('webhooks.event.expiring'),
    'share.expired': t('webhooks.event.expired'),
  };
  return names[type] || type;
}

// statusName is a delivery's status as the user's language says it.
function statusName(status) {
  const names = {
    pending: t('webhooks.status.pending'),
    delivered: t('webhooks.status.delivered'),
    failed: t('webhooks.status.failed'),
  };
  return names[status] || status;
}

const sameEvents = (a, b) => [...a].sort().join() === [...b].sort().join();

export function webhooksPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, manages, apiMessage, badge, whenEl, updatedEl, statusBadge, actionButton, toggleButton,
    deleteButton, refocus, listFailed, crumbs, clearErrors, fieldError, showSecret, confirmAction,
  } = c;

  let hooks = { domain: '', list: [] };
  let editing = null; // the webhook edited, null when adding
  let viewing = null; // the Deliveries dialog's {w, expect, tries, timer, back} while open

  const hooksPath = (domain) => `${domainPath(domain)}/webhooks`;
  const hookPath = (w) => `${hooksPath(w.domain || hooks.domain)}/${encodeURIComponent(w.id)}`;
  // named is a webhook in a button's name or a sentence: "webhook https://…".
  const named = (w) => t('webhooks.named', { url: w.url });

  async function renderWebhooks(domain, gen) {
    hooks = { domain, list: [] };
    document.title = t('webhooks.docTitle', { domain });
    crumbs('webhooks', domain);
    $('webhooks-lead').textContent = t('webhooks.lead', { domain });
    const allowed = manages(domain);
    $('webhook-create-open').hidden = !allowed;
    $('webhooks-disabled-note').hidden = true;
    $('webhooks-error').textContent = '';
    if (!allowed) {
      listFailed('webhooks-body', 'webhooks-empty', 'webhooks-error', { message: t('webhooks.noAccess') });
      return;
    }
    h.loading($('webhooks-body'), $('webhooks-empty'));
    let res;
    try {
      res = await api('GET', hooksPath(domain));
    } catch (e) {
      if (gen === h.gen()) listFailed('webhooks-body', 'webhooks-empty', 'webhooks-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    hooks.list = (res.data && res.data.webhooks) || [];
    $('webhooks-disabled-note').hidden = !hooks.list.some((w) => w.disabled);
    h.fill($('webhooks-body'), hooks.list.map(webhookRow), $('webhooks-empty'), t('webhooks.empty'));
  }

  // eventsEl lists the types a webhook hears, as the receiver sees them.
  function eventsEl(w) {
    const events = w.events || [];
    if (EVENTS.every((e) => events.includes(e))) return t('webhooks.allEvents');
    return el('ul', { class: 'tags', 'aria-label': t('webhooks.eventsOf', { name: named(w) }) },
      events.map((e) => el('li', {}, el('code', {}, e))));
  }

  function webhookRow(w) {
    const name = named(w);
    return el('tr', { 'data-webhook': w.id },
      cell(t('webhooks.col.url'), el('code', { class: 'url' }, w.url)),
      cell(t('webhooks.col.events'), eventsEl(w)),
      cell(t('accounts.col.status'), statusBadge(w)),
      el('td', { 'data-label': t('webhooks.col.description'), class: 'desc' }, w.description || '—'),
      cell(t('webhooks.col.updated'), updatedEl(w)),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('webhooks.edit'), t('webhooks.editAria', { name }), 'edit', () => openWebhook(w)),
        actionButton(t('webhooks.test'), t('webhooks.testAria', { name }), 'test', () => sendTest(w),
          { disabled: w.disabled, note: 'webhooks-disabled-note' }),
        actionButton(t('webhooks.deliveries'), t('webhooks.deliveriesAria', { name }), 'deliveries', () => openDeliveries(w, '')),
        actionButton(t('webhooks.history'), t('webhooks.historyAria', { name }), 'history', () => openHistory(w)),
        toggleButton(w, name, () => toggleWebhook(w)),
        deleteButton(name, () => confirmDelete(w)))));
  }

  function afterChange(id, action) {
    return renderWebhooks(hooks.domain, h.gen()).then(() => refocus('webhooks-body', 'data-webhook', id, action, 'webhooks-title'));
  }

  // ---- the add and edit dialog ---------------------------------------

  function eventBox(type, checked) {
    return el('label', { class: 'check', 'data-event': type },
      el('input', { type: 'checkbox', value: type, checked }), ' ', el('span', {}, eventName(type)), ' ', el('code', {}, type));
  }

  const eventBoxes = () => [...$('webhook-events').querySelectorAll('input[type="checkbox"]')];

  // syncAll shows in "All events" whether every type, some or none is ticked.
  function syncAll() {
    const boxes = eventBoxes();
    const n = boxes.filter((b) => b.checked).length;
    $('webhook-events-all').checked = n === boxes.length;
    $('webhook-events-all').indeterminate = n > 0 && n < boxes.length;
  }

  function tickAll() {
    const on = $('webhook-events-all').checked;
    for (const b of eventBoxes()) b.checked = on;
    syncAll();
  }

  function syncDescription() {
    const n = h.runeCount($('webhook-description').value);
    const counter = $('webhook-description-count');
    counter.textContent = `${formatNumber(n)}/${formatNumber(MAX_WEBHOOK_DESCRIPTION)}`;
    counter.classList.toggle('over', n > MAX_WEBHOOK_DESCRIPTION);
  }

  // openWebhook opens the dialog to add a webhook (w null: every event
  // ticked) or to edit w, whose Enabled it shows too.
  function openWebhook(w) {
    editing = w || null;
    clearErrors('webhook-form');
    $('webhook-title').textContent = w ? t('webhooks.editTitle') : t('webhooks.create');
    $('webhook-submit').textContent = w ? t('accounts.save') : t('webhooks.add');
    $('webhook-domain').textContent = t('accounts.inDomain', { domain: hooks.domain });
    $('webhook-events-hint').textContent = t('webhooks.eventsHint', { domain: hooks.domain });
    $('webhook-url').value = w ? w.url : '';
    $('webhook-description').value = w ? w.description || '' : '';
    const chosen = w ? w.events || [] : EVENTS;
    $('webhook-events').replaceChildren(...EVENTS.map((e) => eventBox(e, chosen.includes(e))));
    syncAll();
    $('webhook-enabled-field').hidden = !w;
    $('webhook-enabled').checked = !(w && w.disabled);
    syncDescription();
    $('webhook-dialog').showModal();
    $('webhook-url').focus();
  }

  // urlProblem says what is wrong with a URL as typed; regshare checks
  // the rest (a public address) when it is sent.
  function urlProblem(s) {
    if (!s) return t('webhooks.urlMissing');
    let u;
    try {
      u = new URL(s);
    } catch {
      return t('webhooks.urlInvalid');
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) return t('webhooks.urlInvalid');
    if (u.username || u.password || s.includes('#')) return t('webhooks.urlForm');
    return '';
  }

  // urlRefused says why regshare refused a URL ("url: webhook: address
  // not allowed: 10.0.0.1 is private"), or '' when the refusal is not
  // the URL's.
  function urlRefused(e) {
    const m = e.code === 'REGSHARE.4000012' ? /\burl: (.*)$/.exec(e.message || '') : null;
    if (!m) return '';
    if (/address not allowed/.test(m[1])) return t('webhooks.urlPrivate');
    const host = /resolving ([^\s:]+)/.exec(m[1]);
    if (host) return t('webhooks.urlResolve', { host: host[1] });
    return t('webhooks.urlRefused');
  }

  // saveFailed says why the dialog's change failed: the URL's refusal by
  // the field, with the API's code (its message on hover); any other at
  // the top. On a 401 the login dialog is open over what was typed.
  function saveFailed(e) {
    if (e.status === 401) return;
    const why = urlRefused(e);
    if (why) {
      fieldError('webhook-url', why);
      $('webhook-url-error').append(' ', el('small', { class: 'error-code', title: e.message, lang: 'en' }, e.code));
      $('webhook-url').focus();
      return;
    }
    $('webhook-error').textContent = e.code === 'REGSHARE.4000013'
      ? t('webhooks.tooMany', { domain: hooks.domain, max: formatNumber(10) })
      : apiMessage(e);
    $('webhook-url').focus();
  }

  async function submitWebhook(ev) {
    ev.preventDefault();
    clearErrors('webhook-form');
    const w = editing;
    const domain = hooks.domain;
    const url = $('webhook-url').value.trim();
    const description = $('webhook-description').value;
    const events = eventBoxes().filter((b) => b.checked).map((b) => b.value);
    const problem = urlProblem(url);
    if (problem) fieldError('webhook-url', problem);
    if (!events.length) $('webhook-events-error').textContent = t('webhooks.eventsNone');
    const long = h.runeCount(description) > MAX_WEBHOOK_DESCRIPTION;
    if (long) fieldError('webhook-description', t('webhooks.descriptionLong', { max: formatNumber(MAX_WEBHOOK_DESCRIPTION) }));
    if (problem || !events.length || long) {
      (problem ? $('webhook-url') : !events.length ? $('webhook-events-all') : $('webhook-description')).focus();
      return;
    }
    const submit = $('webhook-submit');
    submit.disabled = true;
    try {
      if (w) {
        const patch = {};
        if (url !== w.url) patch.url = url;
        if (!sameEvents(events, w.events || [])) patch.events = events;
        if (description !== (w.description || '')) patch.description = description;
        const disabled = !$('webhook-enabled').checked;
        if (disabled !== Boolean(w.disabled)) patch.disabled = disabled;
        if (Object.keys(patch).length) await change('PATCH', hookPath(w), patch);
        editing = null;
        $('webhook-dialog').close();
        announce(Object.keys(patch).length ? t('webhooks.updated', { url }) : t('webhooks.unchanged'));
        afterChange(w.id, 'edit');
        return;
      }
      const res = await change('POST', hooksPath(domain), { url, events, description });
      const out = res.data || {};
      // Only the dialog holds the secret, and only while it is open.
      const { id, secret } = out;
      $('webhook-dialog').close();
      announce(t('webhooks.created', { url }));
      await renderWebhooks(domain, h.gen());
      showSecret({
        title: t('webhooks.createdTitle'),
        lead: tParts('webhooks.secretLead', {
          signature: el('code', {}, 'webhook-signature'), id: el('code', {}, 'webhook-id'), timestamp: el('code', {}, 'webhook-timestamp'),
        }),
        what: 'secret', secret: secret || '', once: t('webhooks.secretOnce'),
        after: () => refocus('webhooks-body', 'data-webhook', id, 'edit', 'webhooks-title'),
      });
    } catch (e) {
      saveFailed(e);
    } finally {
      submit.disabled = false;
    }
  }

  // ---- enable, disable, delete ---------------------------------------

  async function toggleWebhook(w) {
    $('webhooks-error').textContent = '';
    try {
      await change('PATCH', hookPath(w), { disabled: !w.disabled });
      announce(w.disabled ? t('webhooks.enabledAgain', { url: w.url }) : t('webhooks.disabled', { url: w.url }));
      afterChange(w.id, 'toggle');
    } catch (e) {
      if (e.status !== 401) $('webhooks-error').textContent = apiMessage(e);
    }
  }

  function confirmDelete(w) {
    confirmAction({
      title: t('webhooks.deleteTitle'),
      text: t('webhooks.deleteText', { url: w.url }),
      action: t('accounts.action.delete'),
      run: async () => {
        await change('DELETE', hookPath(w));
        announce(t('webhooks.deleted', { url: w.url }));
        return () => afterChange('', 'delete');
      },
    });
  }

  // ---- a test event and the deliveries -------------------------------

  // sendTest queues a test event for w alone, says its id, and opens the
  // deliveries, where it shows once the deliverer has made its delivery.
  async function sendTest(w) {
    $('webhooks-error').textContent = '';
    let res;
    try {
      res = await change('POST', `${hookPath(w)}/test`);
    } catch (e) {
      if (e.status === 401) return;
      $('webhooks-error').textContent = e.code === 'REGSHARE.4000012' && /disabled/.test(e.message) ? t('webhooks.testDisabled') : apiMessage(e);
      return;
    }
    const id = (res.data && res.data.event_id) || '';
    announce(t('webhooks.testSent', { id, url: w.url }));
    openDeliveries(w, id);
  }

  function deliveryBadge(d) {
    const kinds = { pending: 'warn', delivered: 'valid', failed: 'expired' };
    return badge(statusName(d.status), kinds[d.status] || 'neutral');
  }

  // lastAttemptEl is when the last attempt was made and how it went: the
  // receiver's HTTP status, or why no answer came (the deliverer's words,
  // in English).
  function lastAttemptEl(d) {
    if (!d.attempts) return t('webhooks.notTried');
    const status = d.last_status === null || d.last_status === undefined
      ? null : el('span', { class: 'sub' }, t('webhooks.httpStatus', { status: d.last_status }));
    return [whenEl(d.last_attempt), status, d.last_error ? el('span', { class: 'sub', lang: 'en' }, d.last_error) : null];
  }

  function deliveryRow(d, expect) {
    const sent = Boolean(expect) && d.event_id === expect;
    return el('tr', { 'data-event': d.event_id, class: sent ? 'current' : undefined },
      cell(t('webhooks.col.event'), el('code', { class: 'event-id' }, d.event_id),
        sent ? el('span', { class: 'sub' }, t('webhooks.justSent')) : null),
      cell(t('webhooks.col.type'), el('code', {}, d.type)),
      cell(t('accounts.col.status'), deliveryBadge(d)),
      cell(t('webhooks.col.attempts'), formatNumber(d.attempts || 0)),
      cell(t('webhooks.col.lastAttempt'), lastAttemptEl(d)),
      cell(t('webhooks.col.nextAttempt'), d.status === 'pending' && d.next_at ? whenEl(d.next_at) : '—'),
      cell(t('webhooks.col.created'), whenEl(d.created)));
  }

  function stopWaiting() {
    if (viewing) clearTimeout(viewing.timer);
  }

  // openDeliveries shows w's deliveries; expect, a test's event id, is
  // looked for until it is listed, and marked.
  function openDeliveries(w, expect) {
    stopWaiting();
    const action = expect ? 'test' : 'deliveries';
    viewing = { w, expect, tries: 0, timer: 0, back: () => refocus('webhooks-body', 'data-webhook', w.id, action, 'webhooks-title') };
    const lead = tParts('webhooks.deliveriesLead', { url: el('code', {}, w.url) });
    $('deliveries-lead').replaceChildren(...lead);
    $('deliveries-status').textContent = expect ? t('webhooks.waiting', { id: expect }) : '';
    $('deliveries-error').textContent = '';
    h.loading($('deliveries-body'), $('deliveries-empty'));
    if (!$('deliveries-dialog').open) $('deliveries-dialog').showModal();
    $('deliveries-refresh').focus();
    readDeliveries(viewing, false);
  }

  // readDeliveries reads the list of v (the dialog as opened); asked, when
  // the user asked for it (Refresh), which then says how many it lists.
  async function readDeliveries(v, asked) {
    clearTimeout(v.timer);
    let res;
    try {
      res = await api('GET', `${hookPath(v.w)}/deliveries`);
    } catch (e) {
      if (viewing !== v || e.status === 401) return;
      listFailed('deliveries-body', 'deliveries-empty', 'deliveries-error', e);
      return;
    }
    if (viewing !== v) return;
    $('deliveries-error').textContent = '';
    const list = (res.data && res.data.deliveries) || [];
    h.fill($('deliveries-body'), list.map((d) => deliveryRow(d, v.expect)), $('deliveries-empty'), t('webhooks.deliveriesEmpty'));
    const sent = v.expect && list.find((d) => d.event_id === v.expect);
    if (sent) {
      $('deliveries-status').textContent = t('webhooks.testListed', { id: v.expect, status: statusName(sent.status) });
    } else if (v.expect && ++v.tries < WAIT_TRIES) {
      v.timer = setTimeout(() => readDeliveries(v, false), WAIT_MS);
    } else if (v.expect) {
      $('deliveries-status').textContent = t('webhooks.testNotYet', { id: v.expect });
    } else if (asked) {
      $('deliveries-status').textContent = tn('webhooks.deliveriesCount', list.length);
    }
  }

  // ---- history -------------------------------------------------------

  const sep = () => t('accounts.listSeparator');
  const eventsText = (list) => (list && list.length ? list.join(sep()) : '—');
  const enabledText = (disabled) => (disabled ? t('accounts.badge.disabled') : t('accounts.badge.enabled'));
  const quoted = (s) => (s ? `“${s}”` : t('share.historyNoDescription'));
  // The fields a webhook's event records, each with its name and how it is shown.
  const FIELDS = [
    ['url', () => t('webhooks.col.url'), (d) => d.url || '—'],
    ['events', () => t('webhooks.col.events'), (d) => eventsText(d.events)],
    ['description', () => t('webhooks.col.description'), (d) => quoted(d.description)],
    ['disabled', () => t('accounts.col.status'), (d) => enabledText(d.disabled)],
  ];
  const fieldValue = (d, field) => (field === 'events' ? eventsText(d.events) : String(d[field] ?? ''));

  // changeLines says what an event set: every field for a create (or a
  // change with nothing before it), the fields that differ for a change.
  function changeLines(before, d) {
    const lines = [];
    for (const [field, name, show] of FIELDS) {
      if (!before) {
        if (field !== 'description' || d.description) lines.push(t('share.historyValue', { field: name(), value: show(d) }));
      } else if (fieldValue(before, field) !== fieldValue(d, field)) {
        lines.push(t('share.historyChange', { field: name(), before: show(before), after: show(d) }));
      }
    }
    return lines;
  }

  // webhookEvents are the elements of a webhook's events, newest first
  // (the API gives them oldest first).
  function webhookEvents(events) {
    let before = null;
    const items = events.map((ev) => {
      const d = ev.detail || {};
      let action = 'unknown';
      let lines = [];
      if (ev.action === 'create_webhook' || ev.action === 'update_webhook') {
        action = ev.action === 'create_webhook' ? 'create' : 'update';
        lines = changeLines(action === 'create' ? null : before, d);
        before = d;
      } else if (ev.action === 'delete_webhook') {
        action = 'delete';
      }
      const vars = { actor: ev.actor || '?', action: ev.action };
      // i18n-keys: webhooks.history.create webhooks.history.update webhooks.history.delete webhooks.history.unknown
      return h.timelineItem(ev.time, ev.action, t(`webhooks.history.${action}`, vars), lines);
    });
    return items.reverse();
  }

  function openHistory(w) {
    h.timeline({
      title: t('webhooks.historyTitle'),
      lead: named(w),
      read: async () => {
        const res = await api('GET', `${hookPath(w)}/history`);
        return webhookEvents((res.data && res.data.events) || []);
      },
      empty: t('webhooks.historyEmpty'),
      back: () => refocus('webhooks-body', 'data-webhook', w.id, 'history', 'webhooks-title'),
    });
  }

  // reset forgets the page and its dialogs.
  function reset() {
    stopWaiting();
    viewing = null;
    editing = null;
    c.closeDialogs('webhook-dialog', 'deliveries-dialog');
    $('webhooks-body').replaceChildren();
    $('deliveries-body').replaceChildren();
    hooks = { domain: '', list: [] };
  }

  function init() {
    $('webhook-create-open').addEventListener('click', () => openWebhook(null));
    $('webhook-form').addEventListener('submit', submitWebhook);
    $('webhook-cancel').addEventListener('click', () => { editing = null; $('webhook-dialog').close(); });
    $('webhook-description').addEventListener('input', syncDescription);
    $('webhook-events-all').addEventListener('change', tickAll);
    $('webhook-events').addEventListener('change', syncAll);
    $('deliveries-refresh').addEventListener('click', () => { if (viewing) readDeliveries(viewing, true); });
    $('deliveries-close').addEventListener('click', () => $('deliveries-dialog').close());
    // Close and Escape: the reading stops, and the focus goes back to the row.
    $('deliveries-dialog').addEventListener('close', () => {
      if ($('deliveries-dialog').open) return;
      const v = viewing;
      stopWaiting();
      viewing = null;
      if (v) v.back();
    });
  }

  return { render: renderWebhooks, reset, init };
}

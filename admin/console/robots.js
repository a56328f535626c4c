// regshare console: the Robot accounts page, a domain's machine logins
// for CI, for its manage users and for administrators. accounts.js builds
// it (robotsPage(h, c)) with app.js's helpers h and the account pages'
// shared pieces c (accounts-common.js).
import { formatNumber, t, tn, tParts } from './i18n.js';
import { permissionEditor, permissionsEl } from './permissions.js';

const MAX_ROBOT_DESCRIPTION = 200;
const MAX_GRACE_HOURS = 168;

export function robotsPage(h, c) {
  const { $, el, api, announce } = h;
  const {
    cell, change, domainPath, manages, nameProblem, apiMessage, whenEl, expiryEl, statusBadge, actionButton, toggleButton,
    deleteButton, refocus, listFailed, crumbs, clearErrors, fieldError, focusInvalid, createFailed, lifetimeDays,
    wholeNumber, showSecret, confirmAction,
  } = c;

  let robots = { domain: '', info: null, list: [] };
  const perms = permissionEditor(h, { box: 'robot-perms', list: 'robot-repos', describedBy: 'robot-perms-hint robot-perms-error', addButton: 'robot-perm-add' });

  async function renderRobots(domain, gen) {
    robots = { domain, info: null, list: [] };
    document.title = t('robots.docTitle', { domain });
    crumbs('robots', domain);
    $('robots-lead').textContent = t('robots.lead', { domain });
    const allowed = manages(domain);
    $('robot-create-open').hidden = !allowed;
    $('robots-error').textContent = '';
    if (!allowed) {
      listFailed('robots-body', 'robots-empty', 'robots-error', { message: t('robots.noAccess') });
      return;
    }
    h.loading($('robots-body'), $('robots-empty'));
    let res;
    let info;
    try {
      // Without the domain, the default lifetime bounds the expiry.
      [res, info] = await Promise.all([api('GET', `${domainPath(domain)}/robots`), api('GET', domainPath(domain)).catch(() => null)]);
    } catch (e) {
      if (gen === h.gen()) listFailed('robots-body', 'robots-empty', 'robots-error', e);
      return;
    }
    if (gen !== h.gen()) return;
    robots.info = info && info.data;
    robots.list = (res.data && res.data.robots) || [];
    h.fill($('robots-body'), robots.list.map(robotRow), $('robots-empty'), t('robots.empty'));
  }

  function robotRow(r) {
    const now = Date.now();
    const short = r.robot || r.name.slice(r.name.indexOf('+') + 1);
    const grace = r.rotation_grace_until && new Date(r.rotation_grace_until).getTime() > now;
    const used = r.last_used;
    return el('tr', { 'data-robot': short },
      cell(t('robots.col.login'), el('code', { class: 'login' }, r.name)),
      el('td', { 'data-label': t('robots.col.description'), class: 'desc' }, r.description || '—'),
      cell(t('robots.col.permissions'), permissionsEl(el, r.permissions || [], t('robots.permissionsOf', { name: r.name }))),
      cell(t('robots.col.expires'), r.expires_at ? expiryEl(r, now) : t('robots.neverExpires')),
      cell(t('accounts.col.status'), statusBadge(r),
        grace ? el('span', { class: 'sub' }, tParts('robots.graceUntil', { time: whenEl(r.rotation_grace_until) })) : null),
      cell(t('robots.col.lastUsed'), used ? [whenEl(used.time), used.client ? el('span', { class: 'sub' }, used.client) : null] : t('robots.neverUsed')),
      cell(t('accounts.col.actions'), el('div', { class: 'row-actions wrap' },
        actionButton(t('robots.rotateAction'), t('robots.rotateAria', { name: r.name }), 'rotate', () => openRotate(r)),
        toggleButton(r, r.name, () => toggleRobot(r)),
        deleteButton(r.name, () => confirmDeleteRobot(r)))));
  }

  function dockerLogin(robot, registry) {
    return robot.docker_login || `docker login -u '${robot.name}' --password-stdin ${registry || h.me().registry || 'REGISTRY'}`;
  }

  const robotPath = (r) => `${domainPath(robots.domain)}/robots/${encodeURIComponent(r.robot || r.name.slice(r.name.indexOf('+') + 1))}`;

  function afterRobotChange(short, action) {
    return renderRobots(robots.domain, h.gen()).then(() => refocus('robots-body', 'data-robot', short, action, 'robots-title'));
  }

  const maxDays = () => lifetimeDays(robots.info && robots.info.robot_max_lifetime);
  const neverAllowed = () => Boolean(robots.info && robots.info.robot_never_expires);

  // suggest fills the repository field's suggestions: the domain's
  // namespaces as prefixes, and for one's own domain the repositories
  // shared with it.
  function suggest(domain) {
    const ns = (robots.info && robots.info.namespaces) || (domain === h.me().domain ? h.me().namespaces : []);
    return perms.suggest(ns, domain === h.me().domain);
  }

  function syncLogin() {
    const name = $('robot-name').value.trim();
    $('robot-login-preview').textContent = `robot$${robots.domain}+${name || '…'}`;
  }

  function syncDescription() {
    const n = h.runeCount($('robot-description').value);
    const c = $('robot-description-count');
    c.textContent = `${formatNumber(n)}/${formatNumber(MAX_ROBOT_DESCRIPTION)}`;
    c.classList.toggle('over', n > MAX_ROBOT_DESCRIPTION);
  }

  function syncNever() {
    $('robot-days').disabled = $('robot-never').checked;
  }

  function openRobotCreate() {
    clearErrors('robot-form');
    const max = maxDays();
    $('robot-domain').textContent = t('accounts.inDomain', { domain: robots.domain });
    $('robot-name').value = '';
    $('robot-description').value = '';
    perms.clear();
    perms.add('', ['pull']);
    $('robot-days').max = String(max);
    $('robot-days').value = String(Math.min(30, max));
    $('robot-never').checked = false;
    $('robot-never-label').hidden = !neverAllowed();
    $('robot-days-hint').textContent = t('robots.daysHint', { days: tn('accounts.days', max), domain: robots.domain });
    syncLogin();
    syncDescription();
    syncNever();
    suggest(robots.domain);
    $('robot-dialog').showModal();
    $('robot-name').focus();
  }

  function readPermissions() {
    const { perms: list, bad } = perms.read();
    return { perms: list, bad: bad || (list.length ? '' : t('robots.permNone')) };
  }

  async function submitRobot(ev) {
    ev.preventDefault();
    clearErrors('robot-form');
    const domain = robots.domain;
    const name = $('robot-name').value.trim();
    const description = $('robot-description').value;
    const problem = nameProblem(name, t('robots.nameMissing'));
    if (problem) fieldError('robot-name', problem);
    if (h.runeCount(description) > MAX_ROBOT_DESCRIPTION) fieldError('robot-description', t('robots.descriptionLong', { max: formatNumber(MAX_ROBOT_DESCRIPTION) }));
    const { perms: permissions, bad } = readPermissions();
    if (bad) {
      $('robot-perms-error').textContent = bad;
      const first = $('robot-perms').querySelector('.perm-repo');
      if (first && !$('robot-perms').querySelector('[aria-invalid="true"]')) first.setAttribute('aria-invalid', 'true');
    }
    const never = neverAllowed() && $('robot-never').checked;
    const days = wholeNumber($('robot-days').value.trim());
    if (!never && !(days >= 1 && days <= maxDays())) fieldError('robot-days', t('robots.daysInvalid', { max: formatNumber(maxDays()) }));
    if ($('robot-form').querySelector('[aria-invalid="true"]')) {
      focusInvalid('robot-form', 'robot-name');
      return;
    }
    const body = { name, description, permissions };
    if (never) body.never_expires = true; else body.expires_in = `${days}d`;
    const submit = $('robot-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${domainPath(domain)}/robots`, body);
      const r = res.data || {};
      r.name = r.name || `robot$${domain}+${name}`;
      $('robot-dialog').close();
      announce(t('robots.created', { name: r.name }));
      await renderRobots(domain, h.gen());
      showSecret({
        title: t('robots.createdTitle', { name: r.name }),
        lead: t('robots.createdLead', { name: r.name }),
        what: 'secret', secret: r.secret || '', login: dockerLogin(r),
        after: () => refocus('robots-body', 'data-robot', name, 'rotate', 'robots-title'),
      });
    } catch (e) {
      if (e.code === 'REGSHARE.4030008') {
        $('robot-perms-error').textContent = permissionRefused(e, domain);
        focusInvalid('robot-form', 'robot-name');
      } else {
        createFailed('robot', e, `robot$${domain}+${name}`);
      }
    } finally {
      submit.disabled = false;
    }
  }

  // permissionRefused says which permission is more than the domain has
  // (the API's message names it: "…: acme/web is not shared with …").
  function permissionRefused(e, domain) {
    const m = /: (\S+) is not /.exec(e.message);
    return m ? t('robots.error.permission', { repository: m[1], domain }) : apiMessage(e);
  }

  let rotating = null;

  function openRotate(r) {
    rotating = r;
    clearErrors('rotate-form');
    $('rotate-text').textContent = t('robots.rotateText', { name: r.name });
    $('rotate-grace').value = '';
    $('rotate-dialog').showModal();
    $('rotate-grace').focus();
  }

  async function submitRotate(ev) {
    ev.preventDefault();
    const r = rotating;
    if (!r) return;
    clearErrors('rotate-form');
    const text = $('rotate-grace').value.trim();
    const hours = text === '' ? 0 : wholeNumber(text);
    if (!(hours >= 0 && hours <= MAX_GRACE_HOURS)) {
      fieldError('rotate-grace', t('robots.graceInvalid', { max: MAX_GRACE_HOURS }));
      $('rotate-grace').focus();
      return;
    }
    const submit = $('rotate-submit');
    submit.disabled = true;
    try {
      const res = await change('POST', `${robotPath(r)}/rotate`, hours ? { grace: `${hours}h` } : {});
      rotating = null;
      $('rotate-dialog').close();
      const out = res.data || {};
      const short = r.robot || r.name.slice(r.name.indexOf('+') + 1);
      await renderRobots(robots.domain, h.gen());
      showSecret({
        title: t('robots.newSecretTitle', { name: r.name }),
        lead: hours ? t('robots.graceLead', { hours: tn('accounts.hours', hours) }) : t('robots.oldStopped'),
        what: 'secret', secret: out.secret || '', login: dockerLogin({ ...r, ...out }),
        after: () => refocus('robots-body', 'data-robot', short, 'rotate', 'robots-title'),
      });
    } catch (e) {
      if (e.status !== 401) $('rotate-error').textContent = apiMessage(e);
    } finally {
      submit.disabled = false;
    }
  }

  async function toggleRobot(r) {
    $('robots-error').textContent = '';
    try {
      await change('PATCH', robotPath(r), { disabled: !r.disabled });
      announce(r.disabled ? t('accounts.enabledAgain', { name: r.name }) : t('robots.disabled', { name: r.name }));
      afterRobotChange(r.robot || r.name.slice(r.name.indexOf('+') + 1), 'toggle');
    } catch (e) {
      if (e.status !== 401) $('robots-error').textContent = apiMessage(e);
    }
  }

  function confirmDeleteRobot(r) {
    confirmAction({
      title: t('robots.deleteTitle'),
      text: t('robots.deleteText', { name: r.name }),
      action: t('accounts.action.delete'),
      run: async () => {
        await change('DELETE', robotPath(r));
        announce(t('robots.deleted', { name: r.name }));
        return () => afterRobotChange('', 'delete');
      },
    });
  }

  // reset forgets the page and its dialogs.
  function reset() {
    c.closeDialogs('robot-dialog', 'rotate-dialog');
    rotating = null;
    $('robots-body').replaceChildren();
    robots = { domain: '', info: null, list: [] };
  }

  function init() {
    $('robot-create-open').addEventListener('click', openRobotCreate);
    $('robot-form').addEventListener('submit', submitRobot);
    $('robot-cancel').addEventListener('click', () => $('robot-dialog').close());
    $('robot-name').addEventListener('input', syncLogin);
    $('robot-description').addEventListener('input', syncDescription);
    $('robot-never').addEventListener('change', syncNever);
    $('robot-perm-add').addEventListener('click', () => perms.add('', ['pull']).querySelector('.perm-repo').focus());
    $('rotate-form').addEventListener('submit', submitRotate);
    $('rotate-cancel').addEventListener('click', () => { rotating = null; $('rotate-dialog').close(); });
  }

  return { render: renderRobots, reset, init };
}

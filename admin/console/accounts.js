// regshare console: the account pages. Users (users.js), Robot accounts
// (robots.js) and Webhooks (webhooks.js), for a domain's manage users and
// for administrators; Domains
// (domains.js) and Groups (groups.js), for administrators; Access tokens
// (tokens.js), everyone's own; what they share is in accounts-common.js. app.js owns the session, the API calls and the
// routing, and hands them in (accountPages(h)). As in app.js, what the API
// returns is always set as text, never parsed as HTML.
import { accountCommon } from './accounts-common.js';
import { domainsPage } from './domains.js';
import { groupsPage } from './groups.js';
import { robotsPage } from './robots.js';
import { tokensPage } from './tokens.js';
import { usersPage } from './users.js';
import { webhooksPage } from './webhooks.js';

export function accountPages(h) {
  const { $ } = h;
  const common = accountCommon(h);
  const users = usersPage(h, common);
  const robots = robotsPage(h, common);
  const domains = domainsPage(h, common);
  const groups = groupsPage(h, common);
  const webhooks = webhooksPage(h, common);
  const tokens = tokensPage(h, common);

  // parse reads an account page's route: #/users[/<domain>],
  // #/robots[/<domain>], #/webhooks[/<domain>], #/domains, #/groups,
  // #/tokens.
  function parse(p) {
    const m = /^\/(users|robots|webhooks)(?:\/([^/]+))?$/.exec(p);
    if (m) return { view: m[1], domain: m[2] || '' };
    if (p === '/domains') return { view: 'domains' };
    if (p === '/groups') return { view: 'groups' };
    if (p === '/tokens') return { view: 'tokens' };
    return null;
  }

  // show draws the page of route r and returns its heading.
  function show(r, gen) {
    if (r.view === 'domains') {
      domains.render(gen);
      return $('domains-title');
    }
    if (r.view === 'groups') {
      groups.render(gen);
      return $('groups-title');
    }
    if (r.view === 'tokens') {
      tokens.render(gen);
      return $('tokens-title');
    }
    const domain = r.domain || h.me().domain;
    const byView = { users, robots, webhooks };
    byView[r.view].render(domain, gen);
    return $(`${r.view}-title`);
  }

  // nav shows the entries of the pages the user may use.
  function nav() {
    const me = h.me();
    const manager = Boolean(me) && (me.superuser || me.role === 'manage');
    $('nav-users').hidden = !manager;
    $('nav-robots').hidden = !manager;
    $('nav-webhooks').hidden = !manager;
    $('nav-domains').hidden = !(me && me.superuser);
    $('nav-groups').hidden = !(me && me.superuser);
    $('nav-tokens').hidden = !me;
    // A provider-managed user's password is their provider's.
    $('password-open').hidden = !me || Boolean(me.source);
  }

  const pages = [common, users, robots, webhooks, domains, groups, tokens];

  // reset forgets every page and dialog: another user logged in, or no one.
  function reset() {
    for (const p of pages) p.reset();
  }

  function init() {
    for (const p of pages) p.init();
  }

  return { views: ['users', 'robots', 'webhooks', 'domains', 'groups', 'tokens'], parse, show, nav, reset, init };
}

// regshare console: one share made for several images or recipients, as
// one change (POST /v2/manage/shares): every image with every recipient,
// or nothing. A refusal answers, per pair, what was refused and why; the
// Share dialog lists those pairs and says that nothing was written.
import { api, el, humanError, recipientText } from './core.js';
import { t, tn } from './i18n.js';

// At most this many refused pairs are listed; the rest are counted.
const LISTED = 20;

// createMany shares every repository of repos with every domain of to;
// it resolves to the per-pair results, or throws as api does.
export async function createMany(repos, to, deadline, description) {
  const res = await api('POST', '/v2/manage/shares', {
    repositories: repos, access_domains: to, permit: 'read', deadline, description,
  });
  return res.data && Array.isArray(res.data.results) ? res.data.results : [];
}

// refusedPairs is a bulk refusal's results (nothing was written), or
// null when e is another failure: the request refused as a whole answers
// an SWR error instead.
export function refusedPairs(e) {
  const b = e && e.body;
  if (!b || Array.isArray(b) || b.written !== false || !Array.isArray(b.results)) return null;
  return b.results;
}

// refusalEls says that nothing was written, and lists each refused pair
// with its reason for people and the API's code in small print (its own
// message, in English, on hover).
export function refusalEls(results) {
  const refused = results.filter((r) => r.result === 'refused');
  const items = refused.slice(0, LISTED).map((r) => el('li', {},
    t('share.pairRefused', {
      repo: r.repository, domain: recipientText(r.access_domain), reason: humanError({ code: r.errorCode, message: r.errorMessage }),
    }),
    r.errorCode ? [' ', el('small', { class: 'error-code', title: r.errorMessage || '', lang: 'en' }, r.errorCode)] : null));
  if (refused.length > LISTED) items.push(el('li', {}, tn('share.pairsMore', refused.length - LISTED)));
  return [el('p', {}, tn('share.nothingWritten', refused.length, { total: results.length })), el('ul', {}, items)];
}

// joinNames writes names as a list: "a", "a and b", "a, b and c".
function joinNames(names) {
  if (names.length === 1) return names[0];
  return t('images.namesAnd', { names: names.slice(0, -1).join(t('images.listSep')), last: names.at(-1) });
}

// createdText says what a bulk share made: a few images and recipients
// by name, more by their number.
export function createdText(repos, to) {
  const images = repos.length <= 3 ? joinNames(repos) : tn('share.nImages', repos.length);
  const domains = to.length <= 3 ? joinNames(to.map(recipientText)) : tn('share.nRecipients', to.length);
  return t('share.createdMany', { images, domains });
}

// regshare console: every string the console shows, in English and in
// Chinese, in one place. t(key, vars) is the string of key in the chosen
// language, with {name} replaced by vars.name; a key missing in Chinese
// falls back to English (a test checks that none is missing). The
// language is the browser's first one that the console has, unless the
// user chose one with the switch in the header (kept in localStorage).
// index.html marks its strings with data-i18n (text content),
// data-i18n-aria-label, data-i18n-title and data-i18n-placeholder, which
// translatePage fills.

const LANG_KEY = 'regshare.lang';
export const LANGUAGES = { en: 'English', zh: '中文' };

// STRINGS: key → { en, zh }. Keys are grouped by page; keep them sorted
// within a group.
export const STRINGS = {
  'lang.switch': { en: 'Language', zh: '语言' },

  // images: My Images, its Private Images and Shared Images lists
  // (images.js, images-shared.js, lists.js).
  'images.askOwner': { en: 'This share has expired. Ask {owner} to renew it.', zh: '此共享已过期。请联系 {owner} 续期。' },
  'images.byDigest': { en: 'By digest, always this image:', zh: '按摘要拉取（始终为此镜像）：' },
  'images.colDescription': { en: 'Description', zh: '描述' },
  'images.colImage': { en: 'Image', zh: '镜像' },
  'images.colOwner': { en: 'Owner domain', zh: '所属账号' },
  'images.colPull': { en: 'Pull command', zh: '拉取命令' },
  'images.colSharedWith': { en: 'Shared with', zh: '共享给' },
  'images.colStatus': { en: 'Status', zh: '状态' },
  'images.colTags': { en: 'Tags', zh: '版本' },
  'images.colUntil': { en: 'Valid until', zh: '有效期至' },
  'images.colUpdated': { en: 'Last update', zh: '最近更新' },
  'images.digestOf': { en: '{ref} by digest', zh: '{ref}（按摘要）' },
  'images.domains.one': { en: '1 domain', zh: '1 个账号' },
  'images.domains.other': { en: '{n} domains', zh: '{n} 个账号' },
  'images.expiredShares': { en: '+ {n} expired', zh: '另有 {n} 个已过期' },
  'images.expiresDays.one': { en: 'Expires in 1 day', zh: '1 天后过期' },
  'images.expiresDays.other': { en: 'Expires in {n} days', zh: '{n} 天后过期' },
  'images.expiresHours.one': { en: 'Expires in 1 hour', zh: '1 小时后过期' },
  'images.expiresHours.other': { en: 'Expires in {n} hours', zh: '{n} 小时后过期' },
  'images.expiresMinutes.one': { en: 'Expires in 1 minute', zh: '1 分钟后过期' },
  'images.expiresMinutes.other': { en: 'Expires in {n} minutes', zh: '{n} 分钟后过期' },
  'images.filterName': { en: 'Filter by name', zh: '按名称筛选' },
  'images.filterShared': { en: 'Filter by image or owner domain', zh: '按镜像或所属账号筛选' },
  'images.listSep': { en: ', ', zh: '、' },
  'images.namesAnd': { en: '{names} and {last}', zh: '{names}和{last}' },
  'images.namesMore': { en: '{names} and {n} more', zh: '{names}等另外 {n} 个' },
  'images.next': { en: 'Next', zh: '下一页' },
  'images.noImages': { en: 'Your domain has no images yet.', zh: '您的账号还没有镜像。' },
  'images.noImagesPush': { en: 'Your domain has no images yet. Push one with docker push.', zh: '您的账号还没有镜像。请使用 docker push 推送镜像。' },
  'images.noMatch': { en: 'No image matches.', zh: '没有匹配的镜像。' },
  'images.noShared': { en: 'No image is shared with your domain.', zh: '没有镜像共享给您的账号。' },
  'images.noSharedMatch': { en: 'No shared image matches.', zh: '没有匹配的共享镜像。' },
  'images.notShared': { en: 'Not shared', zh: '未共享' },
  'images.onlyShared': { en: 'Display only shared images', zh: '仅显示已共享的镜像' },
  'images.pages': { en: 'Pages of the list', zh: '列表分页' },
  'images.pastEnd': { en: 'No images on this page. Go back to the previous page.', zh: '此页没有镜像，请返回上一页。' },
  'images.previous': { en: 'Previous', zh: '上一页' },
  'images.privateCaption': { en: 'Repositories of your domain', zh: '您账号的镜像仓库' },
  'images.privateLead': { en: 'The repositories of your domain in the registry.', zh: '您的账号在镜像仓库中的镜像。' },
  'images.pullShown': { en: 'Showing the pull command of {ref}.', zh: '已显示 {ref} 的拉取命令。' },
  'images.range': { en: '{first}–{last} of {total}', zh: '第 {first}–{last} 个，共 {total} 个' },
  'images.readFailed': { en: 'The list could not be read.', zh: '无法读取列表。' },
  'images.retry': { en: 'Retry', zh: '重试' },
  'images.sharedCaption': { en: 'Images shared with your domain', zh: '共享给您账号的镜像' },
  'images.sharedLead': { en: 'Images other domains shared with yours. You can pull them, and only pull.', zh: '其他账号共享给您账号的镜像。您只能拉取这些镜像。' },
  'images.showing': { en: 'Showing {range}.', zh: '正在显示{range}。' },
  'images.tabPrivate': { en: 'Private Images', zh: '自有镜像' },
  'images.tabShared': { en: 'Shared Images', zh: '他人共享' },
  'images.tabs': { en: 'Image lists', zh: '镜像列表' },
  'images.tagsOf': { en: 'Tags of {repo}', zh: '{repo} 的版本' },
  'images.title': { en: 'My Images', zh: '我的镜像' },
};

let lang = chooseLanguage();

function chooseLanguage() {
  let saved = '';
  try { saved = localStorage.getItem(LANG_KEY) || ''; } catch (e) { saved = ''; }
  if (LANGUAGES[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (LANGUAGES[base]) return base;
  }
  return 'en';
}

export const language = () => lang;

// locale is the BCP 47 tag for Intl formatting in the chosen language.
export const locale = () => (lang === 'zh' ? 'zh-CN' : 'en-US');

export function t(key, vars) {
  const entry = STRINGS[key];
  let s = entry ? (entry[lang] ?? entry.en) : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

// translatePage fills the marked strings of root (the document).
export function translatePage(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const [attr, data] of [['aria-label', 'i18nAriaLabel'], ['title', 'i18nTitle'], ['placeholder', 'i18nPlaceholder']]) {
    for (const e of root.querySelectorAll(`[data-${attr === 'aria-label' ? 'i18n-aria-label' : `i18n-${attr}`}]`)) {
      e.setAttribute(attr, t(e.dataset[data]));
    }
  }
}

// setLanguage switches to l and keeps the choice; the caller redraws.
export function setLanguage(l) {
  if (!LANGUAGES[l]) return;
  lang = l;
  try { localStorage.setItem(LANG_KEY, l); } catch (e) { /* private mode: for this page only */ }
  translatePage();
}

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

  // a11y
  'a11y.required': { en: '* required', zh: '* 为必填项' },
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

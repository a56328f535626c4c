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

  // login dialog and top bar (app.js)
  'login.expired': { en: 'Your session has expired. Log in again to continue where you were.', zh: '会话已过期。请重新登录，以便从上次的位置继续。' },
  'login.failed': { en: 'Login failed: {status}.', zh: '登录失败：{status}。' },
  'login.lead-1': { en: 'Use the user and password of', zh: '使用' },
  'login.lead-2': { en: '. The password is exchanged for a session token and is not kept.', zh: ' 的用户名和密码登录。密码仅用于换取会话令牌，不会被保存。' },
  'login.limited': { en: 'Too many failed logins. Try again later.', zh: '登录失败次数过多，请稍后再试。' },
  'login.limited-for': { en: 'Too many failed logins. Try again in {seconds} s.', zh: '登录失败次数过多，请在 {seconds} 秒后再试。' },
  'login.missing': { en: 'Enter your user and your password.', zh: '请输入用户名和密码。' },
  'login.offline': { en: 'regshare did not answer. Check your connection and try again.', zh: 'regshare 没有响应。请检查网络连接后重试。' },
  'login.password': { en: 'Password', zh: '密码' },
  'login.submit': { en: 'Log in', zh: '登录' },
  'login.title': { en: 'Log in to regshare', zh: '登录 regshare' },
  'login.user': { en: 'User', zh: '用户名' },
  'login.wrong': { en: 'Wrong user or password.', zh: '用户名或密码错误。' },
  'nav.my-images': { en: 'My Images', zh: '我的镜像' },
  'nav.shared-images': { en: 'Shared Images', zh: '共享镜像' },
  'role.manage': { en: 'manage', zh: '管理' },
  'role.read': { en: 'read', zh: '只读' },
  'role.write': { en: 'write', zh: '读写' },
  'top.sign-out-everywhere-confirm': {
    en: 'Sign out everywhere? Every console session and every docker login of yours (CI included) must log in again.',
    zh: '确定要在所有位置退出吗？您的所有控制台会话和 docker login（包括 CI）都需要重新登录。',
  },
  'top.sign-out-everywhere-failed': { en: 'Could not sign out everywhere: {reason}', zh: '无法在所有位置退出：{reason}' },
  'top.who': { en: '{name} · {domain} ({role})', zh: '{name} · {domain}（{role}）' },
  'top.who-admin': { en: '{name} · {domain} ({role}, administrator)', zh: '{name} · {domain}（{role}，管理员）' },

  // session (session.js, the idle dialog)
  'session.idle-ended': {
    en: 'You were logged out after {minutes} minutes without activity. Log in again to continue where you were.',
    zh: '您已超过 {minutes} 分钟未操作，已自动退出。请重新登录，以便从上次的位置继续。',
  },
  'session.idle-logout': { en: 'Log out now', zh: '立即退出' },
  'session.idle-stay': { en: 'Stay logged in', zh: '保持登录' },
  'session.idle-title': { en: 'Are you still there?', zh: '您还在吗？' },
  'session.idle-warning': {
    en: 'You have not used the console for a while. For your security you will be logged out in {seconds} s.',
    zh: '您已有一段时间未使用控制台。为保障安全，将在 {seconds} 秒后自动退出。',
  },
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

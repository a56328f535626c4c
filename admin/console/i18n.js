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

  // ---- share: an image's page, the share, revoke and history dialogs
  'share.backMine': { en: 'My Images', zh: '我的镜像' },
  'share.backShared': { en: 'Shared Images', zh: '他人共享' },
  'share.cancel': { en: 'Cancel', zh: '取消' },
  'share.close': { en: 'Close', zh: '关闭' },
  'share.colActions': { en: 'Actions', zh: '操作' },
  'share.colCreated': { en: 'Created', zh: '创建时间' },
  'share.colCreatedBy': { en: 'Created by', zh: '创建者' },
  'share.colDescription': { en: 'Description', zh: '描述' },
  'share.colDigest': { en: 'Digest', zh: '摘要' },
  'share.colDomain': { en: 'Domain', zh: '租户' },
  'share.colPermission': { en: 'Permission', zh: '权限' },
  'share.colPull': { en: 'Pull command', zh: '下载指令' },
  'share.colSize': { en: 'Size', zh: '大小' },
  'share.colStatus': { en: 'Status', zh: '状态' },
  'share.colTag': { en: 'Tag', zh: '版本' },
  'share.colUntil': { en: 'Valid until', zh: '有效期至' },
  'share.created': { en: '{repo} is shared with {domain}.', zh: '{repo} 已共享给 {domain}。' },
  'share.crumbClosed': { en: '{repo} (not shared with your domain)', zh: '{repo}（未共享给您的租户）' },
  'share.description': { en: 'Description', zh: '描述' },
  'share.edit': { en: 'Edit', zh: '编辑' },
  'share.editInstead': { en: 'Edit that share instead', zh: '改为编辑该共享' },
  'share.editLabel': { en: 'Edit the share with {domain}', zh: '编辑与 {domain} 的共享' },
  'share.editingInstead': { en: 'Editing the share with {domain}.', zh: '正在编辑与 {domain} 的共享。' },
  'share.errDescriptionLong': { en: 'The description is longer than {max} characters. Shorten it.', zh: '描述超过 {max} 个字符，请缩短。' },
  'share.errExists': { en: 'This image is already shared with {domain}.', zh: '该镜像已共享给 {domain}。' },
  'share.errNoDomain': { en: 'There is no domain named "{domain}". Check its name.', zh: '不存在名为“{domain}”的租户，请检查名称。' },
  'share.errUntilEmpty': { en: 'Choose a date, or tick Permanently valid.', zh: '请选择日期，或勾选“永久有效”。' },
  'share.errWithEmpty': { en: 'Enter the name of the domain to share with.', zh: '请输入要共享给的租户名称。' },
  'share.event.create': { en: '{actor} shared the image', zh: '{actor} 创建了共享' },
  'share.event.other': { en: '{actor}: {action}', zh: '{actor}：{action}' },
  'share.event.revoke': { en: '{actor} revoked the share', zh: '{actor} 撤销了共享' },
  'share.event.update': { en: '{actor} changed the share', zh: '{actor} 修改了共享' },
  'share.history': { en: 'History', zh: '历史' },
  'share.historyChange': { en: '{field}: {before} → {after}', zh: '{field}：{before} → {after}' },
  'share.historyDescription': { en: 'Description', zh: '描述' },
  'share.historyEmpty': { en: 'This share has no recorded changes.', zh: '该共享没有变更记录。' },
  'share.historyLabel': { en: 'History of the share with {domain}', zh: '与 {domain} 的共享的历史' },
  'share.historyNoDescription': { en: 'none', zh: '无' },
  'share.historyPermission': { en: 'Permission', zh: '权限' },
  'share.historyTitle': { en: 'Share history', zh: '共享历史' },
  'share.historyUntil': { en: 'Valid until', zh: '有效期至' },
  'share.historyValue': { en: '{field}: {value}', zh: '{field}：{value}' },
  'share.listLoading': { en: 'Loading…', zh: '加载中…' },
  'share.noPull': {
    en: 'You cannot pull this image: it is not your domain\'s, and it is not shared with your domain (or its share has expired). Ask its owner to share it.',
    zh: '您无法下载该镜像：它不属于您的租户，也未共享给您的租户（或共享已过期）。请联系其所有者共享。',
  },
  'share.noTags': { en: 'This repository has no tags.', zh: '该仓库没有版本。' },
  'share.notShared': { en: 'This image is not shared with any domain.', zh: '该镜像未共享给任何租户。' },
  'share.ok': { en: 'OK', zh: '确定' },
  'share.open': { en: 'Share image', zh: '共享镜像' },
  'share.permanent': { en: 'Permanently valid', zh: '永久有效' },
  'share.permission': { en: 'Permission', zh: '权限' },
  'share.permitHint': {
    en: 'Pull is the only permission: the domain\'s users can pull this image and nothing else.',
    zh: '下载是唯一的权限：该租户的用户只能下载此镜像，不能做其他操作。',
  },
  'share.permitPull': { en: 'Pull', zh: '下载' },
  'share.preset30': { en: '30 days', zh: '30 天' },
  'share.preset90': { en: '90 days', zh: '90 天' },
  'share.presetForever': { en: 'Permanent', zh: '永久' },
  'share.presetQuarter': { en: 'End of quarter', zh: '本季度末' },
  'share.presetsLabel': { en: 'Common validities', zh: '常用有效期' },
  'share.readonly': {
    en: 'You can see the shares of this image. Sharing, editing and revoking need the manage role.',
    zh: '您可以查看该镜像的共享。共享、编辑和撤销需要管理（manage）角色。',
  },
  'share.repoWith': { en: '{repo}, shared with {domain}', zh: '{repo}，共享给 {domain}' },
  'share.revoke': { en: 'Revoke', zh: '撤销' },
  'share.revokeLabel': { en: 'Revoke the share with {domain}', zh: '撤销与 {domain} 的共享' },
  'share.revokeText': {
    en: 'Revoke the share of {repo} with {domain}? Its users will no longer be able to pull it.',
    zh: '确定撤销 {repo} 与 {domain} 的共享吗？该租户的用户将无法再下载它。',
  },
  'share.revokeTitle': { en: 'Revoke share', zh: '撤销共享' },
  'share.revoked': { en: 'The share of {repo} with {domain} was revoked.', zh: '{repo} 与 {domain} 的共享已撤销。' },
  'share.sharingCaption': { en: 'Domains the image is shared with', zh: '该镜像共享给的租户' },
  'share.sharingLead': {
    en: 'Domains this image is shared with. Their users can pull it until the date shown.',
    zh: '该镜像共享给的租户。其用户在所示日期之前可以下载它。',
  },
  'share.tabSharing': { en: 'Sharing', zh: '共享' },
  'share.tabTags': { en: 'Tags', zh: '版本' },
  'share.tabsLabel': { en: 'Image details', zh: '镜像详情' },
  'share.tagsCaption': { en: 'Tags', zh: '版本' },
  'share.titleEdit': { en: 'Edit share', zh: '编辑共享' },
  'share.titleNew': { en: 'Share image', zh: '共享镜像' },
  'share.until': { en: 'Valid until', zh: '有效期至' },
  'share.untilDate': { en: 'Valid until (date)', zh: '有效期至（日期）' },
  'share.untilHint': {
    en: 'Access ends at the end of that day in your time zone ({zone}).',
    zh: '访问在所选日期结束时（您的时区 {zone} 的 24:00）终止。',
  },
  'share.untilHintExact': {
    en: 'It now ends at {time} ({zone}). A day you choose ends at the end of that day.',
    zh: '当前在 {time}（{zone}）到期。若选择日期，则在该日结束时到期。',
  },
  'share.updated': { en: 'The share of {repo} with {domain} was updated.', zh: '{repo} 与 {domain} 的共享已更新。' },
  'share.with': { en: 'Share with', zh: '共享给' },
  'share.withHint': {
    en: 'The name of the domain (tenant) whose users may pull this image.',
    zh: '租户名称：该租户的用户可以下载此镜像。',
  },

  // ---- time: how times are shown (share)
  'time.localZone': { en: 'local time', zh: '本地时间' },
  'time.permanent': { en: 'Permanent', zh: '永久有效' },

  // ---- errors: the API's codes, said for people (share); humanError
  'errors.network': { en: 'regshare did not answer. Check your connection, then try again.', zh: 'regshare 没有响应。请检查网络连接，然后重试。' },
  'errors.retry': { en: 'Retry', zh: '重试' },
  'errors.REGSHARE.4000001': { en: 'regshare could not read the request. Reload the page and try again.', zh: 'regshare 无法解析该请求。请刷新页面后重试。' },
  'errors.REGSHARE.4000002': { en: 'There is no such domain. Check its name.', zh: '该租户不存在，请检查名称。' },
  'errors.REGSHARE.4000003': { en: 'An image cannot be shared with its own domain.', zh: '镜像不能共享给其所属的租户。' },
  'errors.REGSHARE.4000004': { en: 'Pull is the only permission that can be given.', zh: '只能授予下载权限。' },
  'errors.REGSHARE.4000005': { en: 'Choose a date in the future.', zh: '请选择将来的日期。' },
  'errors.REGSHARE.4000006': { en: 'The description is longer than 1,000 characters. Shorten it.', zh: '描述超过 1,000 个字符，请缩短。' },
  'errors.REGSHARE.4000007': { en: 'This is not a valid image name.', zh: '镜像名称无效。' },
  'errors.REGSHARE.4000008': {
    en: 'This image is already shared with 500 domains, the most it can be. Revoke a share first.',
    zh: '该镜像已共享给 500 个租户，已达上限。请先撤销一个共享。',
  },
  'errors.REGSHARE.4000009': { en: 'The list cannot be read with these filters. Change or clear them.', zh: '无法按这些条件读取列表。请修改或清除筛选条件。' },
  'errors.REGSHARE.4010001': { en: 'You are not logged in. Log in to continue.', zh: '您尚未登录。请登录后继续。' },
  'errors.REGSHARE.4010002': { en: 'Wrong user or password.', zh: '用户名或密码错误。' },
  'errors.REGSHARE.4010003': { en: 'Your session has ended. Log in again to continue.', zh: '您的会话已结束。请重新登录后继续。' },
  'errors.REGSHARE.4030001': {
    en: 'This image belongs to another domain: only its own domain can change it.',
    zh: '该镜像属于其他租户：只有其所属租户可以修改它。',
  },
  'errors.REGSHARE.4030002': {
    en: 'Your role cannot share images: that needs the manage role. Ask a manager of your domain.',
    zh: '您的角色不能共享镜像，这需要管理（manage）角色。请联系您租户的管理员。',
  },
  'errors.REGSHARE.4030003': { en: 'The change came from another site and was refused. Use the console at its own address.', zh: '该变更来自其他站点，已被拒绝。请在控制台自身的地址下操作。' },
  'errors.REGSHARE.4030004': {
    en: 'This share was made by the namespace\'s previous owner: it can only be revoked.',
    zh: '该共享由命名空间的前所有者创建，只能撤销。',
  },
  'errors.REGSHARE.4030005': { en: 'Only an administrator can do this.', zh: '只有系统管理员可以执行此操作。' },
  'errors.REGSHARE.4030006': {
    en: 'Managing users and robot accounts needs the manage role in the domain.',
    zh: '管理用户和机器人账号需要该租户的管理（manage）角色。',
  },
  'errors.REGSHARE.4030007': {
    en: 'This is declared in regshare\'s configuration file, so it is read-only here. Change the file instead.',
    zh: '这是在 regshare 配置文件中声明的，此处只读。请修改配置文件。',
  },
  'errors.REGSHARE.4030010': { en: 'You cannot disable, demote or delete yourself.', zh: '您不能禁用、降级或删除自己。' },
  'errors.REGSHARE.4030011': { en: 'The current password is wrong.', zh: '当前密码错误。' },
  'errors.REGSHARE.4040001': {
    en: 'This share does not exist any more: someone may have revoked it. Reload the list.',
    zh: '该共享已不存在，可能已被撤销。请刷新列表。',
  },
  'errors.REGSHARE.4040002': { en: 'The registry has no such image: it may have been deleted.', zh: '镜像仓库中没有该镜像，它可能已被删除。' },
  'errors.REGSHARE.4040003': { en: 'There is no such domain, user or robot account.', zh: '该租户、用户或机器人账号不存在。' },
  'errors.REGSHARE.4090001': {
    en: 'This image is already shared with that domain. Edit that share instead.',
    zh: '该镜像已共享给该租户。请改为编辑该共享。',
  },
  'errors.REGSHARE.4090002': { en: 'That name is taken. Choose another one.', zh: '该名称已被占用，请换一个。' },
  'errors.REGSHARE.4220001': { en: 'This change clashes with an earlier one. Reload the page and try again.', zh: '该变更与之前的变更冲突。请刷新页面后重试。' },
  'errors.REGSHARE.5000001': { en: 'Something went wrong in regshare (it is logged). Try again, or tell the administrator.', zh: 'regshare 内部出错（已记录日志）。请重试，或联系系统管理员。' },
  'errors.REGSHARE.5010001': {
    en: 'regshare has no registry configured, so images cannot be listed. Tell the administrator.',
    zh: 'regshare 未配置镜像仓库，无法列出镜像。请联系系统管理员。',
  },
  'errors.REGSHARE.5020001': {
    en: 'The registry did not answer, so regshare could not check that the image exists. Try again in a moment.',
    zh: '镜像仓库没有响应，regshare 无法确认该镜像是否存在。请稍后重试。',
  },
  'errors.REGSHARE.5020002': { en: 'The registry did not answer, so images cannot be listed. Try again in a moment.', zh: '镜像仓库没有响应，无法列出镜像。请稍后重试。' },
  'errors.REGSHARE.5030001': { en: 'regshare is busy and changed nothing. Try again in a moment.', zh: 'regshare 繁忙，未做任何更改。请稍后重试。' },
  'errors.REGSHARE.5030002': { en: 'This regshare server has lost its share store. Try again in a moment.', zh: '该 regshare 服务器与共享存储断开。请稍后重试。' },
  'errors.REGSHARE.5030003': { en: 'regshare is still starting. Try again in a moment.', zh: 'regshare 仍在启动中。请稍后重试。' },
  'errors.REGSHARE.5030004': {
    en: 'regshare could not confirm whether the change was made. Reload the list to see, then try again if needed.',
    zh: 'regshare 无法确认变更是否已完成。请刷新列表查看，必要时再重试。',
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

// regshare console: every string the console shows, in English and in
// Chinese, in one place. t(key, vars) is the string of key in the chosen
// language, with {name} replaced by vars.name; a key missing in Chinese
// falls back to English (a test checks that none is missing). The
// language is the browser's first one that the console has, unless the
// user chose one with the switch in the header (kept in localStorage).
// index.html marks its strings with data-i18n (text content),
// data-i18n-aria-label, data-i18n-title and data-i18n-placeholder, which
// translatePage fills. Keys are literal strings wherever they are used
// (t('users.title'), not t(`users.${x}`)), so that a test can find every
// key used and check that STRINGS has it. Keys that must be built at run
// time are listed in a comment on the line or the line above, after
// "i18n-keys:" (i18n-keys: users.role.read users.role.write). Only
// index.html's <noscript> is written there in both languages: without
// scripts nothing is translated. STRINGS is one table while it stays
// under about 800 lines (it is data); past that, its groups would move
// to modules of their own in this folder (strings-<group>.js), merged
// here: the Groups page's are in strings-groups.js, the Webhooks page's in
// strings-webhooks.js, the Access tokens page's in strings-tokens.js, the
// single sign-on's in strings-oidc.js.

import { STRINGS as GROUP_STRINGS } from './strings-groups.js';
import { STRINGS as OIDC_STRINGS } from './strings-oidc.js';
import { STRINGS as TOKEN_STRINGS } from './strings-tokens.js';
import { STRINGS as WEBHOOK_STRINGS } from './strings-webhooks.js';

const LANG_KEY = 'regshare.lang';
const LANGUAGES = { en: 'English', zh: '中文' };

// STRINGS: key → { en, zh }. Keys are grouped by page (each group in one
// block under a comment naming it); keep them sorted within a group. A
// counted string has two keys, <key>.one and <key>.other (see tn).
//
// Glossary, English → Chinese (Simplified, as SWR's console says it):
//   domain (a tenant) 租户 · namespace 命名空间 · repository 仓库 ·
//   image 镜像 · tag 版本 (SWR's 镜像版本) · user 用户 ·
//   robot account 机器人账号 ·
//   administrator 管理员 · role 角色 (read 只读, write 读写, manage 管理) ·
//   permission 权限 · pull 拉取 · push 推送 · delete 删除 · share 共享 ·
//   revoke 撤销 · valid until 有效期至 · validity, expiry 有效期 ·
//   permanent 永久有效 · expired 已过期 · expires soon 即将过期 ·
//   never expires 永不过期 · enabled/disabled 已启用/已停用 ·
//   enable/disable 启用/停用 · password 密码 · secret 密钥 · rotate 轮换 ·
//   grace 宽限期 · configuration file 配置文件 · console 控制台 ·
//   session 会话 · log in/out 登录/退出登录 · create 创建 · edit 编辑 ·
//   save 保存 · cancel 取消 · copy 复制 · done 完成.
//   Kept as they are: regshare, docker, docker login, CI, API, UTC, and
//   what the API returns (names, codes, commands).
//   My Images 我的镜像, its tabs Private Images 自有镜像 and Shared
//   Images 他人共享, as SWR names them.
//   Sharing, wider: namespace share 命名空间共享 · prefix 前缀 ·
//   recipient (a domain or a group shared with) 共享对象 · group (of
//   domains) 租户组 · select 选择.
//   Webhooks: webhook Webhook (kept, as most Chinese consoles keep it) ·
//   event 事件 · delivery 投递 · receiver 接收方 · test event 测试事件 ·
//   attempt 尝试 · signature 签名.
// Chinese punctuation is full-width (，。：（）“”); a Latin word or a
// {value} between Chinese words has a space on each side.
export const STRINGS = {
  // ---- accounts: what the account pages share ----
  'accounts.action.delete': { en: 'Delete', zh: '删除' },
  'accounts.action.disable': { en: 'Disable', zh: '停用' },
  'accounts.action.enable': { en: 'Enable', zh: '启用' },
  'accounts.aria.delete': { en: 'Delete {name}', zh: '删除 {name}' },
  'accounts.aria.disable': { en: 'Disable {name}', zh: '停用 {name}' },
  'accounts.aria.enable': { en: 'Enable {name}', zh: '启用 {name}' },
  'accounts.badge.configFile': { en: 'Config file', zh: '配置文件' },
  'accounts.badge.disabled': { en: 'Disabled', zh: '已停用' },
  'accounts.badge.enabled': { en: 'Enabled', zh: '已启用' },
  'accounts.badge.ldap': { en: 'LDAP', zh: 'LDAP' },
  'accounts.badge.sso': { en: 'SSO: {name}', zh: '单点登录：{name}' },
  'accounts.cancel': { en: 'Cancel', zh: '取消' },
  'accounts.col.actions': { en: 'Actions', zh: '操作' },
  'accounts.col.managedIn': { en: 'Managed in', zh: '管理方式' },
  'accounts.col.name': { en: 'Name', zh: '名称' },
  'accounts.col.status': { en: 'Status', zh: '状态' },
  'accounts.copy': { en: 'Copy', zh: '复制' },
  'accounts.create': { en: 'Create', zh: '创建' },
  'accounts.days.one': { en: '{n} day', zh: '{n} 天' },
  'accounts.days.other': { en: '{n} days', zh: '{n} 天' },
  'accounts.done': { en: 'Done', zh: '完成' },
  'accounts.enabledAgain': { en: '{name} is enabled again.', zh: '{name} 已重新启用。' },
  'accounts.error.conflict': { en: 'Someone else changed it meanwhile. Look at the list again and retry.', zh: '此项刚被其他人修改。请重新查看列表后重试。' },
  'accounts.error.exists': { en: '{name} already exists.', zh: '{name} 已存在。' },
  'accounts.error.notAdmin': { en: 'Only administrators may do this.', zh: '只有管理员可以执行此操作。' },
  'accounts.error.notManager': { en: 'Only a manage user of the domain may do this.', zh: '只有该租户中角色为“管理”的用户可以执行此操作。' },
  'accounts.error.offline': { en: 'regshare did not answer. Check your connection and try again.', zh: 'regshare 没有响应。请检查网络连接后重试。' },
  'accounts.error.self': { en: 'You cannot change your own role, disable or delete yourself.', zh: '您不能修改自己的角色，也不能停用或删除自己。' },
  'accounts.error.static': { en: "Declared in regshare's configuration file, so read-only here: change the file and reload regshare.", zh: '该项在 regshare 的配置文件中声明，在此只读：请修改配置文件并重新加载 regshare。' },
  'accounts.hours.one': { en: '{n} hour', zh: '{n} 小时' },
  'accounts.hours.other': { en: '{n} hours', zh: '{n} 小时' },
  'accounts.inDomain': { en: 'In domain {domain}', zh: '所属租户：{domain}' },
  'accounts.listSeparator': { en: ', ', zh: '、' },
  'accounts.nameInvalid': { en: "The name must be 1 to {max} lower-case letters and digits, joined by single '.', '_' or '-'.", zh: '名称须为 1 到 {max} 个小写字母或数字，用单个“.”、“_”或“-”连接。' },
  'accounts.providerTitle': { en: 'Managed by an identity provider: its groups give the user their domain and role', zh: '由身份提供方管理：用户的租户和角色由其在身份提供方中的组决定' },
  'accounts.save': { en: 'Save', zh: '保存' },
  'accounts.secret.copyLogin': { en: 'Copy the docker login command', zh: '复制 docker login 命令' },
  'accounts.secret.copyPassword': { en: 'Copy the password', zh: '复制密码' },
  'accounts.secret.copySecret': { en: 'Copy the secret', zh: '复制密钥' },
  'accounts.secret.login': { en: 'Log in with docker, the secret on standard input:', zh: '使用 docker 登录（从标准输入读取密钥）：' },
  'accounts.secret.once': { en: 'It is shown only now: regshare does not keep it and cannot show it again. Copy it before you close this.', zh: '仅在此时显示：regshare 不会保存它，也无法再次显示。请在关闭前复制。' },
  'accounts.secret.password': { en: 'Password:', zh: '密码：' },
  'accounts.secret.secret': { en: 'Secret:', zh: '密钥：' },
  'accounts.secret.theLogin': { en: 'the docker login command', zh: 'docker login 命令' },
  'accounts.secret.thePassword': { en: 'the password', zh: '密码' },
  'accounts.secret.theSecret': { en: 'the secret', zh: '密钥' },
  'accounts.source.console': { en: 'Console and API', zh: '控制台和 API' },
  'accounts.updatedBy': { en: 'by {name}', zh: '由 {name} 更新' },

  // ---- domains: the Domains page (administrators) ----
  'domains.caption': { en: 'Domains', zh: '租户' },
  'domains.col.lifetime': { en: 'Robot lifetime', zh: '机器人账号有效期' },
  'domains.col.namespaces': { en: 'Namespaces', zh: '命名空间' },
  'domains.col.robots': { en: 'Robots', zh: '机器人账号' },
  'domains.col.users': { en: 'Users', zh: '用户' },
  'domains.create': { en: 'Create domain', zh: '创建租户' },
  'domains.created': { en: 'Domain {name} was created.', zh: '租户 {name} 已创建。' },
  'domains.deleteRevoke.one': { en: 'Delete and revoke {n} share', zh: '删除并撤销 {n} 个共享' },
  'domains.deleteRevoke.other': { en: 'Delete and revoke {n} shares', zh: '删除并撤销 {n} 个共享' },
  'domains.deleteRevokeAll': { en: 'Delete and revoke its shares', zh: '删除并撤销其共享' },
  'domains.deleteText': { en: 'Delete domain {name}? Its users and robot accounts are deleted with it, and its namespaces become free.', zh: '要删除租户 {name} 吗？其用户和机器人账号将一并删除，其命名空间将被释放。' },
  'domains.deleteTitle': { en: 'Delete domain', zh: '删除租户' },
  'domains.deleted': { en: 'Domain {name} was deleted.', zh: '租户 {name} 已删除。' },
  'domains.deletedRevoked': { en: 'Domain {name} was deleted, and {shares} revoked.', zh: '租户 {name} 已删除，并撤销了 {shares}。' },
  'domains.docTitle': { en: 'Domains · regshare', zh: '租户 · regshare' },
  'domains.edit': { en: 'Edit', zh: '编辑' },
  'domains.editAria': { en: 'Edit {name}', zh: '编辑 {name}' },
  'domains.editTitle': { en: 'Edit domain {name}', zh: '编辑租户 {name}' },
  'domains.empty': { en: 'There are no domains.', zh: '没有租户。' },
  'domains.error.namespaceTaken': { en: 'Namespace {namespace} belongs to domain {owner}.', zh: '命名空间 {namespace} 属于租户 {owner}。' },
  'domains.inUse': { en: '{name} owns or receives {shares}. Deleting it revokes them.', zh: '{name} 拥有或接收了 {shares}。删除它将撤销这些共享。' },
  'domains.inUseAll': { en: '{name} owns or receives shares. Deleting it revokes them.', zh: '{name} 拥有或接收了共享。删除它将撤销这些共享。' },
  'domains.lead': { en: "The tenants of this regshare. Each owns namespaces (the first part of a repository's name) and has users and robot accounts.", zh: '此 regshare 中的租户。每个租户拥有若干命名空间（仓库名称的第一段），并有自己的用户和机器人账号。' },
  'domains.lifetime': { en: 'Longest lifetime (days)', zh: '最长有效期（天）' },
  'domains.lifetimeHint': { en: 'Empty: 90 days.', zh: '留空：90 天。' },
  'domains.lifetimeInvalid': { en: 'Enter a whole number of days, from 1 to {max}, or leave it empty.', zh: '请输入 1 到 {max} 之间的整数天数，或留空。' },
  'domains.lifetimeOrNever': { en: '{days}, or never', zh: '{days}，或永不过期' },
  'domains.nameHint': { en: "Lower-case letters and digits, separated by '.', '_', '__' or '-'. Shares name it; it cannot be renamed.", zh: '小写字母和数字，用“.”、“_”、“__”或“-”分隔。共享以此名称指定租户，创建后不能改名。' },
  'domains.nameMissing': { en: 'Enter the name of the domain.', zh: '请输入租户名称。' },
  'domains.namespacesHint': { en: 'Separated by commas or spaces. Each belongs to one domain, whose users may push below it. A namespace given up ends the shares of its repositories.', zh: '用逗号或空格分隔。每个命名空间只属于一个租户，该租户的用户可以向其下推送。放弃一个命名空间会终止其下仓库的共享。' },
  'domains.namespacesOf': { en: 'Namespaces of {name}', zh: '{name} 的命名空间' },
  'domains.never': { en: 'Robots may never expire', zh: '允许机器人账号永不过期' },
  'domains.noAccess': { en: 'Only administrators manage domains.', zh: '只有管理员可以管理租户。' },
  'domains.robotsOf.one': { en: '{n} robot account of {name}', zh: '{name} 的 {n} 个机器人账号' },
  'domains.robotsOf.other': { en: '{n} robot accounts of {name}', zh: '{name} 的 {n} 个机器人账号' },
  'domains.sharedWith': { en: '{repository} shared with {domain}', zh: '{repository} 共享给 {domain}' },
  'domains.shares.one': { en: '{n} share', zh: '{n} 个共享' },
  'domains.shares.other': { en: '{n} shares', zh: '{n} 个共享' },
  'domains.staticNote': { en: "Domains marked {badge} are declared in regshare's configuration file, so they are read-only here: change the file and reload regshare.", zh: '标记为{badge}的租户在 regshare 的配置文件中声明，因此在此只读：请修改配置文件并重新加载 regshare。' },
  'domains.staticTitle': { en: "Declared in regshare's configuration file: this domain is read-only here", zh: '在 regshare 的配置文件中声明：此租户在此只读' },
  'domains.title': { en: 'Domains', zh: '租户' },
  'domains.updated': { en: 'Domain {name} was updated.', zh: '租户 {name} 已更新。' },
  'domains.usersOf.one': { en: '{n} user of {name}', zh: '{name} 的 {n} 个用户' },
  'domains.usersOf.other': { en: '{n} users of {name}', zh: '{name} 的 {n} 个用户' },

  // ---- password: changing one's own password ----
  'password.changed': { en: 'Your password was changed. Log in with the new one.', zh: '密码已修改，请使用新密码登录。' },
  'password.current': { en: 'Current password', zh: '当前密码' },
  'password.currentMissing': { en: 'Enter your current password.', zh: '请输入当前密码。' },
  'password.differ': { en: 'The two new passwords differ.', zh: '两次输入的新密码不一致。' },
  'password.new': { en: 'New password', zh: '新密码' },
  'password.newHint': { en: 'At least 8 characters, at most 72 bytes. This session ends, and you log in again with the new password.', zh: '至少 8 个字符，最多 72 字节。修改后当前会话将结束，请使用新密码重新登录。' },
  'password.open': { en: 'Change password', zh: '修改密码' },
  'password.repeat': { en: 'New password, again', zh: '再次输入新密码' },
  'password.same': { en: 'The new password is the current one.', zh: '新密码与当前密码相同。' },
  'password.static': { en: "Your user is declared in regshare's configuration file, so its password is changed there, not here.", zh: '您的用户在 regshare 的配置文件中声明，因此密码需在配置文件中修改，不能在此修改。' },
  'password.title': { en: 'Change your password', zh: '修改您的密码' },
  'password.tooLong': { en: 'The new password may be at most {max} bytes long.', zh: '新密码最长 {max} 字节。' },
  'password.tooShort': { en: 'The new password needs at least {min} characters.', zh: '新密码至少需要 {min} 个字符。' },
  'password.wrong': { en: 'The current password is wrong.', zh: '当前密码不正确。' },

  // ---- robots: the Robot accounts page ----
  'robots.action.delete': { en: 'delete', zh: '删除' },
  'robots.action.pull': { en: 'pull', zh: '拉取' },
  'robots.action.push': { en: 'push', zh: '推送' },
  'robots.badge.expired': { en: 'Expired', zh: '已过期' },
  'robots.badge.soon': { en: 'Expires soon', zh: '即将过期' },
  'robots.caption': { en: 'Robot accounts of the domain', zh: '租户的机器人账号' },
  'robots.col.description': { en: 'Description', zh: '描述' },
  'robots.col.expires': { en: 'Expires', zh: '过期时间' },
  'robots.col.lastUsed': { en: 'Last used', zh: '最近使用' },
  'robots.col.login': { en: 'Login name', zh: '登录名' },
  'robots.col.permissions': { en: 'Permissions', zh: '权限' },
  'robots.create': { en: 'Create robot account', zh: '创建机器人账号' },
  'robots.created': { en: 'Robot account {name} was created.', zh: '机器人账号 {name} 已创建。' },
  'robots.createdLead': { en: "{name} logs in with this secret. Store it in your CI's secret store.", zh: '{name} 使用此密钥登录。请将其保存到 CI 的密钥存储中。' },
  'robots.createdTitle': { en: 'Robot account {name} created', zh: '已创建机器人账号 {name}' },
  'robots.days': { en: 'Expires in (days)', zh: '有效天数' },
  'robots.daysHint': { en: 'At most {days}, the longest domain {domain} allows.', zh: '最长 {days}，即租户 {domain} 允许的最长有效期。' },
  'robots.daysInvalid': { en: 'Enter a whole number of days, from 1 to {max}.', zh: '请输入 1 到 {max} 之间的整数天数。' },
  'robots.deleteText': { en: 'Delete {name}? Jobs that log in with it stop working at once.', zh: '要删除 {name} 吗？使用它登录的任务将立即失效。' },
  'robots.deleteTitle': { en: 'Delete robot account', zh: '删除机器人账号' },
  'robots.deleted': { en: 'Robot account {name} was deleted.', zh: '机器人账号 {name} 已删除。' },
  'robots.descriptionLong': { en: 'The description is longer than {max} characters.', zh: '描述超过了 {max} 个字符。' },
  'robots.disabled': { en: '{name} is disabled.', zh: '{name} 已停用。' },
  'robots.docTitle': { en: 'Robot accounts of {domain} · regshare', zh: '{domain} 的机器人账号 · regshare' },
  'robots.empty': { en: 'This domain has no robot accounts. Create one for CI.', zh: '该租户还没有机器人账号。可以为 CI 创建一个。' },
  'robots.error.permission': { en: '{repository} is more than domain {domain} has: a robot gets its domain\'s repositories, and only pull of those shared with it.', zh: '{repository} 超出了租户 {domain} 的权限：机器人账号只能获得本租户的仓库，以及共享给本租户的仓库的拉取权限。' },
  'robots.expiry': { en: 'Expiry', zh: '有效期' },
  'robots.grace': { en: 'Grace (hours, optional)', zh: '宽限期（小时，可选）' },
  'robots.graceHint': { en: 'The old secret keeps working this long, so that running jobs can switch: at most 168 hours (7 days). Empty or 0: it stops at once.', zh: '旧密钥在此期间继续有效，以便运行中的任务切换：最长 168 小时（7 天）。留空或填 0：旧密钥立即失效。' },
  'robots.graceInvalid': { en: 'Enter a whole number of hours, from 0 to {max}, or leave it empty.', zh: '请输入 0 到 {max} 之间的整数小时数，或留空。' },
  'robots.graceLead': { en: 'The old secret keeps working for {hours}.', zh: '旧密钥在 {hours}内继续有效。' },
  'robots.graceUntil': { en: 'Old secret valid until {time}', zh: '旧密钥有效期至 {time}' },
  'robots.lead': { en: 'Machine logins of domain {domain}, for CI and other automation. Each has its own permissions and expiry, and logs in with a secret.', zh: '租户 {domain} 的机器登录账号，用于 CI 和其他自动化任务。每个账号有各自的权限和有效期，使用密钥登录。' },
  'robots.nameHint': { en: "It logs in as {login}. Lower-case letters and digits, joined by single '.', '_' or '-'.", zh: '登录名为 {login}。小写字母和数字，用单个“.”、“_”或“-”连接。' },
  'robots.nameMissing': { en: 'Enter a name for the robot.', zh: '请输入机器人账号的名称。' },
  'robots.never': { en: 'Never expires', zh: '永不过期' },
  'robots.neverExpires': { en: 'Never', zh: '永不过期' },
  'robots.neverUsed': { en: 'Never', zh: '从未使用' },
  'robots.newSecretTitle': { en: 'New secret of {name}', zh: '{name} 的新密钥' },
  'robots.noAccess': { en: 'Managing robot accounts needs the manage role in the domain.', zh: '管理机器人账号需要您在该租户中的角色为“管理”。' },
  'robots.oldStopped': { en: 'The old secret no longer works.', zh: '旧密钥已失效。' },
  'robots.perm': { en: '{repository}: {actions}', zh: '{repository}：{actions}' },
  'robots.permActions': { en: 'Actions of permission {n}', zh: '权限 {n} 的操作' },
  'robots.permAdd': { en: 'Add permission', zh: '添加权限' },
  'robots.permNoAction': { en: '{repository} needs at least one action.', zh: '{repository} 至少需要一项操作。' },
  'robots.permNoRepository': { en: "Enter a repository, or a namespace prefix ending in '/'.", zh: '请输入仓库，或以“/”结尾的命名空间前缀。' },
  'robots.permNone': { en: 'A robot needs at least one permission.', zh: '机器人账号至少需要一项权限。' },
  'robots.permNumber': { en: ', permission {n}', zh: '（权限 {n}）' },
  'robots.permRemove': { en: 'Remove', zh: '移除' },
  'robots.permRemoveAria': { en: 'Remove permission {n}', zh: '移除权限 {n}' },
  'robots.permRepository': { en: 'Repository or prefix', zh: '仓库或前缀' },
  'robots.permSpace': { en: '"{repository}" holds a space.', zh: '“{repository}”中含有空格。' },
  'robots.permissions': { en: 'Permissions', zh: '权限' },
  'robots.permissionsOf': { en: 'Permissions of {name}', zh: '{name} 的权限' },
  'robots.permsHint': { en: "A repository ({repository}), or every repository below a namespace prefix ending in '/' ({prefix}). A repository another domain shares with yours can only be pulled.", zh: '一个仓库（{repository}），或以“/”结尾的命名空间前缀下的所有仓库（{prefix}）。其他租户共享给您租户的仓库只能拉取。' },
  'robots.rotate': { en: 'Rotate', zh: '轮换' },
  'robots.rotateAction': { en: 'Rotate secret', zh: '轮换密钥' },
  'robots.rotateAria': { en: 'Rotate secret of {name}', zh: '轮换密钥：{name}' },
  'robots.rotateText': { en: 'Give {name} a new secret? The current one stops working when the grace ends.', zh: '要为 {name} 生成新密钥吗？当前密钥将在宽限期结束后失效。' },
  'robots.soon.one': { en: 'In less than {n} day', zh: '不到 {n} 天后过期' },
  'robots.soon.other': { en: 'In less than {n} days', zh: '不到 {n} 天后过期' },
  'robots.title': { en: 'Robot accounts', zh: '机器人账号' },

  // ---- users: the Users page ----
  'users.actionReset': { en: 'Reset password', zh: '重置密码' },
  'users.actionRole': { en: 'Change role', zh: '修改角色' },
  'users.badge.admin': { en: 'Administrator', zh: '管理员' },
  'users.badge.you': { en: 'You', zh: '当前用户' },
  'users.caption': { en: 'Users of the domain', zh: '租户的用户' },
  'users.col.role': { en: 'Role', zh: '角色' },
  'users.col.updated': { en: 'Updated', zh: '更新时间' },
  'users.create': { en: 'Create user', zh: '创建用户' },
  'users.created': { en: 'User {name} was created.', zh: '用户 {name} 已创建。' },
  'users.createdLead': { en: '{name} logs in with this password, to this console and with docker login. Give it to them over a safe channel.', zh: '{name} 使用此密码登录此控制台和 docker login。请通过安全渠道交给对方。' },
  'users.createdTitle': { en: 'User {name} created', zh: '已创建用户 {name}' },
  'users.deleteText': { en: 'Delete {name} from domain {domain}? Their sessions and docker logins stop working at once.', zh: '要从租户 {domain} 中删除 {name} 吗？其会话和 docker 登录将立即失效。' },
  'users.deleteTitle': { en: 'Delete user', zh: '删除用户' },
  'users.deleted': { en: 'User {name} was deleted.', zh: '用户 {name} 已删除。' },
  'users.disabled': { en: '{name} is disabled: their sessions and docker logins stopped working.', zh: '{name} 已停用：其会话和 docker 登录已失效。' },
  'users.docTitle': { en: 'Users of {domain} · regshare', zh: '{domain} 的用户 · regshare' },
  'users.empty': { en: 'This domain has no users.', zh: '该租户没有用户。' },
  'users.lead': { en: 'The users of domain {domain}. They log in to this console and to docker with their name and password.', zh: '租户 {domain} 的用户。他们使用用户名和密码登录此控制台和 docker。' },
  'users.nameHint': { en: "The login name, for the console and docker login: lower-case letters and digits, joined by single '.', '_' or '-'.", zh: '用于登录控制台和 docker login 的名称：小写字母和数字，用单个“.”、“_”或“-”连接。' },
  'users.nameMissing': { en: 'Enter the name of the user.', zh: '请输入用户名。' },
  'users.newPasswordLead': { en: '{name} logs in with this password from now on. Give it to them over a safe channel.', zh: '从现在起，{name} 使用此密码登录。请通过安全渠道交给对方。' },
  'users.newPasswordTitle': { en: 'New password of {name}', zh: '{name} 的新密码' },
  'users.noAccess': { en: 'Managing users needs the manage role in the domain.', zh: '管理用户需要您在该租户中的角色为“管理”。' },
  'users.providerNote': { en: 'Managed by your identity provider: change their groups there.', zh: '由您的身份提供方管理：请在身份提供方修改其所属组。' },
  'users.resetAria': { en: 'Reset password of {name}', zh: '重置密码：{name}' },
  'users.resetText': { en: 'Give {name} a new password? The old one stops working at once, with their sessions and docker logins.', zh: '要为 {name} 生成新密码吗？旧密码将立即失效，其会话和 docker 登录也随之失效。' },
  'users.role.manage': { en: 'manage', zh: '管理' },
  'users.role.read': { en: 'read', zh: '只读' },
  'users.role.write': { en: 'write', zh: '读写' },
  'users.roleAria': { en: 'Change role of {name}', zh: '修改角色：{name}' },
  'users.roleChanged': { en: '{name} now has the role {role}.', zh: '{name} 的角色已改为“{role}”。' },
  'users.roleHint': { en: 'regshare draws the password and shows it once, when the user is created.', zh: '创建用户时，regshare 会随机生成密码，并且只显示一次。' },
  'users.roleOption.manage': { en: 'manage: pull, push, delete, share, users and robots', zh: '管理：拉取、推送、删除、共享，以及管理用户和机器人账号' },
  'users.roleOption.read': { en: 'read: pull', zh: '只读：拉取' },
  'users.roleOption.write': { en: 'write: pull and push', zh: '读写：拉取和推送' },
  'users.roleText': { en: 'The role of {name} in domain {domain}. Their sessions and docker logins must log in again.', zh: '{name} 在租户 {domain} 中的角色。修改后，其会话和 docker 登录需要重新登录。' },
  'users.selfNote': { en: 'You cannot change your own role, disable or delete yourself.', zh: '您不能修改自己的角色，也不能停用或删除自己。' },
  'users.staticNote': { en: "Users marked {badge} are declared in regshare's configuration file, so they are read-only here: change the file and reload regshare.", zh: '标记为{badge}的用户在 regshare 的配置文件中声明，因此在此只读：请修改配置文件并重新加载 regshare。' },
  'users.staticTitle': { en: "Declared in regshare's configuration file: this user is read-only here", zh: '在 regshare 的配置文件中声明：此用户在此只读' },
  'users.title': { en: 'Users', zh: '用户' },

  // ---- app: the page itself and what every page shows (index.html,
  // core.js): its title, the skip link, copying, a share's status, the
  // API's calls ----
  'app.copied': { en: 'Copied', zh: '已复制' },
  'app.copiedText': { en: 'Copied: {text}', zh: '已复制：{text}' },
  'app.copiedWhat': { en: 'Copied {what}.', zh: '已复制：{what}。' },
  'app.copy': { en: 'Copy', zh: '复制' },
  'app.copyFailed': { en: 'Could not copy; select the text and copy it.', zh: '无法复制，请选中文本后手动复制。' },
  'app.copyPull': { en: 'Copy the pull command of {what}', zh: '复制 {what} 的拉取命令' },
  'app.expired': { en: 'Expired', zh: '已过期' },
  'app.notLoggedIn': { en: 'Not logged in.', zh: '未登录。' },
  'app.pullCommandOf': { en: 'the pull command of {what}', zh: '{what} 的拉取命令' },
  'app.retrying': { en: 'regshare could not confirm the change yet; trying again…', zh: 'regshare 尚未确认该变更，正在重试…' },
  'app.skip': { en: 'Skip to content', zh: '跳到主要内容' },
  'app.title': { en: 'regshare console', zh: 'regshare 控制台' },
  'app.valid': { en: 'Valid', zh: '有效' },

  // ---- lang: the language switch ----
  'lang.switch': { en: 'Language', zh: '语言' },

  // ---- login, nav, role, top: the login dialog and the top bar (app.js) ----
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
  'nav.shared-images': { en: 'Shared Images', zh: '他人共享' },
  'role.manage': { en: 'manage', zh: '管理' },
  'role.read': { en: 'read', zh: '只读' },
  'role.write': { en: 'write', zh: '读写' },
  'top.logout': { en: 'Log out', zh: '退出登录' },
  'top.nav': { en: 'Main', zh: '主导航' },
  'top.sign-out-everywhere': { en: 'Sign out everywhere', zh: '在所有设备上退出登录' },
  'top.sign-out-everywhere-confirm': {
    en: 'Sign out everywhere? Every console session and every docker login of yours (CI included) must log in again.',
    zh: '确定要在所有设备上退出登录吗？您的所有控制台会话和 docker login（包括 CI）都需要重新登录。',
  },
  'top.sign-out-everywhere-failed': { en: 'Could not sign out everywhere: {reason}', zh: '无法在所有设备上退出登录：{reason}' },
  'top.sign-out-everywhere-title': {
    en: 'End every API token and docker login identity token of yours, on every device',
    zh: '结束您在所有设备上的全部 API 令牌和 docker login 身份令牌',
  },
  'top.who': { en: '{name} · {domain} ({role})', zh: '{name} · {domain}（{role}）' },
  'top.who-admin': { en: '{name} · {domain} ({role}, administrator)', zh: '{name} · {domain}（{role}，管理员）' },

  // ---- session: the idle dialog (session.js) ----
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

  // ---- share: an image's page, the share, revoke and history dialogs ----
  'share.backMine': { en: 'My Images', zh: '我的镜像' },
  'share.backShared': { en: 'Shared Images', zh: '他人共享' },
  'share.cancel': { en: 'Cancel', zh: '取消' },
  'share.chipGroup.one': { en: 'Group {name} ({n} domain)', zh: '租户组 {name}（{n} 个租户）' },
  'share.chipGroup.other': { en: 'Group {name} ({n} domains)', zh: '租户组 {name}（{n} 个租户）' },
  'share.chipsLabel': { en: 'Recipients added', zh: '已添加的共享对象' },
  'share.close': { en: 'Close', zh: '关闭' },
  'share.colActions': { en: 'Actions', zh: '操作' },
  'share.colCreated': { en: 'Created', zh: '创建时间' },
  'share.colCreatedBy': { en: 'Created by', zh: '创建者' },
  'share.colDescription': { en: 'Description', zh: '描述' },
  'share.colDigest': { en: 'Digest', zh: '摘要' },
  'share.colDomain': { en: 'Domain', zh: '租户' },
  'share.colDownloads': { en: 'Downloads', zh: '下载次数' },
  'share.colLastPull': { en: 'Last pull', zh: '最近拉取' },
  'share.colPermission': { en: 'Permission', zh: '权限' },
  'share.colPull': { en: 'Pull command', zh: '拉取命令' },
  'share.colSize': { en: 'Size', zh: '大小' },
  'share.colStatus': { en: 'Status', zh: '状态' },
  'share.colTag': { en: 'Tag', zh: '版本' },
  'share.colUntil': { en: 'Valid until', zh: '有效期至' },
  'share.created': { en: '{repo} is shared with {domain}.', zh: '{repo} 已共享给 {domain}。' },
  'share.createdMany': { en: 'Shared {images} with {domains}.', zh: '已将 {images} 共享给 {domains}。' },
  'share.crumbClosed': { en: '{repo} (not shared with your domain)', zh: '{repo}（未共享给您的租户）' },
  'share.description': { en: 'Description', zh: '描述' },
  'share.edit': { en: 'Edit', zh: '编辑' },
  'share.editInstead': { en: 'Edit that share instead', zh: '改为编辑该共享' },
  'share.editLabel': { en: 'Edit the share with {domain}', zh: '编辑与 {domain} 的共享' },
  'share.editingInstead': { en: 'Editing the share with {domain}.', zh: '正在编辑与 {domain} 的共享。' },
  'share.errDescriptionLong': { en: 'The description is longer than {max} characters. Shorten it.', zh: '描述超过 {max} 个字符，请缩短。' },
  'share.errExists': { en: 'This image is already shared with {domain}.', zh: '该镜像已共享给 {domain}。' },
  'share.errNoDomain': { en: 'There is no domain named "{domain}". Check its name.', zh: '不存在名为“{domain}”的租户，请检查名称。' },
  'share.errNoGroup': { en: 'There is no group named "{name}". Check its name.', zh: '不存在名为“{name}”的租户组，请检查名称。' },
  'share.errUntilEmpty': { en: 'Choose a date, or tick Permanently valid.', zh: '请选择日期，或勾选“永久有效”。' },
  'share.errWithEmpty': { en: 'Enter the name of the domain to share with.', zh: '请输入要共享给的租户名称。' },
  'share.event.create': { en: '{actor} shared the image', zh: '{actor} 创建了共享' },
  'share.event.unknown': { en: '{actor}: {action}', zh: '{actor}：{action}' },
  'share.event.revoke': { en: '{actor} revoked the share', zh: '{actor} 撤销了共享' },
  'share.event.update': { en: '{actor} changed the share', zh: '{actor} 修改了共享' },
  'share.group': { en: 'Group of domains', zh: '租户组' },
  'share.groupDescribed': { en: '{group}: {description}', zh: '{group}：{description}' },
  'share.groupLabel': { en: 'Group {name}', zh: '租户组 {name}' },
  'share.groupName': { en: 'group {name}', zh: '租户组 {name}' },
  'share.groupOf.one': { en: 'Group of {n} domain', zh: '租户组（{n} 个租户）' },
  'share.groupOf.other': { en: 'Group of {n} domains', zh: '租户组（{n} 个租户）' },
  'share.groupsHint': { en: 'Groups of domains are suggested as @name.', zh: '租户组以“@组名”的形式列在建议中。' },
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
  'share.imagesListed': { en: 'These {n} images:', zh: '以下 {n} 个镜像：' },
  'share.listLoading': { en: 'Loading…', zh: '加载中…' },
  'share.nImages.one': { en: '{n} image', zh: '{n} 个镜像' },
  'share.nImages.other': { en: '{n} images', zh: '{n} 个镜像' },
  'share.nRecipients.one': { en: '{n} recipient', zh: '{n} 个共享对象' },
  'share.nRecipients.other': { en: '{n} recipients', zh: '{n} 个共享对象' },
  'share.namespaceGrants': {
    en: 'A namespace share grants every repository below {prefix}, present and future, pull only.',
    zh: '命名空间共享授予 {prefix} 下的所有仓库（包括现有的和将来的），仅限拉取。',
  },
  'share.noPull': {
    en: 'You cannot pull this image: it is not your domain\'s, and it is not shared with your domain (or its share has expired). Ask its owner to share it.',
    zh: '您无法拉取该镜像：它不属于您的租户，也未共享给您的租户（或共享已过期）。请联系其所有者共享。',
  },
  'share.noTags': { en: 'This repository has no tags.', zh: '该仓库没有版本。' },
  'share.notShared': { en: 'This image is not shared with any domain.', zh: '该镜像未共享给任何租户。' },
  'share.notSharedNamespace': { en: 'This namespace is not shared with any domain.', zh: '该命名空间未共享给任何租户。' },
  'share.nothingWritten.one': {
    en: 'Nothing was shared: {n} of the {total} shares was refused, so none was made.',
    zh: '未共享任何内容：{total} 个共享中有 {n} 个被拒绝，因此全部未创建。',
  },
  'share.nothingWritten.other': {
    en: 'Nothing was shared: {n} of the {total} shares were refused, so none was made.',
    zh: '未共享任何内容：{total} 个共享中有 {n} 个被拒绝，因此全部未创建。',
  },
  'share.ok': { en: 'OK', zh: '确定' },
  'share.open': { en: 'Share image', zh: '共享镜像' },
  'share.openNamespace': { en: 'Share namespace', zh: '共享命名空间' },
  'share.pairRefused': { en: '{repo} with {domain}: {reason}', zh: '{repo} 共享给 {domain}：{reason}' },
  'share.pairsMore.one': { en: 'and {n} more refused', zh: '另有 {n} 个被拒绝' },
  'share.pairsMore.other': { en: 'and {n} more refused', zh: '另有 {n} 个被拒绝' },
  'share.permanent': { en: 'Permanently valid', zh: '永久有效' },
  'share.permission': { en: 'Permission', zh: '权限' },
  'share.permitHint': {
    en: 'Pull is the only permission: the domain\'s users can pull this image and nothing else.',
    zh: '拉取是唯一的权限：该租户的用户只能拉取此镜像，不能做其他操作。',
  },
  'share.permitPull': { en: 'Pull', zh: '拉取' },
  'share.preset30': { en: '30 days', zh: '30 天' },
  'share.preset90': { en: '90 days', zh: '90 天' },
  'share.presetForever': { en: 'Permanent', zh: '永久有效' },
  'share.presetQuarter': { en: 'End of quarter', zh: '本季度末' },
  'share.presetsLabel': { en: 'Common validities', zh: '常用有效期' },
  'share.readonly': {
    en: 'You can see the shares of this image. Sharing, editing and revoking need the manage role.',
    zh: '您可以查看该镜像的共享。共享、编辑和撤销需要管理（manage）角色。',
  },
  'share.recipientRemoved': { en: '{name} removed; {count} left.', zh: '已移除 {name}，还剩 {count}。' },
  'share.recipientsAdded': { en: '{names} added; {count} in all.', zh: '已添加 {names}，共 {count}。' },
  'share.removeDomain': { en: 'Remove {name}', zh: '移除 {name}' },
  'share.removeGroup': { en: 'Remove group {name}', zh: '移除租户组 {name}' },
  'share.repoWith': { en: '{repo}, shared with {domain}', zh: '{repo}，共享给 {domain}' },
  'share.revoke': { en: 'Revoke', zh: '撤销' },
  'share.revokeLabel': { en: 'Revoke the share with {domain}', zh: '撤销与 {domain} 的共享' },
  'share.revokeText': {
    en: 'Revoke the share of {repo} with {domain}? Its users will no longer be able to pull it.',
    zh: '确定撤销 {repo} 与 {domain} 的共享吗？该租户的用户将无法再拉取它。',
  },
  'share.revokeTextGroup': {
    en: 'Revoke the share of {repo} with group {name}? The users of its domains will no longer be able to pull it.',
    zh: '确定撤销 {repo} 与租户组 {name} 的共享吗？其成员租户的用户将无法再拉取它。',
  },
  'share.revokeTextGroupNamespace': {
    en: 'Revoke the share of {repo} with group {name}? The users of its domains will no longer be able to pull the repositories below it.',
    zh: '确定撤销 {repo} 与租户组 {name} 的共享吗？其成员租户的用户将无法再拉取其下的仓库。',
  },
  'share.revokeTextNamespace': {
    en: 'Revoke the share of {repo} with {domain}? Its users will no longer be able to pull the repositories below it.',
    zh: '确定撤销 {repo} 与 {domain} 的共享吗？该租户的用户将无法再拉取其下的仓库。',
  },
  'share.revokeTitle': { en: 'Revoke share', zh: '撤销共享' },
  'share.revoked': { en: 'The share of {repo} with {domain} was revoked.', zh: '{repo} 与 {domain} 的共享已撤销。' },
  'share.sharingCaption': { en: 'Domains the image is shared with', zh: '该镜像共享给的租户' },
  'share.sharingCaptionNamespace': { en: 'Domains the namespace is shared with', zh: '该命名空间共享给的租户' },
  'share.sharingLead': {
    en: 'Domains this image is shared with. Their users can pull it until the date shown.',
    zh: '该镜像共享给的租户。其用户在所示日期之前可以拉取它。',
  },
  'share.sharingLeadNamespace': {
    en: 'Domains this namespace is shared with. Their users can pull every repository below it until the date shown.',
    zh: '该命名空间共享给的租户。其用户在所示日期之前可以拉取其下的所有仓库。',
  },
  'share.tabSharing': { en: 'Sharing', zh: '共享' },
  'share.tabTags': { en: 'Tags', zh: '版本' },
  'share.tabsLabel': { en: 'Image details', zh: '镜像详情' },
  'share.tagsCaption': { en: 'Tags', zh: '版本' },
  'share.titleEdit': { en: 'Edit share', zh: '编辑共享' },
  'share.titleMany': { en: 'Share images', zh: '共享多个镜像' },
  'share.titleNamespace': { en: 'Share namespace', zh: '共享命名空间' },
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
    en: 'The domains (tenants) whose users may pull it. After each name type a comma or a space to add another; Enter shares.',
    zh: '租户名称：这些租户的用户可以拉取它。每输入一个名称后，输入逗号或空格可再添加一个；按 Enter 键提交共享。',
  },

  // ---- time: how times are shown (time.js) ----
  'time.localZone': { en: 'local time', zh: '本地时间' },
  'time.permanent': { en: 'Permanent', zh: '永久有效' },

  // ---- errors: the API's codes, said for people (humanError, core.js) ----
  'errors.network': { en: 'regshare did not answer. Check your connection, then try again.', zh: 'regshare 没有响应。请检查网络连接，然后重试。' },
  'errors.retry': { en: 'Retry', zh: '重试' },
  'errors.status': { en: 'regshare answered with an error ({status}). Try again, or tell the administrator.', zh: 'regshare 返回了错误（{status}）。请重试，或联系系统管理员。' },
  'errors.REGSHARE.4000001': { en: 'regshare could not read the request. Reload the page and try again.', zh: 'regshare 无法解析该请求。请刷新页面后重试。' },
  'errors.REGSHARE.4000002': { en: 'There is no such domain. Check its name.', zh: '该租户不存在，请检查名称。' },
  'errors.REGSHARE.4000003': { en: 'An image cannot be shared with its own domain.', zh: '镜像不能共享给其所属的租户。' },
  'errors.REGSHARE.4000004': { en: 'Pull is the only permission that can be given.', zh: '只能授予拉取权限。' },
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
  'errors.REGSHARE.4030010': { en: 'You cannot disable, demote or delete yourself.', zh: '您不能停用、降级或删除自己。' },
  'errors.REGSHARE.4030011': { en: 'The current password is wrong.', zh: '当前密码错误。' },
  'errors.REGSHARE.4040001': {
    en: 'This share does not exist any more: someone may have revoked it. Reload the list.',
    zh: '该共享已不存在，可能已被撤销。请刷新列表。',
  },
  'errors.REGSHARE.4040002': { en: 'The registry has no such image: it may have been deleted.', zh: '镜像仓库中没有该镜像，它可能已被删除。' },
  'errors.REGSHARE.4040003': { en: 'There is no such domain, user, robot account or webhook.', zh: '该租户、用户、机器人账号或 Webhook 不存在。' },
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

  // ---- images: My Images, its Private Images and Shared Images lists
  // (images.js, images-shared.js, lists.js) ----
  'images.askOwner': { en: 'This share has expired. Ask {owner} to renew it.', zh: '此共享已过期。请联系 {owner} 续期。' },
  'images.byDigest': { en: 'By digest, always this image:', zh: '按摘要拉取（始终为此镜像）：' },
  'images.clearSelection': { en: 'Clear selection', zh: '清除选择' },
  'images.colDescription': { en: 'Description', zh: '描述' },
  'images.colDownloads': { en: 'Downloads', zh: '下载次数' },
  'images.colImage': { en: 'Image', zh: '镜像' },
  'images.colOwner': { en: 'Owner domain', zh: '所属租户' },
  'images.colPull': { en: 'Pull command', zh: '拉取命令' },
  'images.colSharedWith': { en: 'Shared with', zh: '共享给' },
  'images.colStatus': { en: 'Status', zh: '状态' },
  'images.colTags': { en: 'Tags', zh: '版本' },
  'images.colUntil': { en: 'Valid until', zh: '有效期至' },
  'images.colUpdated': { en: 'Last update', zh: '最近更新' },
  'images.digestOf': { en: '{ref} by digest', zh: '{ref}（按摘要）' },
  'images.domains.one': { en: '1 domain', zh: '1 个租户' },
  'images.domains.other': { en: '{n} domains', zh: '{n} 个租户' },
  'images.expiredShares': { en: '+ {n} expired', zh: '另有 {n} 个已过期' },
  'images.expiresDays.one': { en: 'Expires in 1 day', zh: '1 天后过期' },
  'images.expiresDays.other': { en: 'Expires in {n} days', zh: '{n} 天后过期' },
  'images.expiresHours.one': { en: 'Expires in 1 hour', zh: '1 小时后过期' },
  'images.expiresHours.other': { en: 'Expires in {n} hours', zh: '{n} 小时后过期' },
  'images.expiresMinutes.one': { en: 'Expires in 1 minute', zh: '1 分钟后过期' },
  'images.expiresMinutes.other': { en: 'Expires in {n} minutes', zh: '{n} 分钟后过期' },
  'images.filterName': { en: 'Filter by name', zh: '按名称筛选' },
  'images.filterShared': { en: 'Filter by image or owner domain', zh: '按镜像或所属租户筛选' },
  'images.listSep': { en: ', ', zh: '、' },
  'images.namesAnd': { en: '{names} and {last}', zh: '{names}和{last}' },
  'images.namesMore': { en: '{names} and {n} more', zh: '{names}等另外 {n} 个' },
  'images.next': { en: 'Next', zh: '下一页' },
  'images.noImages': { en: 'Your domain has no images yet.', zh: '您的租户还没有镜像。' },
  'images.noImagesPush': { en: 'Your domain has no images yet. Push one with docker push.', zh: '您的租户还没有镜像。请使用 docker push 推送镜像。' },
  'images.noMatch': { en: 'No image matches.', zh: '没有匹配的镜像。' },
  'images.noShared': { en: 'No image is shared with your domain.', zh: '没有镜像共享给您的租户。' },
  'images.noSharedMatch': { en: 'No shared image matches.', zh: '没有匹配的共享镜像。' },
  'images.notShared': { en: 'Not shared', zh: '未共享' },
  'images.onlyShared': { en: 'Display only shared images', zh: '仅显示已共享的镜像' },
  'images.pages': { en: 'Pages of the list', zh: '列表分页' },
  'images.pastEnd': { en: 'No images on this page. Go back to the previous page.', zh: '此页没有镜像，请返回上一页。' },
  'images.previous': { en: 'Previous', zh: '上一页' },
  'images.privateCaption': { en: 'Repositories of your domain', zh: '您租户的仓库' },
  'images.privateLead': { en: 'The repositories of your domain in the registry.', zh: '镜像仓库中属于您租户的仓库。' },
  'images.pullShown': { en: 'Showing the pull command of {ref}.', zh: '已显示 {ref} 的拉取命令。' },
  'images.range': { en: '{first}–{last} of {total}', zh: '第 {first}–{last} 个，共 {total} 个' },
  'images.readFailed': { en: 'The list could not be read.', zh: '无法读取列表。' },
  'images.retry': { en: 'Retry', zh: '重试' },
  'images.select': { en: 'Select {repo}', zh: '选择 {repo}' },
  'images.selectAll': { en: 'Select every image on this page', zh: '选择本页的所有镜像' },
  'images.selectionCleared': { en: 'No image is selected now.', zh: '已清除选择，当前未选择任何镜像。' },
  'images.shareSelected': { en: 'Share selected ({n})', zh: '共享所选镜像（{n}）' },
  'images.sharedCaption': { en: 'Images shared with your domain', zh: '共享给您租户的镜像' },
  'images.sharedLead': { en: 'Images other domains shared with yours. You can pull them, and only pull.', zh: '其他租户共享给您租户的镜像。您只能拉取这些镜像。' },
  'images.showing': { en: 'Showing {range}.', zh: '正在显示{range}。' },
  'images.tabNamespaces': { en: 'Namespaces', zh: '命名空间' },
  'images.tabPrivate': { en: 'Private Images', zh: '自有镜像' },
  'images.tabShared': { en: 'Shared Images', zh: '他人共享' },
  'images.tabs': { en: 'Image lists', zh: '镜像列表' },
  'images.tagsOf': { en: 'Tags of {repo}', zh: '{repo} 的版本' },
  'images.viaGroup': { en: 'via {name}', zh: '通过租户组 {name}' },
  'images.viaGroupTitle': { en: 'Shared with your domain through group {name}', zh: '通过租户组 {name} 共享给您的租户' },
  'images.title': { en: 'My Images', zh: '我的镜像' },

  // ---- namespaces: My Images' Namespaces tab (namespaces.js) ----
  'namespaces.caption': { en: 'Namespaces of your domain and the prefixes below them', zh: '您租户的命名空间及其下的前缀' },
  'namespaces.colNamespace': { en: 'Namespace', zh: '命名空间' },
  'namespaces.colRepositories': { en: 'Repositories', zh: '仓库数' },
  'namespaces.lead': {
    en: 'The namespaces of your domain, and the prefixes below them that hold repositories. A namespace share grants every repository below its prefix, present and future, pull only.',
    zh: '您租户的命名空间，以及其下含有仓库的前缀。命名空间共享授予该前缀下的所有仓库（包括现有的和将来的），仅限拉取。',
  },
  'namespaces.none': { en: 'Your domain owns no namespace.', zh: '您的租户没有命名空间。' },
  'namespaces.share': { en: 'Share', zh: '共享' },
  'namespaces.shareLabel': { en: 'Share {prefix}', zh: '共享 {prefix}' },

  // ---- a11y: marks of accessibility ----
  'a11y.required': { en: '* required', zh: '* 为必填项' },
};
// The groups kept in modules of their own.
Object.assign(STRINGS, GROUP_STRINGS, OIDC_STRINGS, WEBHOOK_STRINGS, TOKEN_STRINGS);

let lang = chooseLanguage();

function chooseLanguage() {
  let saved = '';
  try { saved = localStorage.getItem(LANG_KEY) || ''; } catch { saved = ''; }
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

// formatNumber writes n as the chosen language does (1,000 and 1,000).
export const formatNumber = (n) => Number(n).toLocaleString(locale());

// tn is the counted string of key for n: <key>.one or <key>.other, as
// the language's plural rules choose, with {n} the number written out.
export function tn(key, n, vars) {
  const one = new Intl.PluralRules(locale()).select(n) === 'one';
  return t(one ? `${key}.one` : `${key}.other`, { ...vars, n: formatNumber(n) });
}

// tParts is t for a string with elements in it: the {name}s of vars that
// are nodes come back as those nodes, between the string's texts, for
// el() or append().
export function tParts(key, vars) {
  const entry = STRINGS[key];
  const s = entry ? (entry[lang] ?? entry.en) : key;
  return s.split(/\{(\w+)\}/).map((p, i) => {
    if (i % 2 === 0) return p;
    if (!vars || !(p in vars)) return `{${p}}`;
    return typeof vars[p] === 'object' && vars[p] !== null ? vars[p] : String(vars[p]);
  }).filter((p) => p !== '');
}

// fill sets e's text to key's string. An element with children marked
// data-i18n-slot="name" keeps them, each where the string says {name}.
function fill(e, key) {
  const slots = [...e.children].filter((c) => c.dataset.i18nSlot);
  if (!slots.length) {
    e.textContent = t(key);
    return;
  }
  e.replaceChildren(...tParts(key, Object.fromEntries(slots.map((c) => [c.dataset.i18nSlot, c]))));
}

const ATTRIBUTES = [['aria-label', 'i18nAriaLabel'], ['title', 'i18nTitle'], ['placeholder', 'i18nPlaceholder']];

// translatePage fills the marked strings of root (the document).
export function translatePage(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of root.querySelectorAll('[data-i18n]')) fill(e, e.dataset.i18n);
  for (const [attr, data] of ATTRIBUTES) {
    for (const e of root.querySelectorAll(`[data-i18n-${attr}]`)) {
      e.setAttribute(attr, t(e.dataset[data]));
    }
  }
  const s = document.getElementById('lang-switch');
  if (s) s.value = lang;
}

// setLanguage switches to l and keeps the choice; the caller redraws.
function setLanguage(l) {
  if (!LANGUAGES[l]) return;
  lang = l;
  try { localStorage.setItem(LANG_KEY, l); } catch { /* private mode: for this page only */ }
  translatePage();
}

// initLanguageSwitch fills the header's language switch (#lang-switch)
// with LANGUAGES, each named in its own language, and switches when the
// user chooses one: translatePage, then onChange(language) redraws what
// the scripts drew.
export function initLanguageSwitch(onChange) {
  const s = document.getElementById('lang-switch');
  if (!s) return;
  s.replaceChildren(...Object.entries(LANGUAGES).map(([l, name]) => {
    const o = document.createElement('option');
    o.value = l;
    o.lang = l === 'zh' ? 'zh-CN' : 'en';
    o.textContent = name;
    return o;
  }));
  s.value = lang;
  s.addEventListener('change', () => {
    setLanguage(s.value);
    if (onChange) onChange(lang);
  });
}

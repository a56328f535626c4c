// regshare console: the strings of the Access tokens page (tokens.js), in
// English and in Chinese, which i18n.js merges into its STRINGS. The same
// rules hold here: keys sorted, a counted string as <key>.one and
// <key>.other, and the glossary of i18n.js, with: access token 访问令牌 ·
// token 令牌 · label 标签 · identity provider 身份提供方 · single sign-on
// 单点登录. The token's label is what its owner wrote, shown as it is.
export const STRINGS = {
  // ---- tokens: the Access tokens page (every person's own) ----
  'tokens.caption': { en: 'Your access tokens', zh: '您的访问令牌' },
  'tokens.col.created': { en: 'Created', zh: '创建时间' },
  'tokens.col.expires': { en: 'Expires', zh: '过期时间' },
  'tokens.col.label': { en: 'Label', zh: '标签' },
  'tokens.col.permissions': { en: 'Permissions', zh: '权限' },
  'tokens.create': { en: 'Create access token', zh: '创建访问令牌' },
  'tokens.created': { en: 'Access token {label} was created.', zh: '访问令牌 {label} 已创建。' },
  'tokens.createdLead': {
    en: 'docker logs in as {name} with this token in place of your password. Keep it where your tools keep secrets.',
    zh: 'docker 以 {name} 的身份使用此令牌代替密码登录。请将其保存在工具存放密钥的地方。',
  },
  'tokens.createdTitle': { en: 'Access token {label} created', zh: '已创建访问令牌 {label}' },
  'tokens.date': { en: 'Expiry date', zh: '到期日期' },
  'tokens.dateMissing': { en: 'Choose the last day the token works.', zh: '请选择令牌有效的最后一天。' },
  'tokens.dateRange': { en: 'Choose a day from today to {date}.', zh: '请选择今天到 {date} 之间的日期。' },
  'tokens.docTitle': { en: 'Access tokens · regshare', zh: '访问令牌 · regshare' },
  'tokens.empty': { en: 'You have no access tokens. Create one to log in with docker.', zh: '您还没有访问令牌。可以创建一个用于 docker 登录。' },
  'tokens.error.domain': {
    en: '{repository} is more than your domain {domain} has: a token gets your domain\'s repositories, and only pull of those shared with it.',
    zh: '{repository} 超出了您的租户 {domain} 的权限：令牌只能获得本租户的仓库，以及共享给本租户的仓库的拉取权限。',
  },
  'tokens.error.owner': { en: 'Only a person logged in with their own account has access tokens.', zh: '只有使用本人账号登录的用户才能拥有访问令牌。' },
  'tokens.error.past': { en: 'Choose an expiry in the future.', zh: '请选择将来的到期时间。' },
  'tokens.error.role': { en: 'Your role {role} does not allow {action} on {repository}.', zh: '您的角色“{role}”不允许对 {repository} 执行“{action}”。' },
  'tokens.error.tooLong': { en: 'A token lives at most {days} here. Choose an earlier expiry.', zh: '此处令牌最长有效 {days}。请选择更早的到期时间。' },
  'tokens.error.tooMany': { en: 'You have {max} access tokens, the most one may have. Revoke one first.', zh: '您已有 {max} 个访问令牌，已达上限。请先撤销一个。' },
  'tokens.expiry': { en: 'Expiry', zh: '有效期' },
  'tokens.expiryHint': {
    en: 'A token until a date works to the end of that day, in your time zone ({zone}): at most {days} from today.',
    zh: '选择日期时，令牌有效至当天结束（按您的时区 {zone}）：自今天起最长 {days}。',
  },
  'tokens.labelHint': { en: 'Where you use it, so that you know which one to revoke: a laptop, a CI job.', zh: '填写使用它的地方，便于日后决定撤销哪一个：例如某台笔记本电脑或某个 CI 任务。' },
  'tokens.labelLong': { en: 'The label is longer than {max} characters.', zh: '标签超过了 {max} 个字符。' },
  'tokens.labelMissing': { en: 'Enter a label for the token.', zh: '请输入令牌的标签。' },
  'tokens.lead': {
    en: 'Tokens for docker login as {name}, in place of your password. Each has a label, an expiry and, if you choose, narrower permissions than yours. The registry takes them; this console does not.',
    zh: '用于以 {name} 的身份执行 docker login 的令牌，可代替您的密码。每个令牌有各自的标签和有效期，也可以设置比您更小的权限。令牌仅用于镜像仓库，不能登录此控制台。',
  },
  'tokens.owner': { en: 'For docker login as {name}.', zh: '用于以 {name} 的身份执行 docker login。' },
  'tokens.permissions': { en: 'Permissions (optional)', zh: '权限（可选）' },
  'tokens.permissionsOf': { en: 'Permissions of {label}', zh: '{label} 的权限' },
  'tokens.permsHint': {
    en: "None: the token has your rights, as your role and domain give them at each use. To narrow it, add a repository ({repository}) or a namespace prefix ending in '/' ({prefix}) with its actions, at most what your role allows.",
    zh: '不添加时：令牌拥有您的权限（每次使用时按您的角色和租户计算）。如需缩小范围，请添加一个仓库（{repository}）或以“/”结尾的命名空间前缀（{prefix}）及其操作，不能超出您的角色所允许的范围。',
  },
  'tokens.preset7': { en: '7 days', zh: '7 天' },
  'tokens.presetDate': { en: 'Until a date', zh: '至指定日期' },
  'tokens.revoke': { en: 'Revoke', zh: '撤销' },
  'tokens.revokeAria': { en: 'Revoke access token {label}', zh: '撤销访问令牌 {label}' },
  'tokens.revokeText': { en: 'Revoke access token {label}? docker logins with it stop working at once.', zh: '要撤销访问令牌 {label} 吗？使用它的 docker 登录将立即失效。' },
  'tokens.revokeTitle': { en: 'Revoke access token', zh: '撤销访问令牌' },
  'tokens.revoked': { en: 'Access token {label} was revoked.', zh: '访问令牌 {label} 已撤销。' },
  'tokens.title': { en: 'Access tokens', zh: '访问令牌' },
  'tokens.yourRights': { en: 'Your rights', zh: '您的全部权限' },
};

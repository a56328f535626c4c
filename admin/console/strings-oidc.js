// regshare console: the strings of the login through an OpenID provider
// (sso.js), in English and in Chinese, which i18n.js merges into its
// STRINGS. The same rules hold here: keys sorted, and the glossary of
// i18n.js (identity provider 身份提供方, single sign-on 单点登录,
// administrator 管理员). oidc.error.<code> is the message of a refused
// login, <code> as regshare's callback names it.
export const STRINGS = {
  // ---- oidc: the login dialog's single sign-on, and its refusals ----
  'oidc.error.audience': {
    en: 'The identity provider issued its answer to another application (wrong audience). Tell your administrator.',
    zh: '身份提供方把应答签发给了另一个应用（受众不符）。请告知管理员。',
  },
  'oidc.error.bad_name': {
    en: 'Your identity provider names you {user}, which regshare cannot use as a login name (lower-case letters and digits, joined by single ".", "_", "-" or "@"). Ask your administrator.',
    zh: '身份提供方给出的用户名 {user} 不能用作 regshare 的登录名（小写字母和数字，用单个“.”、“_”、“-”或“@”连接）。请联系管理员。',
  },
  'oidc.error.cancelled': { en: 'The login was cancelled at the identity provider.', zh: '已在身份提供方处取消登录。' },
  'oidc.error.denied': {
    en: 'The identity provider refused the login. Try again; if it happens again, tell your administrator.',
    zh: '身份提供方拒绝了登录。请重试；如果再次出现，请告知管理员。',
  },
  'oidc.error.disabled': { en: '{user}: your account is disabled here. Ask your administrator.', zh: '{user}：您在此处的账号已被停用。请联系管理员。' },
  'oidc.error.exchange': {
    en: 'The identity provider did not complete the login (its code was already used or has expired). Try again.',
    zh: '身份提供方未能完成登录（授权码已被使用或已过期）。请重试。',
  },
  'oidc.error.expired': {
    en: 'The identity provider’s answer had expired when it arrived. Try again; if it happens again, the clocks of regshare and the provider may differ: tell your administrator.',
    zh: '身份提供方的应答到达时已过期。请重试；如果再次出现，可能是 regshare 与身份提供方的时钟不一致，请告知管理员。',
  },
  'oidc.error.failed': {
    en: 'The login failed in regshare. Try again; if it happens again, tell your administrator.',
    zh: 'regshare 登录失败。请重试；如果再次出现，请告知管理员。',
  },
  'oidc.error.handover': {
    en: 'The login did not reach this tab: it ended more than a minute ago, or in another tab. Log in again.',
    zh: '登录结果未能送达此标签页：登录已超过一分钟，或在其他标签页中完成。请重新登录。',
  },
  'oidc.error.name_taken': {
    en: 'The name {user} belongs to another regshare user (a local one, or one of another identity provider). Ask your administrator.',
    zh: '名称 {user} 已属于另一个 regshare 用户（本地用户，或其他身份提供方的用户）。请联系管理员。',
  },
  'oidc.error.no_domain': {
    en: '{user}: your groups give access to a domain that does not exist here. Ask your administrator.',
    zh: '{user}：您所在的组对应的租户在此处不存在。请联系管理员。',
  },
  'oidc.error.no_name': {
    en: 'The identity provider did not say your user name. Tell your administrator.',
    zh: '身份提供方未提供您的用户名。请告知管理员。',
  },
  'oidc.error.no_rule': {
    en: '{user}: none of your groups gives access to a domain here. Ask your administrator to map one of them.',
    zh: '{user}：您所在的组都没有此处任何租户的访问权限。请联系管理员为其中一个组配置映射。',
  },
  'oidc.error.nonce': {
    en: 'The identity provider’s answer does not belong to this login (wrong nonce). Try again.',
    zh: '身份提供方的应答不属于本次登录（nonce 不符）。请重试。',
  },
  'oidc.error.state': {
    en: 'The login could not be checked: it took more than 10 minutes, or another login started since in this browser. Try again.',
    zh: '无法校验本次登录：登录超过了 10 分钟，或此浏览器中已开始了另一次登录。请重试。',
  },
  'oidc.error.token': {
    en: 'The identity provider’s answer could not be verified. Tell your administrator.',
    zh: '无法验证身份提供方的应答。请告知管理员。',
  },
  'oidc.error.too_many': {
    en: '{user}: your domain has the most users it may have. Ask your administrator.',
    zh: '{user}：您的租户用户数已达上限。请联系管理员。',
  },
  'oidc.error.unreachable': {
    en: 'regshare could not reach the identity provider {provider}. Try again later; if it lasts, tell your administrator.',
    zh: 'regshare 无法连接身份提供方 {provider}。请稍后重试；如果持续出现，请告知管理员。',
  },
  'oidc.error.unverified': {
    en: 'Your identity provider has not verified your e-mail address, so regshare cannot take it as your name. Verify it there, or ask your administrator.',
    zh: '身份提供方尚未验证您的电子邮件地址，regshare 无法将其用作您的用户名。请先在身份提供方处验证，或联系管理员。',
  },
  'oidc.loginWith': { en: 'Log in with {name}', zh: '使用 {name} 登录' },
  'oidc.or': { en: 'or', zh: '或' },
  'oidc.providers': { en: 'Single sign-on', zh: '单点登录' },
};

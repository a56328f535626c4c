// regshare console: times and sizes, for every page (core.js exports
// them too). Times are shown in the browser's time zone and the console's
// language, with the UTC time on hover. A deadline chosen as a day ends
// at the next local midnight, as SWR's "valid until 00:00 of the next
// day": the console sends that instant, so "today" is valid in every zone.
import { locale, t } from './i18n.js';

export const pad = (n) => String(n).padStart(2, '0');
const utcDate = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const utcTime = (d) => `${utcDate(d)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
// localDate is a local day as <input type="date"> writes it.
export const localDate = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
export const localToday = () => localDate(new Date());
export const atLocalMidnight = (d) => d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;

// Formatters per language and kind, made once: the language can change.
const formats = new Map();
function format(kind) {
  const key = `${locale()} ${kind}`;
  if (!formats.has(key)) {
    const day = { year: 'numeric', month: 'short', day: 'numeric' };
    const opts = kind === 'date' ? day : { ...day, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
    formats.set(key, new Intl.DateTimeFormat(locale(), opts));
  }
  return formats.get(key);
}
export const dateText = (d) => format('date').format(d);
export const localTime = (d) => format('time').format(d);
// timeZone names the browser's zone, for hints.
export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || t('time.localZone');

// dayOf parses a YYYY-MM-DD local day (an <input type="date">'s value).
function dayOf(ymd) {
  const [y, m, d] = ymd.split('-').map(Number);
  return new Date(y, m - 1, d);
}

// offset writes the local offset at that instant as RFC 3339 does (+08:00, -10:00).
function offset(at) {
  const m = -at.getTimezoneOffset();
  return `${m < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(m) / 60))}:${pad(Math.abs(m) % 60)}`;
}

// endOfDay is the deadline of a share valid through the local day ymd:
// the next local midnight, in RFC 3339 with the local offset.
export function endOfDay(ymd) {
  const d = dayOf(ymd);
  const end = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1);
  return `${localDate(end)}T${pad(end.getHours())}:${pad(end.getMinutes())}:00${offset(end)}`;
}

// addDays is the local day n days after ymd.
export function addDays(ymd, n) {
  const d = dayOf(ymd);
  return localDate(new Date(d.getFullYear(), d.getMonth(), d.getDate() + n));
}

// endOfQuarter is the last local day of the quarter of ymd.
export function endOfQuarter(ymd) {
  const d = dayOf(ymd);
  return localDate(new Date(d.getFullYear(), Math.floor(d.getMonth() / 3) * 3 + 3, 0));
}

// deadlineDate is the local day a deadline ends, to edit it: a deadline
// at a local midnight ends the day before. Another one (made with a time,
// or by the API with a UTC date) is on the day it falls.
export function deadlineDate(deadline) {
  const at = new Date(deadline);
  if (atLocalMidnight(at)) return localDate(new Date(at.getFullYear(), at.getMonth(), at.getDate() - 1));
  return localDate(at);
}

// endsADay says whether a deadline is the end of a local day, which is
// shown as that day alone.
export const endsADay = (deadline) => atLocalMidnight(new Date(deadline));

export function deadlineText(deadline) {
  if (!deadline || deadline === 'forever') return t('time.permanent');
  return endsADay(deadline) ? dateText(dayOf(deadlineDate(deadline))) : localTime(new Date(deadline));
}

// timeEl shows a time: text, or by default the local time; the UTC time
// on hover, the instant in datetime.
export function timeEl(iso, text) {
  const e = document.createElement('time');
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) {
    e.textContent = text ?? String(iso);
    return e;
  }
  e.dateTime = iso;
  e.title = utcTime(when);
  e.textContent = text ?? localTime(when);
  return e;
}

export function deadlineEl(deadline) {
  if (!deadline || deadline === 'forever') return t('time.permanent');
  return timeEl(deadline, deadlineText(deadline));
}

export function sizeText(n) {
  if (!n) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export const runeCount = (s) => [...s].length;
export const formatCount = (n) => n.toLocaleString('en-US');


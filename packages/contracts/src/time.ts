/**
 * Calendar arithmetic for dvk. All local dates are Asia/Ho_Chi_Minh: UTC+07:00, no daylight
 * saving (RULEBOOK.md §1). A "day" is a whole number of days since 1970-01-01 (local), so that
 * comparing and subtracting dates is integer arithmetic. No clock is ever read here.
 */
export const LOCAL_OFFSET_MINUTES = 7 * 60;
const MS_PER_DAY = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Days since the epoch of a calendar date, or null if it is not a real date. */
export function civilDay(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return Math.floor(Date.UTC(y, m - 1, d) / MS_PER_DAY);
}

/** Parses `YYYY-MM-DD` to a day number; null when malformed or not a real date. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  return civilDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Parses an ISO-8601 timestamp with offset to epoch milliseconds; null when invalid. */
export function parseInstant(text: string): number | null {
  const m = DATETIME_RE.exec(text);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds), h = Number(hs), mi = Number(mis);
  const s = ss === undefined ? 0 : Number(ss);
  if (civilDay(y, mo, d) === null || h > 23 || mi > 59 || s > 59) return null;
  let offsetMin = 0;
  if (off !== 'Z') {
    const oh = Number(off!.slice(1, 3)), om = Number(off!.slice(4, 6));
    if (oh > 14 || om > 59) return null;
    offsetMin = (off![0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = frac === undefined ? 0 : Math.floor(Number('0.' + frac) * 1000);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/** The local (UTC+7) day number of an instant given in epoch milliseconds. */
export function localDayOfInstant(epochMs: number): number {
  return Math.floor((epochMs + LOCAL_OFFSET_MINUTES * 60_000) / MS_PER_DAY);
}

/** The local day of an ISO timestamp; throws on invalid input (validated upstream by the schema). */
export function localDay(isoTimestamp: string): number {
  const t = parseInstant(isoTimestamp);
  if (t === null) throw new RangeError(`not an ISO-8601 timestamp with offset: ${isoTimestamp}`);
  return localDayOfInstant(t);
}

/** The calendar year of a day number. */
export function yearOfDay(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Day number of 31 December of a year. */
export function endOfYear(year: number): number {
  return civilDay(year, 12, 31)!;
}

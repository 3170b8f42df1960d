/**
 * Calendar arithmetic for dvk. All local dates are Asia/Ho_Chi_Minh: UTC+07:00, no daylight
 * saving (RULEBOOK.md §1). A "day" is a whole number of days since 1970-01-01 (local), so that
 * comparing and subtracting dates is integer arithmetic. No clock is ever read here.
 */
export const LOCAL_OFFSET_MINUTES = 7 * 60;
const MS_PER_DAY = 86_400_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): integer
 * arithmetic only, no Date object.
 */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The calendar date of a day number (H. Hinnant's civil_from_days). */
export function civilFromDay(day: number): { y: number; m: number; d: number } {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

/** Days since the epoch of a calendar date, or null if it is not a real date. */
export function civilDay(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

/** Parses `YYYY-MM-DD` to a day number; null when malformed or not a real date. */
export function parseDate(text: string): number | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  return civilDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

const digit = (s: string, i: number): number => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};
/** Two digits at i as a number, or -1. */
const two = (s: string, i: number): number => {
  const a = digit(s, i), b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
};

/**
 * Parses an ISO-8601 timestamp with offset (`YYYY-MM-DDTHH:MM[:SS[.fraction]](Z|±HH:MM)`) to epoch
 * milliseconds; null when invalid. Hand-written over character codes: it runs for every event
 * on import and replay. (Same grammar as DATETIME_RE, which documents it.)
 */
export function parseInstant(text: string): number | null {
  const n = text.length;
  if (n < 17 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return null;
  const y1 = two(text, 0), y2 = two(text, 2), mo = two(text, 5), d = two(text, 8), h = two(text, 11), mi = two(text, 14);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || h < 0 || mi < 0) return null;
  const y = y1 * 100 + y2;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (text.charCodeAt(i) === 58) {
    sec = two(text, i + 1);
    if (sec < 0) return null;
    i += 3;
    if (text.charCodeAt(i) === 46) {
      i++;
      const start = i;
      let frac = 0;
      let scale = 100;
      while (i < n && digit(text, i) >= 0) {
        if (i - start < 3) frac += digit(text, i) * scale;
        scale /= 10;
        i++;
      }
      const len = i - start;
      if (len < 1 || len > 9) return null;
      ms = frac;
    }
  }
  let offsetMin = 0;
  const c = text.charCodeAt(i);
  if (c === 90 /* Z */) {
    if (i + 1 !== n) return null;
  } else if (c === 43 /* + */ || c === 45 /* - */) {
    if (i + 6 !== n || text.charCodeAt(i + 3) !== 58) return null;
    const oh = two(text, i + 1), om = two(text, i + 4);
    if (oh < 0 || om < 0 || oh > 14 || om > 59) return null;
    offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + om);
  } else return null;
  if (civilDay(y, mo, d) === null || h > 23 || mi > 59 || sec > 59) return null;
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi - offsetMin) * 60 + sec) * 1000 + ms;
}

/** The grammar parseInstant implements, as a regular expression (for documentation and tests). */
export const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/;

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
  return civilFromDay(day).y;
}

const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
/** `YYYY-MM-DD` of a day number. */
export function formatDay(day: number): string {
  const { y, m, d } = civilFromDay(day);
  return `${y}-${p2(m)}-${p2(d)}`;
}

/** Day number of 31 December of a year. */
export function endOfYear(year: number): number {
  return civilDay(year, 12, 31)!;
}

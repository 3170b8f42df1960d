import { civilFromDay } from '@dvk/contracts';
/**
 * Local time (Asia/Ho_Chi_Minh, UTC+07:00, no daylight saving) for the generator. Instants are
 * epoch milliseconds; "days" are local day numbers since 1970-01-01, as in @dvk/contracts.
 */
const OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** The local day number of a calendar date. */
export function dayOf(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY_MS);
}

/** The instant of a local day at hh:mm:ss (local). */
export function at(day: number, hh: number, mm = 0, ss = 0): number {
  return day * DAY_MS + ((hh * 60 + mm) * 60 + ss) * 1000 - OFFSET_MS;
}

/** The local day of an instant. */
export function localDayOf(t: number): number {
  return Math.floor((t + OFFSET_MS) / DAY_MS);
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

/** Civil date of a day number (the contracts' calendar arithmetic, without Date objects). */
function civil(day: number): [number, number, number] {
  const { y, m, d } = civilFromDay(day);
  return [y, m, d];
}

/** `YYYY-MM-DDTHH:MM:SS` of an instant shifted by `shift` ms (whole seconds). */
function fmtWall(t: number, shift: number): string {
  const ms = t + shift;
  const day = Math.floor(ms / DAY_MS);
  const secs = Math.floor((ms - day * DAY_MS) / 1000);
  const [y, m, d] = civil(day);
  return `${y}-${pad2(m)}-${pad2(d)}T${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`;
}

/** `YYYY-MM-DDTHH:MM:SS+07:00`: how every generated timestamp is written, unless UTC is wanted. */
export function fmtLocal(t: number): string {
  return fmtWall(t, OFFSET_MS) + '+07:00';
}

/** `YYYY-MM-DDTHH:MM:SSZ`: the same instant written in UTC (used to exercise midnight crossings). */
export function fmtUtc(t: number): string {
  return fmtWall(t, 0) + 'Z';
}

/** `YYYY-MM-DD` of a local day number. */
export function fmtDay(day: number): string {
  const [y, m, d] = civil(day);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** The calendar year of a local day number. */
export function yearOf(day: number): number {
  return civil(day)[0];
}

/** Number of days in month m (1–12) of year y. */
export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** Contest years of the plan: every 3 years from 2017. */
export function isContestYear(y: number): boolean {
  return y >= 2017 && (y - 2017) % 3 === 0;
}

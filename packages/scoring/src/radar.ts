import { civilDay, endOfYear, formatDay, localDay, localDayOfInstant, msg, parseInstant, yearOfDay, type Msg, type Tier } from '@dvk/contracts';
import { buildContext, roll, type Context } from './context.js';
import type { GroupSpec, Rulebook } from './rulebook.js';
import { modelsOwnedAtEndOf, reportingDeadline, scoreUnitYear, type Scorecard } from './score.js';
import type { ScoringState, UnitFacts } from './state.js';
import { dueDay, morningOf, openCases, openMonths, stateAsOf, type Hypothetical } from './steer.js';

/**
 * The deadline radar: as of a day (local, UTC+07:00), per unit, what is due and not done — the
 * monthly reports due and not received, the open cases with their deadline, the hotspots
 * reported and not resolved — and the units whose tier or title is at risk at their present
 * pace. Everything is read from the log as of that day (see `stateAsOf`).
 *
 * Days left count today: a deadline today is "1 day left", yesterday's is "1 day overdue"
 * (docs/rulebook-decisions.md).
 */
export type RadarKind = 'report' | 'case' | 'hotspot' | 'risk';
export type RadarStatus = 'due' | 'overdue' | 'open' | 'at_risk';

export interface RadarItem {
  unitId: string;
  kind: RadarKind;
  /** What the item is about, stable across days: `report:2020-04`, `case:<caseId>`, `hotspot:<id>`, `risk:tier:2020`, `risk:dan_van_kheo:2020`. */
  ref: string;
  year: number;
  /** The last day (YYYY-MM-DD) it can be done on time, when there is one. */
  deadline: string | null;
  /** Days left, today included (≥ 1), or null when overdue or without a deadline. */
  daysLeft: number | null;
  /** Days past the deadline (≥ 1), or null. */
  daysOverdue: number | null;
  status: RadarStatus;
  message: Msg;
}

export interface RadarOptions {
  /** Report deadlines further away than this are not listed yet, nor those missed longer ago (default 31 days). */
  horizonDays?: number;
  /** Only these units (e.g. a commune and the units under it). */
  units?: ReadonlySet<string>;
}

const HORIZON = 31;

/**
 * The radar as of a day. `rulebookFor` gives each year's rulebook. Lists the open year of the day
 * and, until it is closed, the year before (its December report is due in January).
 */
export function radar(full: ScoringState, rulebookFor: (year: number) => Rulebook, day: number, opts: RadarOptions = {}): RadarItem[] {
  const s = stateAsOf(full, day);
  const ctx = buildContext(s);
  const horizon = opts.horizonDays ?? HORIZON;
  const y = yearOfDay(day);
  const years = [y - 1, y].filter((yy) => yy >= 2016 && !s.closures.some((c) => c.year === yy));
  const out: RadarItem[] = [];
  const seenCases = new Set<string>();
  for (const year of years) {
    const rb = rulebookFor(year);
    const owned = modelsOwnedAtEndOf(ctx, year);
    for (const id of roll(ctx, year)) {
      if (opts.units && !opts.units.has(id)) continue;
      const u = s.units.get(id)!;
      const kind = ctx.reg.get(id)!.kind;
      const group = rb.groupOfKind[kind];
      // Reports: the groups with a reporting criterion (K7 also counts units without a card).
      if (group?.criteria.some((c) => c.source.type === 'reporting')) out.push(...reportItems(u, year, reportingDeadline(group), day, horizon));
      // Cases: of any year received, still open (a case does not stop being open at New Year).
      if (group) {
        const cc = group.criteria.find((c) => c.source.type === 'cases');
        if (cc && cc.source.type === 'cases') for (const it of caseItems(u, cc.source.deadlineDays, day)) if (!seenCases.has(`${id}\u0000${it.ref}`)) (seenCases.add(`${id}\u0000${it.ref}`), out.push(it));
      }
      if (year === y) out.push(...hotspotItems(u, day));
      if (year === y && group && rb.listOfKind[kind]) out.push(...riskItems(ctx, rb, u, year, day, owned.get(id) ?? []));
    }
  }
  return out.sort(byUrgency);
}

/** Overdue first (longest overdue first), then by days left, then unit and ref. */
function byUrgency(a: RadarItem, b: RadarItem): number {
  const ka = a.daysOverdue !== null ? -a.daysOverdue : a.daysLeft ?? Number.MAX_SAFE_INTEGER;
  const kb = b.daysOverdue !== null ? -b.daysOverdue : b.daysLeft ?? Number.MAX_SAFE_INTEGER;
  if (ka !== kb) return ka - kb;
  if (a.unitId !== b.unitId) return a.unitId < b.unitId ? -1 : 1;
  return a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0;
}

const left = (deadline: number, day: number) => (deadline >= day ? { daysLeft: deadline - day + 1, daysOverdue: null } : { daysLeft: null, daysOverdue: day - deadline });

function reportItems(u: UnitFacts, year: number, deadlineDay: number, day: number, horizon: number): RadarItem[] {
  const out: RadarItem[] = [];
  const has = new Set<number>();
  for (let i = 0; i < u.reports.length; i += 4) if (u.reports[i + 1] === year) has.add(u.reports[i + 2]!);
  for (let m = 1; m <= 12; m++) {
    if (has.has(m)) continue;
    const start = civilDay(year, m, 1)!;
    const due = dueDay(year, m, deadlineDay);
    // Listed from the month's first day while its deadline is within the horizon, and until it is
    // a horizon past (a report that late earns nothing any more; the missed-deadline alert was given).
    if (start > day || due - day >= horizon || day - due > horizon) continue;
    const l = left(due, day);
    const ref = `report:${year}-${String(m).padStart(2, '0')}`;
    out.push({
      unitId: u.id,
      kind: 'report',
      ref,
      year,
      deadline: formatDay(due),
      ...l,
      status: l.daysOverdue === null ? 'due' : 'overdue',
      message:
        l.daysOverdue === null
          ? msg('radar.report.due', { month: m, year, due: formatDay(due), daysLeft: l.daysLeft! })
          : msg('radar.report.overdue', { month: m, year, due: formatDay(due), daysOverdue: l.daysOverdue }),
    });
  }
  return out;
}

function caseItems(u: UnitFacts, deadlineDays: Record<string, number>, day: number): RadarItem[] {
  const out: RadarItem[] = [];
  for (const caseId of Object.keys(u.cases).sort()) {
    const k = u.cases[caseId]!;
    const first = k.recv[0];
    if (!first) continue;
    if (k.res.some((r) => r.day >= first.day)) continue; // resolved (on time or late): nothing more to do
    const due = first.day + deadlineDays[first.cat]!;
    const l = left(due, day);
    out.push({
      unitId: u.id,
      kind: 'case',
      ref: `case:${caseId}`,
      year: yearOfDay(first.day),
      deadline: formatDay(due),
      ...l,
      status: l.daysOverdue === null ? 'open' : 'overdue',
      message:
        l.daysOverdue === null
          ? msg('radar.case.open', { caseId, category: first.cat, received: formatDay(first.day), due: formatDay(due), daysLeft: l.daysLeft! })
          : msg('radar.case.overdue', { caseId, category: first.cat, received: formatDay(first.day), due: formatDay(due), daysOverdue: l.daysOverdue }),
    });
  }
  return out;
}

function hotspotItems(u: UnitFacts, day: number): RadarItem[] {
  const resolved = new Set(u.hotspotResolutions.map((r) => r.id));
  const out: RadarItem[] = [];
  const seen = new Set<string>();
  for (const h of u.hotspots) {
    if (resolved.has(h.id) || seen.has(h.id)) continue;
    seen.add(h.id);
    out.push({
      unitId: u.id,
      kind: 'hotspot',
      ref: `hotspot:${h.id}`,
      year: yearOfDay(h.day),
      deadline: null,
      daysLeft: null,
      daysOverdue: null,
      status: 'open',
      message: msg('radar.hotspot.open', { hotspotId: h.id, reported: formatDay(h.day), days: day - h.day }),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// At risk: the year at the unit's present pace, against the year if it meets every deadline left.

/**
 * The facts a unit would add by the end of the year at its present pace: of the reports still to
 * come, as many (rounded down) as its share of reports on time among those already due; of its
 * open cases, as many as its share of cases resolved on time among those decided. A unit with
 * nothing decided yet is taken to keep every deadline.
 */
export function paceFacts(u: UnitFacts, group: GroupSpec, year: number, day: number): { pace: Hypothetical[]; all: Hypothetical[] } {
  const pace: Hypothetical[] = [];
  const all: Hypothetical[] = [];
  for (const c of group.criteria) {
    if (c.source.type === 'reporting') {
      const dl = c.source.deadlineDayOfNextMonth;
      const open = openMonths(u, year, dl, day);
      let due = 0;
      let onTime = 0;
      const earliest = new Map<number, number>();
      for (let i = 0; i < u.reports.length; i += 4) {
        if (u.reports[i + 1] !== year) continue;
        const m = u.reports[i + 2]!;
        const at = u.reports[i + 3]!;
        if (!earliest.has(m) || at < earliest.get(m)!) earliest.set(m, at);
      }
      for (let m = 1; m <= 12; m++) {
        const d = dueDay(year, m, dl);
        if (d >= day) continue; // not due yet
        due++;
        const at = earliest.get(m);
        if (at !== undefined && localDayOfInstant(at) <= d) onTime++;
      }
      const k = due === 0 ? open.length : Math.floor((onTime * open.length) / due);
      const facts = open.map((m) => ({
        type: 'MonthlyReportSubmitted' as const,
        data: { unitId: u.id, year, month: m.month, submittedAt: morningOf(Math.max(day, m.month === 12 ? civilDay(year + 1, 1, 1)! : civilDay(year, m.month + 1, 1)!)) },
      }));
      pace.push(...facts.slice(0, k));
      all.push(...facts);
    } else if (c.source.type === 'cases') {
      const dd = c.source.deadlineDays;
      const open = openCases(u, year, dd, day);
      let decided = 0;
      let onTime = 0;
      for (const caseId of Object.keys(u.cases)) {
        const kk = u.cases[caseId]!;
        const first = kk.recv[0];
        if (!first || yearOfDay(first.day) !== year) continue;
        const limit = dd[first.cat]!;
        const hit = kk.res.some((r) => r.day - first.day >= 0 && r.day - first.day <= limit);
        if (hit || first.day + limit < day) decided++;
        if (hit) onTime++;
      }
      const k = decided === 0 ? open.length : Math.floor((onTime * open.length) / decided);
      const facts = open.map((o) => ({ type: 'ComplaintResolved' as const, data: { unitId: u.id, caseId: o.caseId, resolvedAt: morningOf(Math.max(day, o.received)) } }));
      pace.push(...facts.slice(0, k));
      all.push(...facts);
    }
  }
  return { pace, all };
}

/** A unit's facts with hypothetical events added (positions after every real one). */
export function withFacts(u: UnitFacts, facts: readonly Hypothetical[], firstPosition: number): UnitFacts {
  const x: UnitFacts = { ...u, reports: [...u.reports], cases: Object.fromEntries(Object.entries(u.cases).map(([k, c]) => [k, { recv: [...c.recv], res: [...c.res] }])) };
  let p = firstPosition;
  for (const f of facts) {
    p++;
    if (f.type === 'MonthlyReportSubmitted') {
      const d = f.data as Hypothetical<'MonthlyReportSubmitted'>['data'];
      x.reports.push(p, d.year, d.month, parseInstant(d.submittedAt)!);
    } else if (f.type === 'ComplaintResolved') {
      const d = f.data as Hypothetical<'ComplaintResolved'>['data'];
      (x.cases[d.caseId] ??= { recv: [], res: [] }).res.push({ p, day: localDay(d.resolvedAt) });
    }
  }
  return x;
}

function riskItems(ctx: Context, rb: Rulebook, u: UnitFacts, year: number, day: number, owned: readonly string[]): RadarItem[] {
  if (day > endOfYear(year) + 31) return [];
  const group = rb.groupOfKind[ctx.reg.get(u.id)!.kind]!;
  const { pace, all } = paceFacts(u, group, year, day);
  if (all.length === 0) return [];
  const first = ctx.state.position;
  const atPace = scoreUnitYear(ctx, rb, withFacts(u, pace, first), year, owned);
  const best = scoreUnitYear(ctx, rb, withFacts(u, all, first), year, owned);
  const out: RadarItem[] = [];
  const base = { unitId: u.id, kind: 'risk' as const, year, deadline: formatDay(endOfYear(year)), daysLeft: null, daysOverdue: null, status: 'at_risk' as const };
  const tierRank = (c: Scorecard): number => (c.tier && group.tiers ? group.tiers.levels.findIndex((l) => l.id === c.tier) : Number.MAX_SAFE_INTEGER);
  if (group.tiers && atPace.complete && best.tier && tierRank(best) < tierRank(atPace))
    out.push({ ...base, ref: `risk:tier:${year}:${atPace.tier}`, message: msg('radar.risk.tier', { year, pace: atPace.tier as Tier, best: best.tier, paceTotal: atPace.totalH, bestTotal: best.totalH }) });
  const t = rb.file.titles.danVanKheo;
  if (t.list === rb.listOfKind[ctx.reg.get(u.id)!.kind]?.id && atPace.complete && !(t.requireNoVeto && atPace.vetoes.length)) {
    const minH = Math.round(t.minTotal * 100);
    if (atPace.totalH < minH && best.totalH >= minH)
      out.push({ ...base, ref: `risk:dan_van_kheo:${year}`, message: msg('radar.risk.title', { year, title: 'dan_van_kheo', paceTotal: atPace.totalH, bestTotal: best.totalH, need: minH }) });
  }
  return out;
}

/**
 * Alerts of a radar: one when a deadline comes within `withinDays` (today included) and one when
 * it is missed, each with an id derived from the facts (unit, item, deadline, stage) so that
 * publishing the same alert again (a restart, a rebuild) is recognisable as the same alert.
 */
export interface Alert {
  id: string;
  unitId: string;
  stage: 'due_soon' | 'missed' | 'at_risk' | 'open';
  item: RadarItem;
}
export function alertsOf(items: readonly RadarItem[], withinDays: number): Alert[] {
  const out: Alert[] = [];
  for (const it of items) {
    let stage: Alert['stage'] | null = null;
    if (it.daysOverdue !== null) stage = 'missed';
    else if (it.daysLeft !== null) stage = it.daysLeft <= withinDays ? 'due_soon' : null;
    else stage = it.status === 'at_risk' ? 'at_risk' : 'open';
    if (!stage) continue;
    out.push({ id: `${it.unitId}|${it.ref}|${it.deadline ?? '-'}|${stage}`, unitId: it.unitId, stage, item: it });
  }
  return out;
}

import { civilDay, civilFromDay, endOfYear, localDayOfInstant, yearOfDay, type Tier, type UnitKind } from '@dvk/contracts';
import { nameAt, ownerAtEndOf, type Context } from './context.js';
import type { CriterionSpec, GroupSpec, Hundredths, ListSpec, Rulebook } from './rulebook.js';
import { LEVEL_RANK, PRIZE_RANK, type Pos, type UnitFacts } from './state.js';

/**
 * The scoresheet of one unit for one year (RULEBOOK.md §3), every figure with the rule that
 * produced it and the events (log positions) behind it, including those that were superseded,
 * retracted or rejected, and why.
 */

export interface EventNote {
  p: Pos;
  /** Why this event counts, or why it does not. */
  note: string;
}

export interface CriterionScore {
  id: string;
  name: string;
  source: CriterionSpec['source']['type'];
  maxH: Hundredths;
  /** null: no official assessment, so the scoresheet is incomplete. */
  pointsH: Hundredths | null;
  rule: string;
  computation: string;
  used: EventNote[];
  ignored: EventNote[];
}

export interface Scorecard {
  unitId: string;
  year: number;
  kind: UnitKind;
  name: string;
  group: GroupSpec;
  list: ListSpec;
  complete: boolean;
  missing: string[];
  criteria: CriterionScore[];
  bonusH: Hundredths;
  bonus: { rule: string; used: EventNote[]; ignored: EventNote[] };
  totalH: Hundredths;
  totalRule: string;
  vetoes: { id: 'hotspot' | 'discipline'; events: EventNote[] }[];
  tier: Tier | null;
  tierRule: string;
  /** Reporting: months 1..12 on time (used by K7). */
  monthsOnTime: number;
}

/** round half up of a/b to an integer, for a, b ≥ 0 (b > 0). */
export function roundHalfUp(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

/** Points in hundredths as a short decimal: 1750 → "17.5", 1625 → "16.25", 2000 → "20". */
export const fmtH = (h: Hundredths): string => {
  if (h < 0) return '-' + fmtH(-h);
  const i = Math.floor(h / 100);
  const f = h - i * 100;
  return f === 0 ? String(i) : f % 10 === 0 ? `${i}.${f / 10}` : `${i}.${f < 10 ? '0' : ''}${f}`;
};
const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
const fmtDay = (day: number): string => {
  const { y, m, d } = civilFromDay(day);
  return `${pad2(d)}/${pad2(m)}/${y}`;
};

/** Computes the scoresheet of a unit on the roll of `year`. The unit must be registered and of a scored kind. */
export function scoreUnitYear(ctx: Context, rb: Rulebook, u: UnitFacts, year: number, modelsOwned: readonly string[]): Scorecard {
  const reg = ctx.reg.get(u.id)!;
  const group = rb.groupOfKind[reg.kind]!;
  const list = rb.listOfKind[reg.kind]!;
  const retracted = retractedIds(u);
  let monthsOnTime: number | null = null;
  const criteria: CriterionScore[] = group.criteria.map((c) => {
    switch (c.source.type) {
      case 'assessed':
        return assessed(u, year, c, group, retracted);
      case 'reporting': {
        const r = reporting(u, year, c, c.source.deadlineDayOfNextMonth);
        monthsOnTime ??= r.onTime;
        return r.score;
      }
      case 'cases':
        return cases(u, year, c, c.source.deadlineDays);
      case 'dialogues':
        return dialogues(u, year, c, c.source.steps);
      case 'models':
        return modelsCriterion(ctx, year, c, c.source.levelPointsH, modelsOwned);
    }
  });
  const missing = criteria.filter((c) => c.pointsH === null).map((c) => c.id);
  const complete = missing.length === 0;

  // Bonus: the highest contest prize for (U, Y).
  const prizes = u.prizes.filter((x) => x.year === year);
  let best: (typeof prizes)[number] | null = null;
  for (const x of prizes) if (!best || PRIZE_RANK[x.prize] < PRIZE_RANK[best.prize]) best = x;
  const bonusH = best ? rb.prizeH[best.prize] : 0;
  const bonus = {
    rule: 'RULEBOOK §3 bonus: a ContestPrizeAwarded for (U, Y) adds its prize points; with several, the highest counts',
    used: best ? [{ p: best.p, note: `${best.prize} prize: +${fmtH(bonusH)}` }] : [],
    ignored: prizes.filter((x) => x !== best).map((x) => ({ p: x.p, note: `${x.prize} prize: a higher prize counts instead` })),
  };

  const sumH = criteria.reduce((s, c) => s + (c.pointsH ?? 0), 0);
  const totalH = Math.min(rb.totalCapH, sumH + bonusH);
  const totalRule =
    `Σ criteria ${fmtH(sumH)} + bonus ${fmtH(bonusH)}` +
    (sumH + bonusH > rb.totalCapH ? ` = ${fmtH(sumH + bonusH)}, capped at ${fmtH(rb.totalCapH)}` : ` = ${fmtH(totalH)}`) +
    (complete ? '' : ` (incomplete: ${missing.join(', ')} not assessed — "Chưa đánh giá")`);

  const vetoes: Scorecard['vetoes'] = [];
  if (rb.vetoes.has('hotspot')) {
    const hs = u.hotspots.filter((h) => yearOfDay(h.day) === year);
    if (hs.length) vetoes.push({ id: 'hotspot', events: hs.map((h) => ({ p: h.p, note: `hotspot ${h.id} reported on ${fmtDay(h.day)}` })) });
  }
  if (rb.vetoes.has('discipline')) {
    const ds = u.disciplines.filter((d) => d.year === year);
    if (ds.length) vetoes.push({ id: 'discipline', events: ds.map((d) => ({ p: d.p, note: `discipline imposed for ${year}` })) });
  }

  let tier: Tier | null = null;
  let tierRule = group.tiers ? 'no tier: the scoresheet is incomplete' : `kind ${reg.kind} has no tiers in this rulebook`;
  if (group.tiers && complete) {
    const levels = group.tiers.levels;
    let i = levels.findIndex((l) => totalH >= l.minH);
    tierRule = `total ${fmtH(totalH)} ≥ ${fmtH(levels[i]!.minH)} → ${levels[i]!.id} "${levels[i]!.label}"`;
    if (vetoes.length > 0) {
      const cap = levels.findIndex((l) => l.id === group.tiers!.vetoCap);
      if (i < cap) {
        i = cap;
        tierRule += `; veto (${vetoes.map((v) => v.id).join(', ')}) caps the tier at ${levels[cap]!.id} "${levels[cap]!.label}"`;
      }
    }
    tier = levels[i]!.id;
  }

  monthsOnTime ??= reporting(u, year, null, reportingDeadline(group)).onTime;
  return {
    unitId: u.id,
    year,
    kind: reg.kind,
    name: nameAt(ctx, u, year),
    group,
    list,
    complete,
    missing,
    criteria,
    bonusH,
    bonus,
    totalH,
    totalRule,
    vetoes,
    tier,
    tierRule,
    monthsOnTime,
  };
}

/** The day of the following month a report is due by, from the group's reporting criterion (default 5). */
export function reportingDeadline(group: GroupSpec | undefined): number {
  const c = group?.criteria.find((x) => x.source.type === 'reporting');
  return c && c.source.type === 'reporting' ? c.source.deadlineDayOfNextMonth : 5;
}

/** Ids of assessments retracted by a retraction in the same stream. */
export function retractedIds(u: UnitFacts): Map<string, Pos> {
  const out = new Map<string, Pos>();
  if (u.retractions.length === 0) return out;
  const ids = new Set(u.assessments.map((a) => a.id));
  for (const r of u.retractions) if (ids.has(r.target) && !out.has(r.target)) out.set(r.target, r.p);
  return out;
}

function assessed(u: UnitFacts, year: number, c: CriterionSpec, group: GroupSpec, retracted: Map<string, Pos>): CriterionScore {
  const rule = `RULEBOOK §3 assessed: the latest official CriterionAssessed for (U, ${year}, ${c.id}) in stream order, ignoring retracted ones; self-assessments are shown, never scored`;
  const used: EventNote[] = [];
  const ignored: EventNote[] = [];
  let chosen: { p: Pos; h: number } | null = null;
  const mine = u.assessments.filter((a) => a.year === year && a.criterion === c.id);
  for (let i = mine.length - 1; i >= 0; i--) {
    const a = mine[i]!;
    if (!a.official) ignored.push({ p: a.p, note: `self-assessment ${fmtH(a.h)}: shown, never scored` });
    else if (a.h > c.maxH) ignored.push({ p: a.p, note: `rejected: ${fmtH(a.h)} points above the maximum ${fmtH(c.maxH)}` });
    else if (retracted.has(a.id)) ignored.push({ p: a.p, note: `official ${fmtH(a.h)}: retracted by the event at position ${retracted.get(a.id)}` });
    else if (chosen) ignored.push({ p: a.p, note: `official ${fmtH(a.h)}: superseded by a later official assessment` });
    else {
      chosen = a;
      used.push({ p: a.p, note: `official ${fmtH(a.h)}: the latest valid official assessment` });
    }
  }
  ignored.reverse();
  void group;
  return {
    id: c.id,
    name: c.name,
    source: 'assessed',
    maxH: c.maxH,
    pointsH: chosen ? chosen.h : null,
    rule,
    computation: chosen ? `${fmtH(chosen.h)} / ${fmtH(c.maxH)}` : 'no official assessment: missing, the scoresheet is incomplete',
    used,
    ignored,
  };
}

/** Reporting: a month is on time when its earliest report was submitted by the deadline day of the next month. */
export function reporting(u: UnitFacts, year: number, c: CriterionSpec | null, deadlineDay: number): { score: CriterionScore; onTime: number } {
  const used: EventNote[] = [];
  const ignored: EventNote[] = [];
  const earliest: ({ p: Pos; at: number } | undefined)[] = new Array(13);
  const all: { p: Pos; month: number; at: number }[] = [];
  const rs = u.reports;
  for (let i = 0; i < rs.length; i += 4) if (rs[i + 1] === year) all.push({ p: rs[i]!, month: rs[i + 2]!, at: rs[i + 3]! });
  for (const r of all) {
    const e = earliest[r.month];
    if (!e || r.at < e.at || (r.at === e.at && r.p < e.p)) earliest[r.month] = r;
  }
  let onTime = 0;
  const months: string[] = [];
  for (let m = 1; m <= 12; m++) {
    const e = earliest[m];
    const due = m === 12 ? civilDay(year + 1, 1, deadlineDay)! : civilDay(year, m + 1, deadlineDay)!;
    if (!e) {
      months.push(`${m}: none`);
      continue;
    }
    const day = localDayOfInstant(e.at);
    const ok = day <= due;
    if (ok) onTime++;
    months.push(`${m}: ${ok ? 'on time' : 'late'}`);
    if (c) used.push({ p: e.p, note: `month ${m}: first submitted ${fmtDay(day)}, due ${fmtDay(due)} → ${ok ? 'on time' : 'late'}` });
  }
  if (c) for (const r of all) if (earliest[r.month] !== r) ignored.push({ p: r.p, note: `month ${r.month}: not the earliest report of the month` });
  const maxH = c?.maxH ?? 0;
  const pointsH = roundHalfUp(maxH * onTime, 12);
  return {
    onTime,
    score: {
      id: c?.id ?? '',
      name: c?.name ?? '',
      source: 'reporting',
      maxH,
      pointsH,
      rule: `RULEBOOK §3 reporting: a month of ${year} is on time when its earliest MonthlyReportSubmitted was submitted on or before day ${deadlineDay} of the next month (local date); points = max × months on time / 12`,
      computation: `${fmtH(maxH)} × ${onTime} / 12 = ${fmtH(pointsH)} (${months.join(', ')})`,
      used: used.sort((a, b) => a.p - b.p),
      ignored: ignored.sort((a, b) => a.p - b.p),
    },
  };
}

function cases(u: UnitFacts, year: number, c: CriterionSpec, deadlineDays: Record<string, number>): CriterionScore {
  const used: EventNote[] = [];
  const ignored: EventNote[] = [];
  let received = 0;
  let onTime = 0;
  for (const caseId of Object.keys(u.cases).sort()) {
    const k = u.cases[caseId]!;
    const first = k.recv[0];
    if (!first || yearOfDay(first.day) !== year) continue;
    received++;
    const limit = deadlineDays[first.cat]!;
    let hit: { p: Pos; day: number } | null = null;
    for (const r of k.res) {
      const diff = r.day - first.day;
      if (diff >= 0 && diff <= limit) {
        if (!hit) hit = r;
      } else
        ignored.push({
          p: r.p,
          note:
            diff < 0
              ? `case ${caseId}: resolution dated ${fmtDay(r.day)}, before the case was received (${fmtDay(first.day)})`
              : `case ${caseId}: resolved ${diff} days after receipt, more than ${limit}`,
        });
    }
    if (hit) onTime++;
    used.push({
      p: first.p,
      note: `case ${caseId} (${first.cat}) received ${fmtDay(first.day)}: ${hit ? `resolved within ${limit} days → on time` : k.res.length ? 'not resolved in time' : 'unresolved → not on time'}`,
    });
    if (hit) used.push({ p: hit.p, note: `case ${caseId}: resolved ${fmtDay(hit.day)}, ${hit.day - first.day} days after receipt` });
    for (const r of k.res) if (r !== hit && !ignored.some((x) => x.p === r.p)) ignored.push({ p: r.p, note: `case ${caseId}: an earlier resolution already counts` });
  }
  const pointsH = received === 0 ? c.maxH : roundHalfUp(c.maxH * onTime, received);
  return {
    id: c.id,
    name: c.name,
    source: 'cases',
    maxH: c.maxH,
    pointsH,
    rule: `RULEBOOK §3 cases: cases received in ${year} (local date); on time when resolved at most ${deadlineDays.complaint} days (complaint, denunciation) or ${deadlineDays.petition} days (petition) after receipt; points = max × on time / received, max when none received`,
    computation: received === 0 ? `no case received in ${year} → ${fmtH(c.maxH)}` : `${fmtH(c.maxH)} × ${onTime} / ${received} = ${fmtH(pointsH)}`,
    used: used.sort((a, b) => a.p - b.p),
    ignored: ignored.sort((a, b) => a.p - b.p),
  };
}

function dialogues(u: UnitFacts, year: number, c: CriterionSpec, steps: { atLeast: number; pointsH: Hundredths }[]): CriterionScore {
  const held = u.dialogues.filter((d) => yearOfDay(d.day) === year);
  const step = steps.find((s) => held.length >= s.atLeast);
  const pointsH = Math.min(c.maxH, step ? step.pointsH : 0);
  return {
    id: c.id,
    name: c.name,
    source: 'dialogues',
    maxH: c.maxH,
    pointsH,
    rule: `RULEBOOK §3 dialogues: DialogueHeld of U in ${year}: ${steps.map((s) => `${s.atLeast} or more → ${fmtH(s.pointsH)}`).join(', ')}, none → 0`,
    computation: `${held.length} dialogue(s) → ${fmtH(pointsH)}`,
    used: held.map((d) => ({ p: d.p, note: `dialogue held ${fmtDay(d.day)}` })),
    ignored: [],
  };
}

/** Models a unit owns at the end of a year (after merges), computed for all units at once. */
export function modelsOwnedAtEndOf(ctx: Context, year: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const eoy = endOfYear(year);
  for (const [id, m] of ctx.models) {
    // Owned at the end of the year: registered (local date) on or before 31 December.
    if (!m.reg || m.reg.day > eoy) continue;
    const owner = ownerAtEndOf(ctx, m.reg.unit, year);
    let l = out.get(owner);
    if (!l) out.set(owner, (l = []));
    l.push(id);
  }
  // Sorted, and copied to their size: a list grown by push has room for 17 (a streaming rebuild holds every year's).
  for (const [owner, l] of out) out.set(owner, l.sort().slice());
  return out;
}

function modelsCriterion(ctx: Context, year: number, c: CriterionSpec, levelPointsH: Record<string, Hundredths>, owned: readonly string[]): CriterionScore {
  const eoy = endOfYear(year);
  const used: EventNote[] = [];
  const ignored: EventNote[] = [];
  let sum = 0;
  const parts: string[] = [];
  for (const id of owned) {
    const m = ctx.models.get(id)!;
    const recs = m.facts.recognitions.filter((r) => r.year === year && !ctx.rejectedModelEvents.has(r.p) && ctx.reg.has(r.unit));
    if (recs.length === 0) continue;
    const revoked = m.facts.revocations.find((r) => r.day <= eoy && !ctx.rejectedModelEvents.has(r.p) && ctx.reg.has(r.unit));
    if (revoked) {
      ignored.push({ p: revoked.p, note: `model ${id}: revoked ${fmtDay(revoked.day)}, on or before 31/12/${year} → adds nothing` });
      for (const r of recs) ignored.push({ p: r.p, note: `model ${id}: recognised (${r.level}) but revoked` });
      continue;
    }
    let best = recs[0]!;
    for (const r of recs) if (LEVEL_RANK[r.level] > LEVEL_RANK[best.level]) best = r;
    const pts = levelPointsH[best.level]!;
    sum += pts;
    parts.push(`${id} ${best.level} ${fmtH(pts)}`);
    used.push({ p: m.reg!.p, note: `model ${id} "${m.reg!.title}" registered by ${m.reg!.unit}, owned at the end of ${year}` });
    used.push({ p: best.p, note: `model ${id}: recognised at ${best.level} level for ${year} → +${fmtH(pts)}` });
    for (const r of recs) if (r !== best) ignored.push({ p: r.p, note: `model ${id}: a higher level counts for ${year}` });
  }
  const pointsH = Math.min(c.maxH, sum);
  return {
    id: c.id,
    name: c.name,
    source: 'models',
    maxH: c.maxH,
    pointsH,
    rule: `RULEBOOK §3 models: each model owned at the end of ${year} with a ModelRecognized for ${year} and no ModelRevoked on or before 31/12/${year} adds ${Object.entries(levelPointsH).map(([l, h]) => `${fmtH(h)} (${l})`).join(', ')}, its highest level; capped at the maximum`,
    computation: parts.length ? `${parts.join(' + ')} = ${fmtH(sum)}${sum > c.maxH ? `, capped at ${fmtH(c.maxH)}` : ''}` : 'no recognised model → 0',
    used: used.sort((a, b) => a.p - b.p),
    ignored: ignored.sort((a, b) => a.p - b.p),
  };
}

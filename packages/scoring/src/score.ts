import { civilDay, endOfYear, formatDay, localDayOfInstant, msg, yearOfDay, type Msg, type Tier, type UnitKind } from '@dvk/contracts';
import { nameAt, ownerAtEndOf, type Context } from './context.js';
import type { CriterionSpec, GroupSpec, Hundredths, ListSpec, Rulebook } from './rulebook.js';
import type { RbText } from '@dvk/contracts';
import { LEVEL_RANK, PRIZE_RANK, type Pos, type UnitFacts } from './state.js';

/**
 * The scoresheet of one unit for one year (RULEBOOK.md §3), every figure with the rule that
 * produced it and the events (log positions) behind it, including those that were superseded,
 * retracted or rejected, and why.
 */

export interface EventNote {
  p: Pos;
  /** Why this event counts, or why it does not. */
  note: Msg;
}

export interface CriterionScore {
  id: string;
  name: RbText;
  source: CriterionSpec['source']['type'];
  maxH: Hundredths;
  /** null: no official assessment, so the scoresheet is incomplete. */
  pointsH: Hundredths | null;
  /** The rule, quoting the rulebook's wording where it has one. */
  rule: Msg;
  computation: Msg;
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
  bonus: { rule: Msg; used: EventNote[]; ignored: EventNote[] };
  totalH: Hundredths;
  /** How the total is added up (the rule is the rulebook's `rule.total`). */
  totalRule: Msg;
  vetoes: { id: 'hotspot' | 'discipline'; events: EventNote[] }[];
  tier: Tier | null;
  /** How the tier follows from the total and the vetoes. */
  tierRule: Msg;
  /** Reporting: months 1..12 on time (used by K7). */
  monthsOnTime: number;
}

/** round half up of a/b to an integer, for a, b ≥ 0 (b > 0). */
export function roundHalfUp(a: number, b: number): number {
  return Math.floor((2 * a + b) / (2 * b));
}

/** A note on the event at `p`. */
const note = (p: Pos, m: Msg): EventNote => ({ p, note: m });

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
    rule: bonusRule(rb),
    used: best ? [note(best.p, msg('note.prize.used', { prize: best.prize, points: bonusH }))] : [],
    ignored: prizes.filter((x) => x !== best).map((x) => note(x.p, msg('note.prize.lower', { prize: x.prize }))),
  };

  const sumH = criteria.reduce((s, c) => s + (c.pointsH ?? 0), 0);
  const totalH = Math.min(rb.totalCapH, sumH + bonusH);
  const totalRule = msg('calc.total', { sum: sumH, bonus: bonusH, total: totalH, uncapped: sumH + bonusH, capped: sumH + bonusH > rb.totalCapH, complete, missing });

  const vetoes: Scorecard['vetoes'] = [];
  if (rb.vetoes.has('hotspot')) {
    const hs = u.hotspots.filter((h) => yearOfDay(h.day) === year);
    if (hs.length) vetoes.push({ id: 'hotspot', events: hs.map((h) => note(h.p, msg('note.veto.hotspot', { hotspotId: h.id, reported: formatDay(h.day) }))) });
  }
  if (rb.vetoes.has('discipline')) {
    const ds = u.disciplines.filter((d) => d.year === year);
    if (ds.length) vetoes.push({ id: 'discipline', events: ds.map((d) => note(d.p, msg('note.veto.discipline', { year }))) });
  }

  let tier: Tier | null = null;
  let tierRule = group.tiers ? msg('calc.tier.incomplete', { missing }) : msg('calc.tier.no_tiers', { kind: reg.kind });
  if (group.tiers && complete) {
    const levels = group.tiers.levels;
    let i = levels.findIndex((l) => totalH >= l.minH);
    const reached = i;
    tierRule = msg('calc.tier', { total: totalH, min: levels[i]!.minH, tier: levels[i]!.id });
    if (vetoes.length > 0) {
      const cap = levels.findIndex((l) => l.id === group.tiers!.vetoCap);
      if (i < cap) {
        i = cap;
        tierRule = msg('calc.tier.capped', { total: totalH, min: levels[reached]!.minH, tier: levels[reached]!.id, vetoes: vetoes.map((v) => v.id), capTier: levels[cap]!.id });
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
  const used: EventNote[] = [];
  const ignored: EventNote[] = [];
  let chosen: { p: Pos; h: number } | null = null;
  const mine = u.assessments.filter((a) => a.year === year && a.criterion === c.id);
  for (let i = mine.length - 1; i >= 0; i--) {
    const a = mine[i]!;
    if (!a.official) ignored.push(note(a.p, msg('note.assessed.self', { points: a.h })));
    else if (a.h > c.maxH) ignored.push(note(a.p, msg('note.assessed.above_max', { points: a.h, max: c.maxH })));
    else if (retracted.has(a.id)) ignored.push(note(a.p, msg('note.assessed.retracted', { points: a.h, by: retracted.get(a.id)! })));
    else if (chosen) ignored.push(note(a.p, msg('note.assessed.superseded', { points: a.h })));
    else {
      chosen = a;
      used.push(note(a.p, msg('note.assessed.used', { points: a.h })));
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
    rule: criterionRule(c, year),
    computation: chosen ? msg('calc.assessed', { points: chosen.h, max: c.maxH }) : msg('calc.assessed.missing', {}),
    used,
    ignored,
  };
}

/** The rule of a criterion in a year: the rulebook's wording (or the catalogue's) with the rulebook's parameters. */
export function criterionRule(c: CriterionSpec, year: number): Msg {
  const text = c.rule;
  const s = c.source;
  switch (s.type) {
    case 'assessed':
      return msg('rule.assessed', { criterion: c.id, year, text });
    case 'reporting':
      return msg('rule.reporting', { year, deadlineDay: s.deadlineDayOfNextMonth, max: c.maxH, text });
    case 'cases':
      return msg('rule.cases', { year, complaintDays: s.deadlineDays.complaint, denunciationDays: s.deadlineDays.denunciation, petitionDays: s.deadlineDays.petition, max: c.maxH, text });
    case 'dialogues':
      return msg('rule.dialogues', { year, steps: s.steps.map((x) => msg('rule.dialogues.step', { atLeast: x.atLeast, points: Math.min(c.maxH, x.pointsH) })), text });
    case 'models':
      return msg('rule.models', { year, commune: s.levelPointsH.commune, district: s.levelPointsH.district, province: s.levelPointsH.province, max: c.maxH, text });
  }
}

/** The rule of the bonus. */
export function bonusRule(rb: Rulebook): Msg {
  const p = rb.prizeH;
  return msg('rule.bonus', { first: p.first, second: p.second, third: p.third, encouragement: p.encouragement, text: rb.texts.bonus });
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
  const onTimeMonths: number[] = [];
  const lateMonths: number[] = [];
  const missingMonths: number[] = [];
  for (let m = 1; m <= 12; m++) {
    const e = earliest[m];
    const due = m === 12 ? civilDay(year + 1, 1, deadlineDay)! : civilDay(year, m + 1, deadlineDay)!;
    if (!e) {
      missingMonths.push(m);
      continue;
    }
    const day = localDayOfInstant(e.at);
    const ok = day <= due;
    if (ok) (onTime++, onTimeMonths.push(m));
    else lateMonths.push(m);
    if (c) used.push(note(e.p, msg('note.report.month', { month: m, submitted: formatDay(day), due: formatDay(due), onTime: ok })));
  }
  if (c) for (const r of all) if (earliest[r.month] !== r) ignored.push(note(r.p, msg('note.report.not_earliest', { month: r.month })));
  const maxH = c?.maxH ?? 0;
  const pointsH = roundHalfUp(maxH * onTime, 12);
  return {
    onTime,
    score: {
      id: c?.id ?? '',
      name: c?.name ?? { vi: '', en: '' },
      source: 'reporting',
      maxH,
      pointsH,
      rule: c ? criterionRule(c, year) : msg('rule.reporting', { year, deadlineDay, max: 0, text: null }),
      computation: msg('calc.reporting', { max: maxH, onTime, points: pointsH, onTimeMonths, lateMonths, missingMonths }),
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
        ignored.push(
          note(
            r.p,
            diff < 0
              ? msg('note.case.resolved_before_receipt', { caseId, resolved: formatDay(r.day), received: formatDay(first.day) })
              : msg('note.case.resolved_late', { caseId, days: diff, limit }),
          ),
        );
    }
    if (hit) onTime++;
    const outcome = hit ? 'on_time' : k.res.length ? 'late' : 'unresolved';
    used.push(note(first.p, msg('note.case.received', { caseId, category: first.cat, received: formatDay(first.day), outcome, days: limit })));
    if (hit) used.push(note(hit.p, msg('note.case.resolved', { caseId, resolved: formatDay(hit.day), days: hit.day - first.day })));
    for (const r of k.res) if (r !== hit && !ignored.some((x) => x.p === r.p)) ignored.push(note(r.p, msg('note.case.earlier_resolution', { caseId })));
  }
  const pointsH = received === 0 ? c.maxH : roundHalfUp(c.maxH * onTime, received);
  return {
    id: c.id,
    name: c.name,
    source: 'cases',
    maxH: c.maxH,
    pointsH,
    rule: criterionRule(c, year),
    computation: received === 0 ? msg('calc.cases.none', { year, max: c.maxH }) : msg('calc.cases', { max: c.maxH, onTime, received, points: pointsH }),
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
    rule: criterionRule(c, year),
    computation: msg('calc.dialogues', { held: held.length, points: pointsH }),
    used: held.map((d) => note(d.p, msg('note.dialogue', { held: formatDay(d.day) }))),
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
  const parts: number[] = [];
  for (const id of owned) {
    const m = ctx.models.get(id)!;
    const recs = m.facts.recognitions.filter((r) => r.year === year && !ctx.rejectedModelEvents.has(r.p) && ctx.reg.has(r.unit));
    if (recs.length === 0) continue;
    const revoked = m.facts.revocations.find((r) => r.day <= eoy && !ctx.rejectedModelEvents.has(r.p) && ctx.reg.has(r.unit));
    if (revoked) {
      ignored.push(note(revoked.p, msg('note.model.revoked', { modelId: id, revoked: formatDay(revoked.day), year })));
      for (const r of recs) ignored.push(note(r.p, msg('note.model.recognised_but_revoked', { modelId: id, level: r.level })));
      continue;
    }
    let best = recs[0]!;
    for (const r of recs) if (LEVEL_RANK[r.level] > LEVEL_RANK[best.level]) best = r;
    const pts = levelPointsH[best.level]!;
    sum += pts;
    parts.push(pts);
    used.push(note(m.reg!.p, msg('note.model.owned', { modelId: id, title: m.reg!.title, registrant: m.reg!.unit, year })));
    used.push(note(best.p, msg('note.model.recognised', { modelId: id, level: best.level, year, points: pts })));
    for (const r of recs) if (r !== best) ignored.push(note(r.p, msg('note.model.lower_level', { modelId: id, year })));
  }
  const pointsH = Math.min(c.maxH, sum);
  return {
    id: c.id,
    name: c.name,
    source: 'models',
    maxH: c.maxH,
    pointsH,
    rule: criterionRule(c, year),
    computation: parts.length ? msg('calc.models', { parts, sum, points: pointsH, capped: sum > c.maxH }) : msg('calc.models.none', {}),
    used: used.sort((a, b) => a.p - b.p),
    ignored: ignored.sort((a, b) => a.p - b.p),
  };
}

import {
  FIRST_CONTEST_YEAR,
  civilDay,
  endOfYear,
  formatDay,
  localDayOfInstant,
  msg,
  yearOfDay,
  type EventData,
  type EventType,
  type ModelLevel,
  type Msg,
  type Prize,
  type Tier,
} from '@dvk/contracts';
import { buildContext, type Context } from './context.js';
import type { CriterionSpec, Hundredths, Rulebook } from './rulebook.js';
import { modelsOwnedAtEndOf, roundHalfUp, type Scorecard } from './score.js';
import { LEVEL_RANK, PRIZE_RANK, type ModelFacts, type ScoringState, type UnitFacts } from './state.js';
import type { RankedCard, YearEvaluation } from './year.js';

/**
 * Steering during the year, not only judging after it: what a unit still can do, as of a date,
 * for the year, and what it would bring. Everything here is computed by the scorer itself — each
 * suggestion carries the events that would do it (`facts`), and the points it promises are those
 * the core gives when those events are folded in (a property test holds it to that).
 *
 * "As of a date" (local, UTC+07:00): the dated facts of the log up to that day (reports by their
 * submission, cases by receipt and resolution, hotspots, dialogues, model registrations and
 * revocations) — a later fact is not known yet; facts without a date of their own (assessments,
 * recognitions, prizes, discipline) count as they are in the log.
 */

/** An event that would do what a suggestion says, as its type and payload (the shell adds id, source and time). */
export interface Hypothetical<T extends EventType = EventType> {
  type: T;
  data: EventData<T>;
}

/** One thing to do for one criterion (or the bonus), with the points it adds. */
export interface Step {
  /** The criterion it adds to, or null for the bonus. */
  criterion: string | null;
  what: Msg;
  /** The events that would do it. */
  facts: Hypothetical[];
  /** Points it adds to the criterion (or the bonus), in hundredths, after rounding and the criterion's maximum. */
  gainH: Hundredths;
  /** The last day it can be done on (YYYY-MM-DD), when there is one. */
  by: string | null;
  /** Ordering of equally many facts: the smaller the easier (a recognition at a lower level…). */
  effort: number;
}

/** A criterion: how far it is from its maximum, how much of that can still be gained, and the cheapest ways to gain it. */
export interface Headroom {
  criterion: string;
  source: CriterionSpec['source']['type'];
  pointsH: Hundredths | null;
  maxH: Hundredths;
  /** max − points. */
  headroomH: Hundredths;
  /** What the ladder can still add as of the date. */
  reachableH: Hundredths;
  /**
   * The ladder: for each amount it can add, the cheapest way (fewest events, then least effort),
   * amounts increasing; a gap of g points is closed, within this criterion, by the first step
   * adding at least g, and by no cheaper one.
   */
  steps: Step[];
  /** Why nothing (more) can be gained, when the ladder is empty. */
  closed: Msg | null;
}

export type TargetKind = 'tier' | 'dan_van_kheo' | 'tieu_bieu';

export interface Target {
  kind: TargetKind;
  /** For a tier target: the tier. */
  tier: Tier | null;
  /** The total it needs (hundredths). */
  needH: Hundredths;
  /** Points missing (0 when reached). */
  gapH: Hundredths;
  status: 'reached' | 'open' | 'blocked';
  /** What blocks it whatever the points (a veto, the cap, an incomplete scoresheet, a closed year…). */
  blockers: Msg[];
  /** The cheapest plan found across criteria (fewest events), when the target is open and reachable; [] otherwise. */
  plan: Step[];
  summary: Msg;
}

export interface WhatItTakes {
  unitId: string;
  year: number;
  asOf: string;
  totalH: Hundredths;
  complete: boolean;
  missing: string[];
  tier: Tier | null;
  titles: string[];
  targets: Target[];
  criteria: Headroom[];
  /** Ways to gain a bonus (a contest prize), cheapest first. */
  bonus: Step[];
}

// ---------------------------------------------------------------------------------------------
// The log as of a date.

/** The instant a local day's business starts: 08:00 UTC+07:00. */
export const morningOf = (day: number): string => `${formatDay(day)}T08:00:00+07:00`;

/** A unit's facts as known on a day: dated facts up to it. */
export function unitFactsAsOf(u: UnitFacts, day: number): UnitFacts {
  const reports: number[] = [];
  for (let i = 0; i < u.reports.length; i += 4) if (localDayOfInstant(u.reports[i + 3]!) <= day) reports.push(u.reports[i]!, u.reports[i + 1]!, u.reports[i + 2]!, u.reports[i + 3]!);
  const cases: UnitFacts['cases'] = {};
  for (const [id, c] of Object.entries(u.cases)) {
    const recv = c.recv.filter((r) => r.day <= day);
    const res = c.res.filter((r) => r.day <= day);
    if (recv.length || res.length) cases[id] = { recv, res };
  }
  return {
    ...u,
    reports,
    cases,
    hotspots: u.hotspots.filter((h) => h.day <= day),
    hotspotResolutions: u.hotspotResolutions.filter((h) => h.day <= day),
    dialogues: u.dialogues.filter((d) => d.day <= day),
  };
}

/** The state as known on a day (see the module's note); registrations, merges and dissolutions as in the log. */
export function stateAsOf(s: ScoringState, day: number): ScoringState {
  const units = new Map<string, UnitFacts>();
  for (const [id, u] of s.units) units.set(id, unitFactsAsOf(u, day));
  const models = new Map<string, ModelFacts>();
  for (const [id, m] of s.models) models.set(id, { ...m, regs: m.regs.filter((r) => r.day <= day), revocations: m.revocations.filter((r) => r.day <= day) });
  return { ...s, units, models, closures: s.closures.filter((c) => localDayOfInstant(c.at) <= day) };
}

// ---------------------------------------------------------------------------------------------
// What a unit can still gain, criterion by criterion.

interface Situation {
  ctx: Context;
  rb: Rulebook;
  u: UnitFacts;
  year: number;
  day: number;
  /** Closed as of the day: nothing more counts for it. */
  closed: boolean;
  owned: readonly string[];
  card: Scorecard;
}

/** Months of the year whose report is still to come and can still be on time, with their deadline. */
export function openMonths(u: UnitFacts, year: number, deadlineDay: number, day: number): { month: number; due: number }[] {
  const has = new Set<number>();
  for (let i = 0; i < u.reports.length; i += 4) if (u.reports[i + 1] === year) has.add(u.reports[i + 2]!);
  const out: { month: number; due: number }[] = [];
  for (let m = 1; m <= 12; m++) {
    const due = dueDay(year, m, deadlineDay);
    if (!has.has(m) && due >= day) out.push({ month: m, due });
  }
  return out;
}

/** The deadline of month m's report: day `deadlineDay` of the next month. */
export function dueDay(year: number, month: number, deadlineDay: number): number {
  return month === 12 ? civilDay(year + 1, 1, deadlineDay)! : civilDay(year, month + 1, deadlineDay)!;
}

/** Cases received in the year that are not (yet) on time and can still be: resolved by their deadline. */
export function openCases(u: UnitFacts, year: number, deadlineDays: Record<string, number>, day: number): { caseId: string; received: number; due: number }[] {
  const out: { caseId: string; received: number; due: number }[] = [];
  for (const caseId of Object.keys(u.cases).sort()) {
    const k = u.cases[caseId]!;
    const first = k.recv[0];
    if (!first || yearOfDay(first.day) !== year) continue;
    const limit = deadlineDays[first.cat]!;
    if (k.res.some((r) => r.day - first.day >= 0 && r.day - first.day <= limit)) continue;
    const due = first.day + limit;
    if (due >= day) out.push({ caseId, received: first.day, due });
  }
  return out.sort((a, b) => a.due - b.due || (a.caseId < b.caseId ? -1 : 1));
}

const pts = (h: number) => h / 100;

function assessedSteps(x: Situation, c: CriterionSpec, pointsH: Hundredths | null): Step[] {
  if (pointsH !== null && pointsH >= c.maxH) return [];
  const facts: Hypothetical[] = [
    { type: 'CriterionAssessed', data: { unitId: x.u.id, year: x.year, criterionId: c.id, points: pts(c.maxH), role: 'official', assessorId: 'ban-dan-van' } },
  ];
  const gainH = c.maxH - (pointsH ?? 0);
  const what = pointsH === null ? msg('take.assess.missing', { criterion: c.id, max: c.maxH }) : msg('take.assess', { criterion: c.id, max: c.maxH, gain: gainH });
  return [{ criterion: c.id, what, facts, gainH, by: null, effort: 0 }];
}

function reportingSteps(x: Situation, c: CriterionSpec, deadlineDay: number, onTime: number): Step[] {
  const months = openMonths(x.u, x.year, deadlineDay, x.day);
  const steps: Step[] = [];
  const base = roundHalfUp(c.maxH * onTime, 12);
  let last = 0;
  for (let k = 1; k <= months.length; k++) {
    const gainH = roundHalfUp(c.maxH * (onTime + k), 12) - base;
    if (gainH <= last) continue;
    last = gainH;
    const chosen = months.slice(0, k);
    const facts: Hypothetical[] = chosen.map((m) => ({
      type: 'MonthlyReportSubmitted',
      // Submitted once the month is over (or today, if later), and so by its deadline.
      data: { unitId: x.u.id, year: x.year, month: m.month, submittedAt: morningOf(Math.max(x.day, m.month === 12 ? civilDay(x.year + 1, 1, 1)! : civilDay(x.year, m.month + 1, 1)!)) },
    }));
    const by = chosen[chosen.length - 1]!.due;
    steps.push({ criterion: c.id, what: msg('take.reports', { months: chosen.map((m) => m.month), by: formatDay(by), gain: gainH }), facts, gainH, by: formatDay(by), effort: 0 });
  }
  return steps;
}

function casesSteps(x: Situation, c: CriterionSpec, deadlineDays: Record<string, number>): Step[] {
  let received = 0;
  let onTime = 0;
  for (const k of Object.values(x.u.cases)) {
    const first = k.recv[0];
    if (!first || yearOfDay(first.day) !== x.year) continue;
    received++;
    const limit = deadlineDays[first.cat]!;
    if (k.res.some((r) => r.day - first.day >= 0 && r.day - first.day <= limit)) onTime++;
  }
  if (received === 0) return [];
  const open = openCases(x.u, x.year, deadlineDays, x.day);
  const base = roundHalfUp(c.maxH * onTime, received);
  const steps: Step[] = [];
  let last = 0;
  for (let k = 1; k <= open.length; k++) {
    const gainH = roundHalfUp(c.maxH * (onTime + k), received) - base;
    if (gainH <= last) continue;
    last = gainH;
    const chosen = open.slice(0, k);
    const facts: Hypothetical[] = chosen.map((o) => ({ type: 'ComplaintResolved', data: { unitId: x.u.id, caseId: o.caseId, resolvedAt: morningOf(Math.max(x.day, o.received)) } }));
    const by = Math.max(...chosen.map((o) => o.due));
    steps.push({ criterion: c.id, what: msg('take.cases', { cases: chosen.map((o) => o.caseId), by: formatDay(by), gain: gainH }), facts, gainH, by: formatDay(by), effort: 0 });
  }
  return steps;
}

function dialogueSteps(x: Situation, c: CriterionSpec, steps: { atLeast: number; pointsH: Hundredths }[], pointsH: Hundredths): Step[] {
  const eoy = endOfYear(x.year);
  if (x.day > eoy) return [];
  const held = x.u.dialogues.filter((d) => yearOfDay(d.day) === x.year).length;
  const at = Math.max(x.day, civilDay(x.year, 1, 1)!);
  const out: Step[] = [];
  let last = 0;
  for (const s of [...steps].sort((a, b) => a.atLeast - b.atLeast)) {
    if (s.atLeast <= held) continue;
    const gainH = Math.min(c.maxH, s.pointsH) - pointsH;
    if (gainH <= last) continue;
    last = gainH;
    const n = s.atLeast - held;
    const facts: Hypothetical[] = Array.from({ length: n }, () => ({ type: 'DialogueHeld', data: { unitId: x.u.id, heldAt: morningOf(at), participants: 1 } }));
    out.push({ criterion: c.id, what: msg('take.dialogues', { count: n, year: x.year, gain: gainH }), facts, gainH, by: formatDay(eoy), effort: 0 });
  }
  return out;
}

/** One way to raise the models criterion: a set of recognitions (and registrations) with its uncapped gain. */
interface ModelOption {
  facts: Hypothetical[];
  parts: Msg[];
  rawGainH: number;
  effort: number;
}

function modelSteps(x: Situation, c: CriterionSpec, levelPointsH: Record<ModelLevel, Hundredths>, pointsH: Hundredths): Step[] {
  const eoy = endOfYear(x.year);
  const levels = (Object.keys(LEVEL_RANK) as ModelLevel[]).sort((a, b) => LEVEL_RANK[a] - LEVEL_RANK[b]);
  // Per model the unit owns at the end of the year and that is not revoked: its current level for
  // the year (null: not recognised), and what a recognition at a higher level would add.
  const perModel: { options: ModelOption[] }[] = [];
  let sum = 0;
  for (const id of x.owned) {
    const m = x.ctx.models.get(id)!;
    if (m.facts.revocations.some((r) => r.day <= eoy && !x.ctx.rejectedModelEvents.has(r.p) && x.ctx.reg.has(r.unit))) continue;
    const recs = m.facts.recognitions.filter((r) => r.year === x.year && !x.ctx.rejectedModelEvents.has(r.p) && x.ctx.reg.has(r.unit));
    let cur: ModelLevel | null = null;
    for (const r of recs) if (cur === null || LEVEL_RANK[r.level] > LEVEL_RANK[cur]) cur = r.level;
    const curH = cur ? levelPointsH[cur] : 0;
    sum += curH;
    const options: ModelOption[] = [];
    for (const l of levels) {
      if (cur !== null && LEVEL_RANK[l] <= LEVEL_RANK[cur]) continue;
      const raw = levelPointsH[l] - curH;
      if (raw <= 0) continue;
      options.push({
        facts: [{ type: 'ModelRecognized', data: { unitId: x.u.id, modelId: id, year: x.year, level: l } }],
        parts: [cur ? msg('take.model.raise', { modelId: id, from: cur, to: l }) : msg('take.model.recognise', { modelId: id, level: l })],
        rawGainH: raw,
        effort: LEVEL_RANK[l] + 1,
      });
    }
    if (options.length) perModel.push({ options });
  }
  // New models: registered by the end of the year, then recognised for it (two events each).
  const canRegister = x.day <= eoy;
  const newOptions: ModelOption[] = [];
  if (canRegister)
    for (const l of levels)
      newOptions.push({
        facts: [],
        parts: [msg('take.model.new', { level: l })],
        rawGainH: levelPointsH[l],
        effort: LEVEL_RANK[l] + 1,
      });
  const currentH = Math.min(c.maxH, sum);
  void pointsH;
  // Enumerate: each owned model takes at most one option; new models are added one at a time, as
  // long as they can still add points. The models criterion is capped at its maximum, so a few
  // events always reach it: the search is small.
  interface Combo {
    facts: number;
    effort: number;
    raw: number;
    picks: ModelOption[];
  }
  const combos: Combo[] = [{ facts: 0, effort: 0, raw: 0, picks: [] }];
  for (const pm of perModel) {
    const n = combos.length;
    for (let i = 0; i < n; i++) {
      const base = combos[i]!;
      if (sum + base.raw >= c.maxH) continue; // already at the maximum: more adds nothing
      for (const o of pm.options) combos.push({ facts: base.facts + 1, effort: base.effort + o.effort, raw: base.raw + o.rawGainH, picks: [...base.picks, o] });
    }
  }
  const room = c.maxH - currentH;
  if (newOptions.length && room > 0) {
    const n = combos.length;
    for (let i = 0; i < n; i++) {
      // add k new models, each at any level (non-decreasing order, to avoid permutations)
      const grow = (base: Combo, from: number, k: number) => {
        if (k === 0 || sum + base.raw >= c.maxH) return;
        for (let li = from; li < newOptions.length; li++) {
          const o = newOptions[li]!;
          const next: Combo = { facts: base.facts + 2, effort: base.effort + o.effort, raw: base.raw + o.rawGainH, picks: [...base.picks, o] };
          combos.push(next);
          grow(next, li, k - 1);
        }
      };
      grow(combos[i]!, 0, Math.ceil(room / Math.min(...newOptions.map((o) => o.rawGainH))));
    }
  }
  // The ladder: for each amount reachable, the cheapest combination (fewest events, then least effort).
  const gainOf = (k: Combo) => Math.min(c.maxH, sum + k.raw) - currentH;
  const best = new Map<number, Combo>();
  for (const k of combos) {
    const g = gainOf(k);
    if (g <= 0) continue;
    const b = best.get(g);
    if (!b || k.facts < b.facts || (k.facts === b.facts && k.effort < b.effort)) best.set(g, k);
  }
  const gains = [...best.keys()].sort((a, b) => a - b);
  const out: Step[] = [];
  for (let i = 0; i < gains.length; i++) {
    const g = gains[i]!;
    const k = best.get(g)!;
    // Dominated: a larger amount for no more events and no more effort.
    if (gains.slice(i + 1).some((h) => {
      const o = best.get(h)!;
      return o.facts < k.facts || (o.facts === k.facts && o.effort <= k.effort);
    }))
      continue;
    out.push(modelStep(x, c, k.picks, g, k.effort, eoy));
  }
  return out;
}

function modelStep(x: Situation, c: CriterionSpec, picks: readonly ModelOption[], gainH: number, effort: number, eoy: number): Step {
  const facts: Hypothetical[] = [];
  let n = 0;
  for (const o of picks) {
    if (o.facts.length) facts.push(...o.facts);
    else {
      const level = (o.parts[0]!.params.level as ModelLevel) ?? 'commune';
      const modelId = freshModelId(x, ++n);
      facts.push({ type: 'ModelRegistered', data: { unitId: x.u.id, modelId, title: modelId, field: 'other', registeredAt: morningOf(Math.max(x.day, civilDay(x.year, 1, 1)!)) } });
      facts.push({ type: 'ModelRecognized', data: { unitId: x.u.id, modelId, year: x.year, level } });
    }
  }
  const registers = picks.some((o) => o.facts.length === 0);
  return { criterion: c.id, what: msg('take.models', { steps: picks.flatMap((o) => o.parts), gain: gainH }), facts, gainH, by: registers ? formatDay(eoy) : null, effort };
}

/** An id no model has, for a model a suggestion would register. */
function freshModelId(x: Situation, n: number): string {
  for (let i = n; ; i++) {
    const id = `${x.u.id}-mo-hinh-moi-${x.year}-${i}`;
    if (!x.ctx.state.models.has(id)) return id;
  }
}

function bonusSteps(x: Situation): Step[] {
  if ((x.year - FIRST_CONTEST_YEAR) % 3 !== 0 || x.year < FIRST_CONTEST_YEAR) return [];
  const current = x.card.bonusH;
  const sumH = x.card.criteria.reduce((s, k) => s + (k.pointsH ?? 0), 0);
  const out: Step[] = [];
  let last = 0;
  for (const prize of (Object.keys(PRIZE_RANK) as Prize[]).sort((a, b) => PRIZE_RANK[b] - PRIZE_RANK[a])) {
    const h = x.rb.prizeH[prize];
    if (h <= current) continue;
    const gainH = h - current;
    const totalGain = Math.min(x.rb.totalCapH, sumH + h) - Math.min(x.rb.totalCapH, sumH + current);
    if (gainH <= last || totalGain <= 0) continue;
    last = gainH;
    out.push({
      criterion: null,
      what: msg('take.prize', { prize, gain: gainH }),
      facts: [{ type: 'ContestPrizeAwarded', data: { unitId: x.u.id, year: x.year, prize } }],
      gainH,
      by: null,
      effort: 3 - PRIZE_RANK[prize],
    });
  }
  return out;
}

/** Every criterion's headroom and ladder for a unit-year as of a day. */
export function headroom(x: Situation): Headroom[] {
  return x.card.criteria.map((k, i) => {
    const c = x.card.group.criteria[i]!;
    let steps: Step[] = [];
    let closed: Msg | null = null;
    if (x.closed) closed = msg('take.closed.year', { year: x.year });
    else
      switch (c.source.type) {
        case 'assessed':
          steps = assessedSteps(x, c, k.pointsH);
          break;
        case 'reporting':
          steps = reportingSteps(x, c, c.source.deadlineDayOfNextMonth, onTimeMonths(x.u, x.year, c.source.deadlineDayOfNextMonth));
          if (!steps.length && (k.pointsH ?? 0) < c.maxH) closed = msg('take.closed.reports', { year: x.year });
          break;
        case 'cases':
          steps = casesSteps(x, c, c.source.deadlineDays);
          if (!steps.length && (k.pointsH ?? 0) < c.maxH) closed = msg('take.closed.cases', { year: x.year });
          break;
        case 'dialogues':
          steps = dialogueSteps(x, c, c.source.steps, k.pointsH ?? 0);
          if (!steps.length && (k.pointsH ?? 0) < c.maxH) closed = msg('take.closed.year_over', { year: x.year });
          break;
        case 'models':
          steps = modelSteps(x, c, c.source.levelPointsH, k.pointsH ?? 0);
          break;
      }
    const pointsH = k.pointsH;
    return {
      criterion: c.id,
      source: c.source.type,
      pointsH,
      maxH: c.maxH,
      headroomH: c.maxH - (pointsH ?? 0),
      reachableH: steps.length ? steps[steps.length - 1]!.gainH : 0,
      steps,
      closed,
    };
  });
}

function onTimeMonths(u: UnitFacts, year: number, deadlineDay: number): number {
  const earliest = new Map<number, number>();
  for (let i = 0; i < u.reports.length; i += 4) {
    if (u.reports[i + 1] !== year) continue;
    const m = u.reports[i + 2]!;
    const at = u.reports[i + 3]!;
    const e = earliest.get(m);
    if (e === undefined || at < e) earliest.set(m, at);
  }
  let n = 0;
  for (const [m, at] of earliest) if (localDayOfInstant(at) <= dueDay(year, m, deadlineDay)) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Targets: the next tier, "Dân vận khéo", "tiêu biểu".

/**
 * The cheapest plan across criteria (and the bonus) that adds at least `gapH` to the total: each
 * criterion contributes one step of its ladder or none; fewest events first, then least effort.
 * A dynamic programme over the points still missing (at most the total's cap).
 */
export function cheapestPlan(ladders: readonly Step[][], gapH: number): Step[] | null {
  if (gapH <= 0) return [];
  type Cell = { facts: number; effort: number; picks: Step[] } | null;
  let dp: Cell[] = new Array(gapH + 1).fill(null);
  dp[0] = { facts: 0, effort: 0, picks: [] };
  const better = (a: Cell, b: Cell) => a !== null && (b === null || a.facts < b.facts || (a.facts === b.facts && a.effort < b.effort));
  for (const ladder of ladders) {
    const next = dp.slice();
    for (let g = 0; g <= gapH; g++) {
      const cur = dp[g];
      if (!cur) continue;
      for (const s of ladder) {
        const to = Math.min(gapH, g + s.gainH);
        const cand: Cell = { facts: cur.facts + s.facts.length, effort: cur.effort + s.effort, picks: [...cur.picks, s] };
        if (better(cand, next[to]!)) next[to] = cand;
      }
    }
    dp = next;
  }
  return dp[gapH]?.picks ?? null;
}

/**
 * What it takes, for a unit on the roll of a year, as of a day: the points missing to the next
 * tier, to "Dân vận khéo" and to "tiêu biểu", what blocks them whatever the points, and criterion
 * by criterion the headroom and the cheapest facts that would close it. `ev` is the year's
 * evaluation of the state as of the day (for ranks and the title cap); `state` is that state.
 */
export function whatItTakes(state: ScoringState, rb: Rulebook, ev: YearEvaluation, unitId: string, day: number, ctx: Context = buildContext(state)): WhatItTakes | null {
  const card = ev.byUnit.get(unitId);
  const u = state.units.get(unitId);
  if (!card || !u) return null;
  const year = ev.year;
  const owned = modelsOwnedAtEndOf(ctx, year).get(unitId) ?? [];
  const closed = state.closures.some((c) => c.year === year);
  const x: Situation = { ctx, rb, u, year, day, closed, owned, card };
  const criteria = headroom(x);
  const bonus = closed ? [] : bonusSteps(x);
  const ladders = [...criteria.map((c) => c.steps), bonus];
  const sumH = card.criteria.reduce((s, k) => s + (k.pointsH ?? 0), 0);
  // The total a plan reaches, with the total's cap.
  const reach = (plan: Step[]) => Math.min(rb.totalCapH, sumH + card.bonusH + plan.reduce((s, p) => s + (p.criterion === null ? 0 : p.gainH), 0) + bonusGain(plan, card.bonusH));
  const targets: Target[] = [];
  const common: Msg[] = [];
  if (closed) common.push(msg('take.closed.year', { year }));
  const missing = card.missing;
  const incomplete = missing.length > 0 ? msg('take.blocked.incomplete', { missing }) : null;

  const make = (kind: TargetKind, tier: Tier | null, needH: number, blockers: Msg[]): Target => {
    const gapH = Math.max(0, needH - card.totalH);
    const all = [...common, ...blockers];
    if (gapH === 0 && all.length === 0) return { kind, tier, needH, gapH, status: 'reached', blockers: [], plan: [], summary: targetSummary(kind, tier, needH, 0, 'reached') };
    let plan: Step[] = [];
    let status: Target['status'] = all.length ? 'blocked' : 'open';
    if (status === 'open') {
      const p = cheapestPlan(ladders, gapH);
      // The plan's own total, capped: it must reach the need (a capped total may not).
      if (p && reach(p) >= needH) plan = p;
      else {
        status = 'blocked';
        all.push(msg('take.blocked.unreachable', { reachable: Math.max(0, Math.min(rb.totalCapH, sumH + card.bonusH + ladders.reduce((s, l) => s + (l.length ? l[l.length - 1]!.gainH : 0), 0)) - card.totalH) }));
      }
    }
    return { kind, tier, needH, gapH, status, blockers: all, plan, summary: targetSummary(kind, tier, needH, gapH, status) };
  };

  const tiers = card.group.tiers;
  if (tiers) {
    const levels = tiers.levels;
    const i = card.tier ? levels.findIndex((l) => l.id === card.tier) : levels.findIndex((l) => card.totalH >= l.minH);
    const capIndex = levels.findIndex((l) => l.id === tiers.vetoCap);
    if (i > 0) {
      const next = levels[i - 1]!;
      const blockers: Msg[] = [];
      if (incomplete) blockers.push(incomplete);
      if (card.vetoes.length && i - 1 < capIndex) blockers.push(msg('take.blocked.veto', { vetoes: card.vetoes.map((v) => v.id), capTier: tiers.vetoCap }));
      targets.push(make('tier', next.id, next.minH, blockers));
    } else if (incomplete) targets.push(make('tier', levels[0]!.id, levels[0]!.minH, [incomplete]));
  }
  const t = rb.file.titles;
  if (t.danVanKheo.list === card.list.id) {
    const minH = Math.round(t.danVanKheo.minTotal * 100);
    const holders = ev.cards.filter((c) => c.list.id === card.list.id && c.titles.includes('dan_van_kheo'));
    const n = ev.cards.filter((c) => c.list.id === card.list.id).length;
    const cap = Math.floor((t.danVanKheo.capPercentOfRoll * n) / 100);
    const blockers: Msg[] = [];
    if (incomplete) blockers.push(incomplete);
    if (t.danVanKheo.requireNoVeto && card.vetoes.length) blockers.push(msg('take.blocked.veto_title', { vetoes: card.vetoes.map((v) => v.id) }));
    let needH = minH;
    if (cap === 0) blockers.push(msg('take.blocked.cap_zero', { roll: n }));
    else if (!card.titles.includes('dan_van_kheo') && holders.length >= cap) {
      // The list is full: it must outrank the last holder (more points than it, tie-breaks aside).
      const last = lastOf(holders);
      needH = Math.max(minH, last.totalH + 1);
    }
    targets.push(card.titles.includes('dan_van_kheo') ? reachedTarget('dan_van_kheo', minH) : make('dan_van_kheo', null, needH, blockers));
    const tbMin = Math.round(t.tieuBieu.minTotal * 100);
    const tb = ev.cards.filter((c) => c.list.id === card.list.id && c.titles.includes('tieu_bieu'));
    let tbNeed = Math.max(tbMin, needH);
    const tbBlockers = [...blockers];
    if (t.tieuBieu.maxCount === 0) tbBlockers.push(msg('take.blocked.cap_zero', { roll: n }));
    else if (!card.titles.includes('tieu_bieu') && tb.length >= t.tieuBieu.maxCount) tbNeed = Math.max(tbNeed, lastOf(tb).totalH + 1);
    targets.push(card.titles.includes('tieu_bieu') ? reachedTarget('tieu_bieu', tbMin) : make('tieu_bieu', null, tbNeed, tbBlockers));
  }
  return {
    unitId,
    year,
    asOf: formatDay(day),
    totalH: card.totalH,
    complete: card.complete,
    missing,
    tier: card.tier,
    titles: card.titles,
    targets,
    criteria,
    bonus,
  };
}

const lastOf = (cards: RankedCard[]): RankedCard => cards.reduce((a, b) => ((b.rank ?? 0) > (a.rank ?? 0) ? b : a));

function bonusGain(plan: Step[], currentH: number): number {
  let best = currentH;
  for (const p of plan) if (p.criterion === null) best = Math.max(best, currentH + p.gainH);
  return best - currentH;
}

function reachedTarget(kind: TargetKind, needH: number): Target {
  return { kind, tier: null, needH, gapH: 0, status: 'reached', blockers: [], plan: [], summary: targetSummary(kind, null, needH, 0, 'reached') };
}

function targetSummary(kind: TargetKind, tier: Tier | null, needH: number, gapH: number, status: Target['status']): Msg {
  if (kind === 'tier') return msg('take.target.tier', { tier: tier!, need: needH, gap: gapH, status });
  return kind === 'dan_van_kheo' ? msg('take.target.dan_van_kheo', { need: needH, gap: gapH, status }) : msg('take.target.tieu_bieu', { need: needH, gap: gapH, status });
}

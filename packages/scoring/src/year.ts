import {
  digestOf,
  endOfYear,
  msg,
  type Msg,
  yearOfDay,
  type Kpi,
  type Tier,
  type RankList,
  type RankingContent,
  type RankingEntry,
  type UnitResult,
  type YearReport,
} from '@dvk/contracts';
import { buildContext, compareIds, roll, rollStatus, type Context } from './context.js';
import { rbText, type CriterionSpec, type KpiSpec, type KpiTarget, type ListSpec, type Rulebook } from './rulebook.js';
import { modelsOwnedAtEndOf, reporting, reportingDeadline, scoreUnitYear, type CriterionScore, type EventNote, type Scorecard } from './score.js';
import type { ScoringState, UnitFacts } from './state.js';

/**
 * Everything RULEBOOK.md §2–5 says about one year: the roll, every scoresheet, the rank lists
 * with tiers and titles, and the KPIs — each with its explanation.
 */

export interface RankedCard extends Scorecard {
  rank: number | null;
  /** Where the card stands in its list, and why (the order itself is `rankRule(list)`). */
  rankRule: Msg;
  titles: ('dan_van_kheo' | 'tieu_bieu')[];
  /** Why the card holds each title of its list, or does not. */
  titleRules: Msg[];
}

export interface KpiResult {
  id: string;
  value: Kpi;
  /** The KPI's rule, quoting the rulebook's wording where it has one. */
  rule: Msg;
  /** The figure worked out. */
  computation: Msg;
  /** Unit ids counted in the numerator (or, for hotspots, the units they were reported in). */
  counted: string[];
  /** Unit ids in the denominator. */
  of: string[];
}

export interface YearEvaluation {
  year: number;
  rulebook: Rulebook;
  /** Units on the roll of the year, all kinds, by id. */
  roll: readonly string[];
  /** Scoresheets of every unit on the roll of a scored kind, by list then rank then id. */
  cards: RankedCard[];
  byUnit: Map<string, RankedCard>;
  kpis: KpiResult[];
  /** Units (of every kind) owning a model in the sense of K6 at the end of the year. */
  modelOwners: Map<string, string[]>;
}

/** Evaluates one year of the state under a rulebook. Pass a context to reuse it across years. */
export function evaluateYear(state: ScoringState, rb: Rulebook, year: number, ctx: Context = buildContext(state)): YearEvaluation {
  const onRoll = roll(ctx, year);
  const owned = modelsOwnedAtEndOf(ctx, year);
  const units = onRoll.map((id) => evaluateUnitYear(ctx, rb, state.units.get(id)!, year, owned.get(id) ?? []));
  return finishYear(ctx, rb, year, onRoll, units, k6Owners(ctx, year, owned));
}

/**
 * What a year's evaluation needs of one unit on its roll: its scoresheet (for a unit of a scored
 * kind) and the figures the KPIs count. The first of the two steps of `evaluateYear`; a streaming
 * replay takes it unit by unit, sets each result aside packed (`packUnitYear`), and then finishes
 * the year from the unpacked lean cards (`unitYearUnpacker`).
 */
export interface UnitYear {
  card: RankedCard | null;
  /** HotspotReported of the unit with a local date in the year (K8). */
  hotspots: number;
  /** Months on time (K7): the card's, or computed for a unit without a card when a KPI counts its kind; else null. */
  monthsOnTime: number | null;
}

/** The figures of a unit without a card that no KPI counts (shared: most of a roll's villages). */
const NOTHING: UnitYear = Object.freeze({ card: null, hotspots: 0, monthsOnTime: null });

/** The unit-level step of a year's evaluation; `u` must be on the roll of `year` under `ctx`. */
export function evaluateUnitYear(ctx: Context, rb: Rulebook, u: UnitFacts, year: number, modelsOwned: readonly string[]): UnitYear {
  const kind = ctx.reg.get(u.id)!.kind;
  let hotspots = 0;
  for (const h of u.hotspots) if (yearOfDay(h.day) === year) hotspots++;
  if (!rb.groupOfKind[kind] || !rb.listOfKind[kind]) {
    const counted = rb.file.kpis.some((k) => k.type === 'share' && 'allMonthsOnTime' in k.numerator && k.kinds.includes(kind));
    const monthsOnTime = counted ? reporting(u, year, null, reportingDeadline(rb.groupOfKind[kind])).onTime : null;
    return hotspots === 0 && monthsOnTime === null ? NOTHING : { card: null, hotspots, monthsOnTime };
  }
  const card = scoreUnitYear(ctx, rb, u, year, modelsOwned) as RankedCard;
  card.rank = null;
  card.rankRule = NO_RANK_YET;
  card.titles = [];
  card.titleRules = [];
  return { card, hotspots, monthsOnTime: card.monthsOnTime };
}

/**
 * A `UnitYear` as plain JSON data, without the card's explanations (notes, rule and computation
 * texts): what ranks, titles, KPIs, the report and the ranking contents need, once the explained
 * scoresheet has been written. A streaming replay keeps these aside (not in memory) until the
 * year's every unit is scored. Criteria points are in the order of the group's criteria.
 */
export type PackedUnitYear =
  | [hotspots: number, monthsOnTime: number | null]
  | [hotspots: number, monthsOnTime: number | null, name: string, complete: 0 | 1, missing: string[], pointsH: (number | null)[], bonusH: number, totalH: number, tier: Tier | null, vetoes: ('hotspot' | 'discipline')[]];

export function packUnitYear(u: UnitYear): PackedUnitYear {
  const c = u.card;
  if (!c) return [u.hotspots, u.monthsOnTime];
  return [u.hotspots, u.monthsOnTime, c.name, c.complete ? 1 : 0, c.missing, c.criteria.map((k) => k.pointsH), c.bonusH, c.totalH, c.tier, c.vetoes.map((v) => v.id)];
}

/** Shared by every unpacked card: nothing may be added to them. */
const NO_NOTES: EventNote[] = Object.freeze([]) as unknown as EventNote[];
/** The explanation of a lean card: none (the explained scoresheet was written when it was scored). */
const LEAN: Msg = Object.freeze({ code: 'calc.lean', params: Object.freeze({}) }) as Msg;
/** The rank rule of a card before its list is ranked. */
const NO_RANK_YET: Msg = LEAN;
const LEAN_BONUS: Scorecard['bonus'] = Object.freeze({ rule: LEAN, used: NO_NOTES, ignored: NO_NOTES });

/**
 * Unpacks the `UnitYear`s of one year (and rulebook): lean cards, whose criteria of equal points
 * are one shared (frozen) object, and whose texts are empty.
 */
export function unitYearUnpacker(ctx: Pick<Context, 'reg'>, rb: Rulebook, year: number): (unitId: string, p: PackedUnitYear) => UnitYear {
  const criteria = new Map<string, CriterionScore>();
  const criterion = (c: CriterionSpec, pointsH: number | null): CriterionScore => {
    const key = `${c.id}\u0000${pointsH}`;
    let x = criteria.get(key);
    if (!x) criteria.set(key, (x = Object.freeze({ id: c.id, name: c.name, source: c.source.type, maxH: c.maxH, pointsH, rule: LEAN, computation: LEAN, used: NO_NOTES, ignored: NO_NOTES })));
    return x;
  };
  return (unitId, p) => {
    if (p.length === 2) return p[0] === 0 && p[1] === null ? NOTHING : { card: null, hotspots: p[0], monthsOnTime: p[1] };
    const [hotspots, monthsOnTime, name, complete, missing, pointsH, bonusH, totalH, tier, vetoes] = p;
    const kind = ctx.reg.get(unitId)!.kind;
    const group = rb.groupOfKind[kind]!;
    const card: RankedCard = {
      unitId,
      year,
      kind,
      name,
      group,
      list: rb.listOfKind[kind]!,
      complete: complete === 1,
      missing,
      criteria: group.criteria.map((c, i) => criterion(c, pointsH[i]!)),
      bonusH,
      bonus: LEAN_BONUS,
      totalH,
      totalRule: LEAN,
      vetoes: vetoes.map((id) => ({ id, events: NO_NOTES })),
      tier,
      tierRule: LEAN,
      monthsOnTime: monthsOnTime!,
      rank: null,
      rankRule: NO_RANK_YET,
      titles: [],
      titleRules: [],
    };
    return { card, hotspots, monthsOnTime };
  };
}

/**
 * The year-level step: ranks, tiers' titles and KPIs from every unit on the roll (`units[i]` is
 * the `UnitYear` of `onRoll[i]`); `modelOwners` is `k6Owners(ctx, year, modelsOwnedAtEndOf(ctx, year))`.
 * Of the context it reads only the registrations (`ctx.reg`).
 */
export function finishYear(ctx: Pick<Context, 'reg'>, rb: Rulebook, year: number, onRoll: readonly string[], units: readonly UnitYear[], modelOwners: Map<string, string[]>): YearEvaluation {
  const cards: RankedCard[] = [];
  for (const u of units) if (u.card) cards.push(u.card);
  const ordered: RankedCard[] = [];
  for (const list of rb.lists) ordered.push(...rankList(rb, list, year, cards.filter((c) => c.list.id === list.id)));
  const byUnit = new Map(ordered.map((c) => [c.unitId, c]));
  const kpis = rb.file.kpis.map((k) => kpi(ctx, k, year, onRoll, units, byUnit, modelOwners));
  return { year, rulebook: rb, roll: onRoll, cards: ordered, byUnit, kpis, modelOwners };
}

/** Rank order (RULEBOOK.md §4): total, then the list's tie-break criteria, then unit id by code point. */
function sortForRanking(list: ListSpec, cards: RankedCard[]): RankedCard[] {
  const keyed = cards.map((c) => ({ c, keys: list.tieBreak.map((id) => c.criteria.find((k) => k.id === id)?.pointsH ?? 0) }));
  keyed.sort((a, b) => {
    if (a.c.totalH !== b.c.totalH) return b.c.totalH - a.c.totalH;
    for (let i = 0; i < a.keys.length; i++) if (a.keys[i] !== b.keys[i]) return b.keys[i]! - a.keys[i]!;
    return compareIds(a.c.unitId, b.c.unitId);
  });
  return keyed.map((k) => k.c);
}

/** The rule of a rank list: its order (RULEBOOK.md §4), quoting the rulebook's wording where it has one. */
export function rankRule(list: ListSpec): Msg {
  return msg('rule.rank', { list: list.id, tieBreak: list.tieBreak, text: list.rule });
}

/** The rules of the titles of a rulebook. */
export function titleRules(rb: Rulebook): { dan_van_kheo: Msg; tieu_bieu: Msg } {
  const t = rb.file.titles;
  return {
    dan_van_kheo: msg('rule.title.dan_van_kheo', {
      minTotal: Math.round(t.danVanKheo.minTotal * 100),
      capPercent: t.danVanKheo.capPercentOfRoll,
      requireNoVeto: t.danVanKheo.requireNoVeto,
      text: rb.texts.titles.dan_van_kheo.rule,
    }),
    tieu_bieu: msg('rule.title.tieu_bieu', { minTotal: Math.round(t.tieuBieu.minTotal * 100), maxCount: t.tieuBieu.maxCount, text: rb.texts.titles.tieu_bieu.rule }),
  };
}

function rankList(rb: Rulebook, list: ListSpec, year: number, cards: RankedCard[]): RankedCard[] {
  const ranked = sortForRanking(list, cards.filter((c) => c.complete));
  ranked.forEach((c, i) => {
    c.rank = i + 1;
    const prev = ranked[i - 1];
    c.rankRule =
      prev && prev.totalH === c.totalH
        ? msg('calc.rank.tied', { rank: i + 1, total: c.totalH, tiedWith: prev.unitId, tiedRank: i })
        : msg('calc.rank', { rank: i + 1, total: c.totalH });
  });
  const unrated = cards.filter((c) => !c.complete).sort((a, b) => compareIds(a.unitId, b.unitId));
  for (const c of unrated) c.rankRule = msg('calc.rank.unrated', { missing: c.missing });

  const t = rb.file.titles;
  if (t.danVanKheo.list === list.id) {
    const n = cards.length; // every unit of the list's kinds on the roll, rated or not
    const cap = Math.floor((t.danVanKheo.capPercentOfRoll * n) / 100);
    const minH = Math.round(t.danVanKheo.minTotal * 100);
    const eligible = ranked.filter((c) => c.totalH >= minH && (!t.danVanKheo.requireNoVeto || c.vetoes.length === 0));
    const awarded = eligible.slice(0, cap);
    const isAwarded = new Set(awarded);
    const eligibleIndex = new Map(eligible.map((c, i) => [c, i]));
    for (const c of ranked) {
      if (isAwarded.has(c)) {
        c.titles.push('dan_van_kheo');
        c.titleRules.push(
          msg('calc.title.dan_van_kheo', { total: c.totalH, minTotal: minH, nth: eligibleIndex.get(c)! + 1, capPercent: t.danVanKheo.capPercentOfRoll, roll: n, cap }),
        );
      } else {
        c.titleRules.push(
          c.totalH < minH
            ? msg('calc.title.dan_van_kheo.below', { total: c.totalH, minTotal: minH })
            : t.danVanKheo.requireNoVeto && c.vetoes.length > 0
              ? msg('calc.title.dan_van_kheo.veto', { vetoes: c.vetoes.map((v) => v.id) })
              : msg('calc.title.dan_van_kheo.beyond_cap', { nth: eligibleIndex.get(c)! + 1, cap }),
        );
      }
    }
    const tbMin = Math.round(t.tieuBieu.minTotal * 100);
    const tbEligible = awarded.filter((c) => c.totalH >= tbMin);
    const tb = tbEligible.slice(0, t.tieuBieu.maxCount);
    for (const c of awarded) {
      if (tb.includes(c)) {
        c.titles.push('tieu_bieu');
        c.titleRules.push(msg('calc.title.tieu_bieu', { total: c.totalH, minTotal: tbMin, maxCount: t.tieuBieu.maxCount }));
      } else
        c.titleRules.push(
          c.totalH < tbMin ? msg('calc.title.tieu_bieu.below', { total: c.totalH, minTotal: tbMin }) : msg('calc.title.tieu_bieu.beyond', { maxCount: t.tieuBieu.maxCount }),
        );
    }
  }
  void year;
  return [...ranked, ...unrated];
}

/** K6: units owning at the end of the year a model registered by then and not revoked by then. */
export function k6Owners(ctx: Context, year: number, owned: Map<string, string[]>): Map<string, string[]> {
  const eoy = endOfYear(year);
  const out = new Map<string, string[]>();
  for (const [unit, ids] of owned) {
    const live = ids.filter((id) => {
      const m = ctx.models.get(id)!;
      return !m.facts.revocations.some((r) => r.day <= eoy && !ctx.rejectedModelEvents.has(r.p) && ctx.reg.has(r.unit));
    });
    if (live.length) out.set(unit, live);
  }
  return out;
}

function percentText(num: number, den: number): string {
  const tenths = Math.floor((2000 * num + den) / (2 * den));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

export function targetText(t: KpiTarget, share: boolean): string {
  const u = share ? '%' : '';
  switch (t.op) {
    case 'gt':
      return `> ${t.percent}%`;
    case 'gte':
      return `≥ ${t.percent}%`;
    case 'eq':
      return 'percent' in t ? `${t.percent}%` : `${t.value}`;
    case 'between':
      return `${t.min}${u} – ${t.max}${u}`;
    case 'lte':
      return `≤ ${t.value}`;
    case 'monitor':
      return '—';
  }
}

/** Whether num/den (a share) or num (a count) meets the target, in exact integer arithmetic. */
function meets(t: KpiTarget, num: number, den: number | null): boolean | null {
  if (t.op === 'monitor') return null;
  if (den === null) {
    // a count
    switch (t.op) {
      case 'eq':
        return 'value' in t ? num === t.value : null;
      case 'between':
        return num >= t.min && num <= t.max;
      case 'lte':
        return num <= t.value;
      default:
        return null;
    }
  }
  if (den === 0) return null;
  const x = 1000 * num; // compare 1000·num with 10·p·den: targets have at most one decimal
  const scaled = (p: number) => Math.round(p * 10) * den;
  switch (t.op) {
    case 'gt':
      return x > scaled(t.percent);
    case 'gte':
      return x >= scaled(t.percent);
    case 'eq':
      return 'percent' in t ? x === scaled(t.percent) : null;
    case 'between':
      return x >= scaled(t.min) && x <= scaled(t.max);
    case 'lte':
      return null;
  }
}

function kpi(
  ctx: Pick<Context, 'reg'>,
  k: KpiSpec,
  year: number,
  onRoll: readonly string[],
  units: readonly UnitYear[],
  byUnit: Map<string, RankedCard>,
  modelOwners: Map<string, string[]>,
): KpiResult {
  const label = rbText(k.label).vi;
  const text = k.rule === undefined ? null : rbText(k.rule);
  if (k.type === 'count') {
    const counted: string[] = [];
    let count = 0;
    let rule: Msg;
    if (k.count === 'titles') {
      for (const c of byUnit.values()) if (k.titles.some((t) => c.titles.includes(t))) (count++, counted.push(c.unitId));
      rule = msg('rule.kpi.count_titles', { kpi: k.id, year, titles: k.titles, text });
    } else {
      onRoll.forEach((id, i) => {
        const n = units[i]!.hotspots;
        if (n > 0) (count += n, counted.push(id));
      });
      rule = msg('rule.kpi.count_hotspots', { kpi: k.id, year, text });
    }
    return {
      id: k.id,
      value: { label, count, target: targetText(k.target, false), met: meets(k.target, count, null) },
      rule,
      computation: msg('calc.kpi.count', { count }),
      counted,
      of: [],
    };
  }
  const of = onRoll.filter((id) => k.kinds.includes(ctx.reg.get(id)!.kind));
  const counted: string[] = [];
  let rule: Msg;
  const num = k.numerator;
  if ('tiers' in num) {
    for (const id of of) if (byUnit.get(id)?.tier && num.tiers.includes(byUnit.get(id)!.tier!)) counted.push(id);
    rule = msg('rule.kpi.tiers', { kpi: k.id, year, kinds: k.kinds, tiers: num.tiers, text });
  } else if ('titles' in num) {
    for (const id of of) if (byUnit.get(id)?.titles.some((t) => num.titles.includes(t))) counted.push(id);
    rule = msg('rule.kpi.titles', { kpi: k.id, year, kinds: k.kinds, titles: num.titles, text });
  } else if ('ownsModel' in num) {
    for (const id of of) if (modelOwners.has(id)) counted.push(id);
    rule = msg('rule.kpi.owns_model', { kpi: k.id, year, kinds: k.kinds, text });
  } else {
    onRoll.forEach((id, i) => {
      if (units[i]!.monthsOnTime === 12 && k.kinds.includes(ctx.reg.get(id)!.kind)) counted.push(id);
    });
    rule = msg('rule.kpi.all_months', { kpi: k.id, year, kinds: k.kinds, text });
  }
  const numerator = counted.length;
  const denominator = of.length;
  return {
    id: k.id,
    value: {
      label,
      numerator,
      denominator,
      percent: denominator === 0 ? null : percentText(numerator, denominator),
      target: targetText(k.target, true),
      met: denominator === 0 ? null : meets(k.target, numerator, denominator),
    },
    rule,
    computation: msg('calc.kpi.share', { numerator, denominator }),
    counted,
    of,
  };
}

// ---------------------------------------------------------------------------------------------
// The published forms.

const pts = (h: number): number => h / 100;

function criteriaMap(c: Scorecard): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of c.criteria) out[k.id] = k.pointsH === null ? null : pts(k.pointsH);
  return out;
}

export function unitResult(c: RankedCard): UnitResult {
  return {
    unitId: c.unitId,
    kind: c.kind,
    name: c.name,
    complete: c.complete,
    missing: c.missing,
    total: pts(c.totalH),
    criteria: criteriaMap(c),
    bonus: pts(c.bonusH),
    tier: c.tier,
    titles: c.titles,
    vetoes: c.vetoes.map((v) => v.id),
    list: c.list.id,
    rank: c.rank,
  };
}

/** The yearly report of `dvk report --json` (issue 2), byte-stable for the same log and rulebook. */
export function yearReport(ev: YearEvaluation): YearReport {
  const kpis: Record<string, Kpi> = {};
  for (const k of ev.kpis) kpis[k.id] = k.value;
  return { year: ev.year, rulebook: ev.rulebook.ref, units: ev.cards.map(unitResult), kpis };
}

/** The content of the ranking of one list: what is published and digested. */
export function rankingContent(ev: YearEvaluation, list: RankList): RankingContent {
  const cards = ev.cards.filter((c) => c.list.id === list);
  const entries: RankingEntry[] = cards
    .filter((c) => c.rank !== null)
    .map((c) => ({
      rank: c.rank!,
      unitId: c.unitId,
      name: c.name,
      kind: c.kind,
      total: pts(c.totalH),
      criteria: criteriaMap(c),
      bonus: pts(c.bonusH),
      tier: c.tier,
      titles: c.titles,
      vetoes: c.vetoes.map((v) => v.id),
    }));
  const unrated = cards.filter((c) => c.rank === null).map((c) => ({ unitId: c.unitId, name: c.name, kind: c.kind, missing: c.missing }));
  return { year: ev.year, list, rulebook: ev.rulebook.ref, entries, unrated };
}

export function rankingDigest(content: RankingContent): string {
  return digestOf(content);
}

/** Years the log speaks of: years named by registered units' events, and closed years. */
export function yearsOf(state: ScoringState, ctx: Context = buildContext(state), firstYear = 2016): number[] {
  const ys = new Set<number>();
  for (const id of ctx.reg.keys()) for (const y of state.units.get(id)!.years) if (y >= firstYear) ys.add(y);
  for (const c of state.closures) ys.add(c.year);
  return [...ys].sort((a, b) => a - b);
}

export { rollStatus };

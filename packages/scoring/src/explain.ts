import { msg, type Msg, type RbText, type RulebookRef } from '@dvk/contracts';
import type { Rulebook } from './rulebook.js';
import { bonusRule, criterionRule, type EventNote } from './score.js';
import { initialState } from './state.js';
import { evaluateYear, rankRule, titleRules, type KpiResult, type RankedCard } from './year.js';

/**
 * The explanation of a unit-year in plain data (points as numbers, events by log position, every
 * text a message — a code and parameters — rendered at the edge in the reader's language): what
 * the read model stores, what `dvk explain` prints and the API serves, once the shell has
 * attached each position's event.
 *
 * Each figure has its rule (`…Rule`: how the rulebook says it is computed, quoting the rulebook's
 * wording) and its computation (`…Computation`, or `computation` for a criterion: the figure
 * worked out for this unit-year).
 */
export interface NoteView {
  position: number;
  note: Msg;
}
export interface CriterionView {
  id: string;
  name: RbText;
  source: string;
  max: number;
  points: number | null;
  rule: Msg;
  computation: Msg;
  used: NoteView[];
  ignored: NoteView[];
}
export interface ScorecardView {
  unitId: string;
  year: number;
  kind: string;
  name: string;
  list: string;
  rulebook: RulebookRef;
  complete: boolean;
  missing: string[];
  criteria: CriterionView[];
  bonus: { points: number; rule: Msg; used: NoteView[]; ignored: NoteView[] };
  total: number;
  totalRule: Msg;
  totalComputation: Msg;
  vetoes: { id: string; rule: Msg; events: NoteView[] }[];
  tier: string | null;
  /** null: the unit's group has no tiers. */
  tierRule: Msg | null;
  tierComputation: Msg;
  rank: number | null;
  rankRule: Msg;
  rankComputation: Msg;
  titles: string[];
  /** The rules of the titles the unit's list can hold (none for lists without titles). */
  titleRules: Msg[];
  titleComputations: Msg[];
  monthsOnTime: number;
}

const notes = (xs: readonly EventNote[]): NoteView[] => xs.map((x) => ({ position: x.p, note: x.note }));

/** The rule of the total (RULEBOOK.md §3: Σ criteria + bonus, capped). */
export const totalRule = (rb: Rulebook): Msg => msg('rule.total', { cap: rb.totalCapH, text: rb.texts.total });

/** The rule of a veto in a year. */
export function vetoRule(rb: Rulebook, id: 'hotspot' | 'discipline', year: number): Msg {
  const text = rb.texts.vetoes[id]?.rule ?? null;
  return id === 'hotspot' ? msg('rule.veto.hotspot', { year, text }) : msg('rule.veto.discipline', { year, text });
}

/** The rule of a group's tiers, or null when it has none. */
export function tiersRule(tiers: RankedCard['group']['tiers']): Msg | null {
  if (!tiers) return null;
  return msg('rule.tiers', { levels: tiers.levels.map((l) => msg('rule.tiers.level', { tier: l.id, min: l.minH })), vetoCap: tiers.vetoCap, text: tiers.rule });
}

export function scorecardView(c: RankedCard, rb: Rulebook): ScorecardView {
  const titled = rb.file.titles.danVanKheo.list === c.list.id;
  const tr = titled ? titleRules(rb) : null;
  return {
    unitId: c.unitId,
    year: c.year,
    kind: c.kind,
    name: c.name,
    list: c.list.id,
    rulebook: rb.ref,
    complete: c.complete,
    missing: c.missing,
    criteria: c.criteria.map((k) => ({
      id: k.id,
      name: k.name,
      source: k.source,
      max: k.maxH / 100,
      points: k.pointsH === null ? null : k.pointsH / 100,
      rule: k.rule,
      computation: k.computation,
      used: notes(k.used),
      ignored: notes(k.ignored),
    })),
    bonus: { points: c.bonusH / 100, rule: c.bonus.rule, used: notes(c.bonus.used), ignored: notes(c.bonus.ignored) },
    total: c.totalH / 100,
    totalRule: totalRule(rb),
    totalComputation: c.totalRule,
    vetoes: c.vetoes.map((v) => ({ id: v.id, rule: vetoRule(rb, v.id, c.year), events: notes(v.events) })),
    tier: c.tier,
    tierRule: tiersRule(c.group.tiers),
    tierComputation: c.tierRule,
    rank: c.rank,
    rankRule: rankRule(c.list),
    rankComputation: c.rankRule,
    titles: c.titles,
    titleRules: tr ? [tr.dan_van_kheo, tr.tieu_bieu] : [],
    titleComputations: c.titleRules,
    monthsOnTime: c.monthsOnTime,
  };
}

/** Every position a scorecard's explanation refers to. */
export function positionsOf(v: ScorecardView): number[] {
  const out = new Set<number>();
  const add = (xs: NoteView[]) => xs.forEach((x) => out.add(x.position));
  for (const c of v.criteria) (add(c.used), add(c.ignored));
  add(v.bonus.used);
  add(v.bonus.ignored);
  for (const x of v.vetoes) add(x.events);
  return [...out].sort((a, b) => a - b);
}

export interface KpiView {
  id: string;
  rule: Msg;
  computation: Msg;
  counted: string[];
  of: string[];
}
export const kpiView = (k: KpiResult): KpiView => ({ id: k.id, rule: k.rule, computation: k.computation, counted: k.counted, of: k.of });

/**
 * Every rule of a rulebook as the explanations quote it in a year: what `dvk rulebook show`
 * prints, and what a check of the rulebook's own wording (each text uses only its rule's
 * parameters) goes through.
 */
export function rulebookRules(rb: Rulebook, year: number): Msg[] {
  const out: Msg[] = [totalRule(rb)];
  for (const g of rb.groups) {
    for (const c of g.criteria) out.push(criterionRule(c, year));
    const t = tiersRule(g.tiers);
    if (t) out.push(t);
  }
  out.push(bonusRule(rb));
  for (const l of rb.lists) out.push(rankRule(l));
  const tr = titleRules(rb);
  out.push(tr.dan_van_kheo, tr.tieu_bieu);
  for (const v of rb.vetoes) out.push(vetoRule(rb, v as 'hotspot' | 'discipline', year));
  for (const k of evaluateYear(initialState(), rb, year).kpis) out.push(k.rule);
  return out;
}

import type { RulebookRef } from '@dvk/contracts';
import type { EventNote } from './score.js';
import type { KpiResult, RankedCard } from './year.js';

/**
 * The explanation of a unit-year in plain data (points as numbers, events by log position):
 * what the read model stores, what `dvk explain` prints and the API serves, once the shell has
 * attached each position's event.
 */
export interface NoteView {
  position: number;
  note: string;
}
export interface CriterionView {
  id: string;
  name: string;
  source: string;
  max: number;
  points: number | null;
  rule: string;
  computation: string;
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
  bonus: { points: number; rule: string; used: NoteView[]; ignored: NoteView[] };
  total: number;
  totalRule: string;
  vetoes: { id: string; events: NoteView[] }[];
  tier: string | null;
  tierRule: string;
  rank: number | null;
  rankRule: string;
  titles: string[];
  titleRules: string[];
  monthsOnTime: number;
}

const notes = (xs: readonly EventNote[]): NoteView[] => xs.map((x) => ({ position: x.p, note: x.note }));

export function scorecardView(c: RankedCard, rulebook: RulebookRef): ScorecardView {
  return {
    unitId: c.unitId,
    year: c.year,
    kind: c.kind,
    name: c.name,
    list: c.list.id,
    rulebook,
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
    totalRule: c.totalRule,
    vetoes: c.vetoes.map((v) => ({ id: v.id, events: notes(v.events) })),
    tier: c.tier,
    tierRule: c.tierRule,
    rank: c.rank,
    rankRule: c.rankRule,
    titles: c.titles,
    titleRules: c.titleRules,
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
  rule: string;
  counted: string[];
  of: string[];
}
export const kpiView = (k: KpiResult): KpiView => ({ id: k.id, rule: k.rule, counted: k.counted, of: k.of });

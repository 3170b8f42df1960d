import type { Msg } from '@dvk/contracts';
import type { ScorecardView } from '@dvk/scoring';

/**
 * The rules a scorecard quotes are the same for every card of a year under its rulebook (each
 * criterion's, the bonus's, the total's, the tiers of a group, the order of a list, the titles,
 * the vetoes): a card is stored without them, and they once per year in rm_years.rules, keyed by
 * what they are the rule of. Its rank and titles live in rm_ranks (they depend on the whole list).
 */
export type YearRules = Record<string, Msg | null>;

const NONE: Msg = { code: 'calc.lean', params: {} };

/** Moves a card's rules into `rules` and blanks its rank and titles: what rm_scorecards keeps. */
export function stripRules(v: ScorecardView, rules: YearRules): ScorecardView {
  for (const k of v.criteria) rules[`criterion:${k.id}`] = k.rule;
  rules.bonus = v.bonus.rule;
  rules.total = v.totalRule;
  rules[`tiers:${v.list}`] = v.tierRule;
  rules[`rank:${v.list}`] = v.rankRule;
  for (const x of v.vetoes) rules[`veto:${x.id}`] = x.rule;
  v.titleRules.forEach((r, i) => (rules[`title:${i}`] = r));
  return {
    ...v,
    criteria: v.criteria.map((k) => ({ ...k, rule: NONE })),
    bonus: { ...v.bonus, rule: NONE },
    totalRule: NONE,
    tierRule: NONE,
    rankRule: NONE,
    vetoes: v.vetoes.map((x) => ({ ...x, rule: NONE })),
    rank: null,
    rankComputation: NONE,
    titles: [],
    titleRules: v.titleRules.map(() => NONE),
    titleComputations: [],
  };
}

/** A stored card with its year's rules and its rank and titles put back. */
export function withRules(stored: ScorecardView, rules: YearRules, rank: { rank: number | null; rankComputation: Msg; titles: string[]; titleComputations: Msg[] }): ScorecardView {
  const rule = (key: string): Msg => rules[key] ?? NONE;
  return {
    ...stored,
    criteria: stored.criteria.map((k) => ({ ...k, rule: rule(`criterion:${k.id}`) })),
    bonus: { ...stored.bonus, rule: rule('bonus') },
    totalRule: rule('total'),
    tierRule: rules[`tiers:${stored.list}`] ?? null,
    rankRule: rule(`rank:${stored.list}`),
    vetoes: stored.vetoes.map((x) => ({ ...x, rule: rule(`veto:${x.id}`) })),
    titleRules: stored.titleRules.map((_, i) => rule(`title:${i}`)),
    ...rank,
  };
}

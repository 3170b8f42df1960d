import type { Prize, UnitKind } from '@dvk/contracts';
import {
  assessments,
  cases,
  dialogues,
  endingUnitReports,
  modelEvents,
  monthlyReports,
  planHotspots,
  planPrizes,
  recognitions,
  registryChanges,
  vetoEvents,
  type UnitExtras,
} from './activity.js';
import { badEventsOfYear } from './bad.js';
import { LineSink, SOURCES, type Line } from './emit.js';
import { modelHistory, type SampleModel } from './models.js';
import { SCORED_KINDS, existsIn, onRoll, type District, type SampleUnit } from './registry.js';
import { Rand } from './rng.js';
import { clamp, liveModels, quality, roundHalfUp, workTime, type GenConfig, type YearCtx } from './sampling.js';
import {
  CAP_BINDS,
  GROUPS,
  GROUP_OF,
  PRIZE_H,
  TOP_COUNT,
  blocGoodShare,
  chooseModelPoints,
  fitBand,
  lowerModelPoints,
  planUnit,
  splitAssessed,
  teamGoodShare,
  type Band,
  type Group,
  type Plan,
} from './scores.js';
import { dayOf, isContestYear } from './time.js';

/**
 * One year of one district copy: every event about that year, in the order it was made (the
 * caller sorts it). Scores are planned, not left to chance: each scored unit gets a band (e.g.
 * "Dân vận khéo" candidate, "Hoạt động tốt", ordinary) from yearly quotas, a target total in its
 * band, then activity that fits the band (reports, cases, dialogues, recognised models, prizes),
 * and last the Ban Dân vận's assessed points that bring the total to the target. The generator
 * keeps its own account of the points RULEBOOK §3 will give, in hundredths, so the KPIs land in
 * realistic ranges for every seed; the scoring core is the judge (see the tests).
 */

/** Generates every event about `year` for district copy `d` (unsorted). */
export function generateCopyYear(cfg: GenConfig, d: District, year: number): Line[] {
  const sink = new LineSink(new Rand(cfg.seed, `${d.copy}|ids|${year}`));
  const history = new Map<string, SampleModel[]>();
  for (const u of d.units) history.set(u.id, modelHistory(cfg.seed, d, u, cfg.firstYear, cfg.lastYear));
  const ctx: YearCtx = { cfg, d, year, index: year - cfg.firstYear, sink, history };
  const yr = new Rand(cfg.seed, `${d.copy}|year|${year}`);

  const roll = d.units.filter((u) => onRoll(d, u, year));
  const scored = roll.filter((u) => SCORED_KINDS.includes(u.kind));
  const ofKind = (...kinds: UnitKind[]) => scored.filter((u) => kinds.includes(u.kind));

  // Vetoes: a few hotspots (mostly in communes) and one or two disciplines in group A.
  const hotspots = planHotspots(ctx, yr, scored);
  const disciplined = yr.shuffled(ofKind('commune_party', 'agency')).slice(0, yr.int(1, 2));
  const vetoed = new Set([...hotspots.map((h) => h.unit.id), ...disciplined.map((u) => u.id)]);

  // About 2.5% of unit-years lack one official assessment ("Chưa đánh giá").
  const incomplete = new Set<string>();
  for (const u of scored) if (yr.chance(0.025)) incomplete.add(u.id);

  const live = (u: SampleUnit) => liveModels(ctx, u);
  const clean = (u: SampleUnit) => !vetoed.has(u.id) && !incomplete.has(u.id) && live(u).length > 0;
  const rankScore = (u: SampleUnit) => quality(cfg.seed, d, u) + 0.12 * new Rand(cfg.seed, `${d.copy}|rank|${year}|${u.key}`).gauss();
  const byMerit = (us: SampleUnit[]) =>
    us.map((u) => [u, rankScore(u)] as const).sort((a, b) => b[1] - a[1] || a[0].index - b[0].index).map(([u]) => u);

  const bands = new Map<string, Band>();
  // Group A: E units aim at ≥ 85 (H of them at ≥ 95); E is above the cap in "binding" years.
  const groupA = ofKind('commune_party', 'agency');
  const cap = Math.floor((30 * groupA.length) / 100);
  const binds = CAP_BINDS[ctx.index % CAP_BINDS.length]!;
  const eligible = binds ? cap + 3 + yr.int(0, 2) : cap - 3 - yr.int(0, 2);
  const topCount = TOP_COUNT[ctx.index % TOP_COUNT.length]!;
  byMerit(groupA.filter(clean)).forEach((u, i) => bands.set(u.id, i < topCount ? 'top' : i < eligible ? 'high' : 'normal'));
  // Group B: a quota of "Hoạt động tốt" per list.
  const teams = ofKind('mobilization_team');
  const teamGood = Math.round(teamGoodShare(ctx.index, yr.float()) * teams.length);
  byMerit(teams.filter(clean)).forEach((u, i) => bands.set(u.id, i < teamGood ? 'good' : 'normal'));
  const blocs = ofKind('mobilization_bloc');
  const blocGood = Math.round(blocGoodShare(ctx.index, yr.float()) * blocs.length);
  byMerit(blocs.filter(clean)).forEach((u, i) => bands.set(u.id, i < blocGood ? 'good' : 'normal'));
  // Group C: two or three "Vững mạnh", all or all but one at least "Tiên tiến".
  const massOrgs = ofKind('mass_org');
  const strong = yr.int(2, 3);
  const advanced = yr.chance(0.6) ? massOrgs.length : massOrgs.length - 1;
  byMerit(massOrgs.filter(clean)).forEach((u, i) => bands.set(u.id, i < strong ? 'strong' : i < advanced ? 'advanced' : 'normal'));

  const prizes = isContestYear(year) ? planPrizes(yr, groupA, bands) : new Map<string, Prize[]>();

  // In the 2nd and 4th years, a team loses an official assessment to a retraction not replaced.
  const forced = new Set<string>();
  const forcedPool = yr.shuffled(teams.filter((u) => !incomplete.has(u.id)));
  if (ctx.index === 1 || ctx.index === 3) forced.add(forcedPool[0]!.id);

  for (const u of d.units) {
    const group = GROUP_OF[u.kind];
    if (!group) continue;
    if (!onRoll(d, u, year)) {
      if (existsIn(d, u, year)) endingUnitReports(ctx, u);
      continue;
    }
    const r = new Rand(cfg.seed, `${d.copy}|u|${year}|${u.key}`);
    const plan = planUnit(r, group, bands.get(u.id) ?? 'normal', quality(cfg.seed, d, u), vetoed.has(u.id), live(u).length > 0);
    unitYear(ctx, r, u, group, plan, {
      incomplete: incomplete.has(u.id),
      prizes: prizes.get(u.id) ?? [],
      forcedRetraction: forced.has(u.id),
    });
  }

  modelEvents(ctx);
  registryChanges(ctx);
  vetoEvents(ctx, yr, hotspots, disciplined);
  for (const [unitId, list] of prizes)
    for (const prize of list) sink.emit('ContestPrizeAwarded', SOURCES.banDanVan, workTime(yr, dayOf(year, 10, 20), dayOf(year, 11, 10)), { unitId, year, prize });
  if (cfg.badEvents && d.copy === 1) badEventsOfYear(cfg, d, year, sink);
  return sink.lines;
}

/** Every event of one scored unit on the roll of the year. */
function unitYear(ctx: YearCtx, r: Rand, u: SampleUnit, group: Group, plan: Plan, extra: UnitExtras): void {
  const { band } = plan;
  const strict = band === 'top';
  const lateP = strict ? 0 : band === 'high' ? 0.01 : band === 'normal' ? 0.035 + 0.1 * (1 - quality(ctx.cfg.seed, ctx.d, u)) : 0.02;
  const missP = strict || band === 'high' ? 0 : 0.008;
  const onTime = monthlyReports(ctx, r, u, lateP, missP);
  let rest = roundHalfUp(GROUPS[group].reportingMaxH * onTime, 12);
  if (group === 'A') {
    rest += cases(ctx, r, u, band);
    rest += dialogues(ctx, r, u, band);
  }
  const bonus = extra.prizes.reduce((b, p) => Math.max(b, PRIZE_H[p]), 0);
  rest += bonus;

  // Models: the points the band needs beyond a typical assessment, from recognitions this year.
  const crit = GROUPS[group].assessed;
  const assessedMax = crit.reduce((s, [, m]) => s + m, 0);
  const models = liveModels(ctx, u);
  const need = plan.target - rest - Math.round(plan.assessedShare * assessedMax);
  let modelPts = chooseModelPoints(r, models.length, need, band);
  const minAssessed = Math.round(0.4 * assessedMax);
  const maxAssessed = Math.round((strict ? 0.99 : 0.97) * assessedMax);
  // Too many model points for a modest target: fewer recognitions rather than absurd assessments.
  while (modelPts > 0 && plan.target - rest - modelPts < minAssessed) modelPts = lowerModelPoints(modelPts, models.length);
  recognitions(ctx, r, u, models, modelPts);
  rest += modelPts;

  // Assessed points: what is left to the target, split over the criteria on quarter points.
  const points = splitAssessed(r, crit, clamp(plan.target - rest, minAssessed, maxAssessed), strict);
  fitBand(points, crit, rest, plan.range);
  assessments(ctx, r, u, band, crit, points, extra);
}

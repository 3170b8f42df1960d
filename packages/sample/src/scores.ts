import type { ModelLevel, Prize, UnitKind } from '@dvk/contracts';
import type { Rand } from './rng.js';
import { clamp, quarterIn } from './sampling.js';

/**
 * Planned scores. Each scored unit gets, per year, a band (a "Dân vận khéo" candidate, "Hoạt
 * động tốt", ordinary …) from yearly quotas, and a target total inside the band's range. Its
 * activity is then generated to fit the band, and the assessed points bring the total to the
 * target. All points are hundredths, as in the core (RULEBOOK §3).
 */

export type Group = 'A' | 'B' | 'C';
export type Band = 'top' | 'high' | 'good' | 'strong' | 'advanced' | 'normal';

export const GROUP_OF: Partial<Record<UnitKind, Group>> = {
  commune_party: 'A',
  agency: 'A',
  mobilization_team: 'B',
  mobilization_bloc: 'B',
  mass_org: 'C',
};

/** Assessed criteria (id, max in hundredths) and the max of the reporting criterion, by group. */
export const GROUPS: Record<Group, { assessed: readonly (readonly [string, number])[]; reportingMaxH: number }> = {
  A: { assessed: [['A1', 2000], ['A2', 2000], ['A7', 1000]], reportingMaxH: 1000 },
  B: { assessed: [['B1', 3000], ['B4', 3000]], reportingMaxH: 2000 },
  C: { assessed: [['C1', 2500], ['C2', 2500], ['C3', 2000]], reportingMaxH: 1000 },
};
export const MODELS_MAX_H = 2000;
export const CASES_MAX_H = 1500;
export const LEVEL_H: Record<ModelLevel, number> = { commune: 800, district: 1200, province: 2000 };
export const PRIZE_H: Record<Prize, number> = { first: 500, second: 300, third: 200, encouragement: 100 };

/**
 * Whether the "Dân vận khéo" cap (30% of group A) binds, by year index (cycled): more units reach
 * 85 than the cap allows in these years, fewer in the others.
 */
export const CAP_BINDS = [false, true, false, true, true, false, true, true, false, true] as const;
/** How many group A units plan a total of 95 or more ("tiêu biểu" candidates), by year index. */
export const TOP_COUNT = [3, 4, 5, 4, 6, 5, 4, 5, 6, 4] as const;

/** Share of chosen units (of the roll) in the "Hoạt động tốt" band, by list: trend + jitter. */
export const teamGoodShare = (i: number, jitter: number) => clamp(0.64 + 0.025 * Math.min(i, 4) + 0.06 * (jitter - 0.5), 0.63, 0.77);
export const blocGoodShare = (i: number, jitter: number) => clamp(0.765 + 0.012 * Math.min(i, 4) + 0.04 * (jitter - 0.5), 0.74, 0.83);

/** Band of totals (hundredths) each band must land in; margins keep later corrections inside. */
export const BAND_RANGE: Record<Group, Partial<Record<Band, readonly [number, number]>>> = {
  A: { top: [9600, 10000], high: [8650, 9350], normal: [0, 8350] },
  B: { good: [8075, 10000], normal: [0, 7875] },
  C: { strong: [9050, 10000], advanced: [7600, 8900], normal: [0, 7375] },
};

export interface Plan {
  band: Band;
  /** Target total (hundredths). */
  target: number;
  range: readonly [number, number];
  /** Typical share of the assessed maximum for the band. */
  assessedShare: number;
}

export function planUnit(r: Rand, group: Group, band: Band, q: number, vetoed: boolean, hasModels: boolean): Plan {
  const range = BAND_RANGE[group][band] ?? BAND_RANGE[group].normal!;
  const plan = (target: number, assessedShare: number): Plan => ({ band, target, range, assessedShare });
  switch (band) {
    case 'top':
      return plan(quarterIn(r, 9600, 9950), 0.94 + 0.04 * r.float());
    case 'high':
      return plan(quarterIn(r, 8650, 9350), 0.86 + 0.08 * r.float());
    case 'good':
      return plan(quarterIn(r, 8075, 8075 + 1200 * r.float()), 0.85 + 0.1 * r.float());
    case 'strong':
      return plan(quarterIn(r, 9050, 9600), 0.9 + 0.06 * r.float());
    case 'advanced':
      return plan(quarterIn(r, 7600, 8900), 0.8 + 0.1 * r.float());
    case 'normal': {
      // A vetoed unit may have done well otherwise: its veto, not its total, keeps it from a title.
      if (vetoed && hasModels && r.chance(0.4)) {
        const hi: readonly [number, number] = group === 'A' ? [8550, 9200] : [8075, 8800];
        return { band, target: quarterIn(r, hi[0], hi[1]), range: hi, assessedShare: 0.88 + 0.06 * r.float() };
      }
      const noise = r.gauss();
      if (group === 'A') return plan(Math.round(clamp(5800 + 2500 * q + 400 * noise, 5000, 8350) / 25) * 25, clamp(0.5 + 0.35 * q + 0.05 * noise, 0.45, 0.9));
      if (group === 'B') return plan(Math.round(clamp(6000 + 1800 * q + 500 * noise, 4500, 7875) / 25) * 25, clamp(0.6 + 0.25 * q + 0.04 * noise, 0.45, 0.9));
      return plan(quarterIn(r, 6400, 7375), 0.7 + 0.1 * r.float());
    }
  }
}

/** Model points (hundredths, capped at 20) reachable with k live models: 8, 12, 16 or 20 each. */
export function reachable(k: number): number[] {
  const one = [0, ...Object.values(LEVEL_H)];
  const out = new Set(k === 0 ? [0] : one.map((a) => Math.min(MODELS_MAX_H, a)));
  if (k >= 2) for (const a of one) for (const b of one) out.add(Math.min(MODELS_MAX_H, a + b));
  return [...out].sort((a, b) => a - b);
}

export function chooseModelPoints(r: Rand, k: number, need: number, band: Band): number {
  const options = reachable(k);
  // Ordinary units are recognised now and then, whatever their target.
  const baseline = band === 'normal' ? (r.chance(0.5) ? r.pick(options.slice(0, 3)) : 0) : 800;
  const wanted = Math.max(need, baseline);
  return options.find((p) => p >= wanted) ?? options[options.length - 1]!;
}

export function lowerModelPoints(p: number, k: number): number {
  const options = reachable(k).filter((x) => x < p);
  return options[options.length - 1] ?? 0;
}

/** Splits `total` hundredths over the assessed criteria, near their weights, on quarter points. */
export function splitAssessed(r: Rand, crit: readonly (readonly [string, number])[], total: number, strict: boolean): number[] {
  const maxSum = crit.reduce((s, [, m]) => s + m, 0);
  const caps = crit.map(([, m]) => Math.floor((strict ? m : m * 0.99) / 25) * 25);
  const weights = crit.map(([, m]) => (m / maxSum) * (1 + 0.05 * r.gauss()));
  const wsum = weights.reduce((s, w) => s + w, 0);
  const points = weights.map((w, i) => Math.min(caps[i]!, Math.floor((total * w) / wsum / 25) * 25));
  let left = Math.floor((total - points.reduce((s, p) => s + p, 0)) / 25);
  for (let guard = 0; left > 0 && guard < 1000; guard++) {
    const i = r.int(0, crit.length - 1);
    if (points[i]! + 25 <= caps[i]!) {
      points[i]! += 25;
      left--;
    } else if (points.every((p, j) => p + 25 > caps[j]!)) break;
  }
  return points;
}

/** Moves assessed points by quarter points until the total is inside the band's range. */
export function fitBand(points: number[], crit: readonly (readonly [string, number])[], rest: number, range: readonly [number, number]): void {
  const total = () => Math.min(10000, rest + points.reduce((s, p) => s + p, 0));
  for (let guard = 0; guard < 400 && total() < range[0]; guard++) {
    const i = points.findIndex((p, j) => p + 25 <= crit[j]![1] - 25);
    if (i < 0) break;
    points[i]! += 25;
  }
  for (let guard = 0; guard < 400 && total() > range[1]; guard++) {
    const i = points.findIndex((p) => p >= 25);
    if (i < 0) break;
    points[i]! -= 25;
  }
}

import { describe, expect, it } from 'vitest';
import type { Kpi, YearReport } from '@dvk/contracts';
import { evaluateYear, yearReport } from '@dvk/scoring';
import { generateDistrictSummary } from '../src/index.js';
import { foldAll, parseAll, rulebook } from './fold.js';

/** A share KPI as a number (percent), for range checks. */
function share(k: Kpi | undefined): number {
  if (!k || !('numerator' in k)) throw new Error('not a share KPI');
  return (100 * k.numerator) / k.denominator;
}

interface YearFigures {
  year: number;
  k1: number;
  k2: number;
  /** Mass organisations rated at least "Tiên tiến" (of 7). */
  massAdvanced: number;
  groupA: number;
  cap: number;
  /** Group A units that could hold "Dân vận khéo": complete, no veto, total ≥ 85. */
  eligible: number;
  /** Group A units with a complete scoresheet and a total ≥ 95. */
  atLeast95: number;
  incompleteShare: number;
}

function figures(rep: YearReport): YearFigures {
  const a = rep.units.filter((u) => u.list === 'dvk_candidates');
  const complete = a.filter((u) => u.complete);
  const k3 = rep.kpis.K3;
  return {
    year: rep.year,
    k1: share(rep.kpis.K1),
    k2: share(rep.kpis.K2),
    massAdvanced: k3 && 'numerator' in k3 ? k3.numerator : -1,
    groupA: a.length,
    cap: Math.floor((30 * a.length) / 100),
    eligible: complete.filter((u) => u.total >= 85 && u.vetoes.length === 0).length,
    atLeast95: complete.filter((u) => u.total >= 95).length,
    incompleteShare: rep.units.filter((u) => !u.complete).length / rep.units.length,
  };
}

describe.each([2016, 7])('the KPIs of the sample district (seed %i), through the scoring core', (seed) => {
  const { events } = parseAll({ seed });
  const { state, ctx } = foldAll(events);
  const years = generateDistrictSummary({ seed }).years;
  const all = years.map((y) => figures(yearReport(evaluateYear(state, rulebook, y, ctx))));

  it.each(years)('%i: 60–80% of mobilization teams and 70–85% of blocs are "Hoạt động tốt"', (year) => {
    const f = all.find((x) => x.year === year)!;
    expect(f.k1).toBeGreaterThanOrEqual(60);
    expect(f.k1).toBeLessThanOrEqual(80);
    expect(f.k2).toBeGreaterThanOrEqual(70);
    expect(f.k2).toBeLessThanOrEqual(85);
  });

  it.each(years)('%i: most mass organisations are "Tiên tiến" or better; 2–3% of scoresheets are incomplete', (year) => {
    const f = all.find((x) => x.year === year)!;
    expect(f.massAdvanced).toBeGreaterThanOrEqual(5);
    expect(f.incompleteShare).toBeGreaterThan(0.005);
    expect(f.incompleteShare).toBeLessThan(0.05);
  });

  it('has a "Dân vận khéo" cap that binds in some years but not all', () => {
    const binding = all.filter((f) => f.eligible > f.cap);
    expect(binding.length).toBeGreaterThan(0);
    expect(binding.length).toBeLessThan(all.length);
    // Around the cap, never absurdly far from it.
    for (const f of all) expect(Math.abs(f.eligible - f.cap)).toBeLessThanOrEqual(8);
  });

  it('has 3–6 group A units at 95 or more in most years', () => {
    const good = all.filter((f) => f.atLeast95 >= 3 && f.atLeast95 <= 6);
    expect(good.length).toBeGreaterThanOrEqual(all.length - 1);
  });

  it('shows growth over the plan: more teams "Hoạt động tốt" at the end than at the start', () => {
    expect(all[all.length - 1]!.k1).toBeGreaterThan(all[0]!.k1);
  });
});

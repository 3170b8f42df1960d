import type { LineSink } from './emit.js';
import { liveAt, type SampleModel } from './models.js';
import type { District, SampleUnit } from './registry.js';
import { Rand } from './rng.js';
import { at, dayOf } from './time.js';

/** What every part of one year's generation shares: the configuration, the year, small helpers. */

export interface GenConfig {
  readonly seed: number;
  readonly firstYear: number;
  readonly lastYear: number;
  readonly badEvents: boolean;
}

export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
/** round half up of a/b (a, b ≥ 0), as the core computes. */
export const roundHalfUp = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));
/** A uniform draw in [lo, hi] hundredths, on a quarter point. */
export const quarterIn = (r: Rand, lo: number, hi: number) => Math.round((lo + r.float() * (hi - lo)) / 25) * 25;
/** Points as written in events: hundredths → number with at most 2 decimals. */
export const pts = (h: number) => h / 100;
/** A working-hours instant on a random day in [from, to] (local day numbers). */
export const workTime = (r: Rand, from: number, to: number) => at(r.int(from, Math.max(from, to)), r.int(7, 16), r.int(0, 59));

/** What the generation of one year needs to know about its district copy. */
export interface YearCtx {
  readonly cfg: GenConfig;
  readonly d: District;
  readonly year: number;
  readonly index: number;
  readonly sink: LineSink;
  readonly history: ReadonlyMap<string, SampleModel[]>;
}

/** A unit's lasting quality in [0, 1] (mean of three uniforms: most units are middling). */
export function quality(seed: number, d: District, u: SampleUnit): number {
  let q = qualityMemo.get(u);
  if (q === undefined) {
    const r = new Rand(seed, `${d.copy}|quality|${u.key}`);
    q = (r.float() + r.float() + r.float()) / 3;
    qualityMemo.set(u, q);
  }
  return q;
}
/** Per unit object: a district copy's units are rebuilt for each year, so this never grows old. */
const qualityMemo = new WeakMap<SampleUnit, number>();

/** Models owned and live at the end of the year: the unit's own and those of units merged into it. */
export function liveModels(ctx: YearCtx, u: SampleUnit): SampleModel[] {
  const own = liveAt(ctx.history.get(u.id)!, ctx.year);
  const merged = (ctx.d.absorbed.get(u.id) ?? []).filter((a) => a.day <= dayOf(ctx.year, 12, 31));
  return [...own, ...merged.flatMap((a) => liveAt(ctx.history.get(a.source.id)!, ctx.year))];
}

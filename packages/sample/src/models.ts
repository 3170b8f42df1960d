import type { UnitKind } from '@dvk/contracts';
import { MODEL_TITLES, REVOCATION_REASONS, type ModelField } from './names.js';
import { existsIn, onRoll, type District, type SampleUnit } from './registry.js';
import { Rand } from './rng.js';
import { at, dayOf } from './time.js';

/**
 * "Dân vận khéo" models: which unit registers which model when, and which are revoked. A unit's
 * model history is a pure function of (seed, copy, unit), drawn year by year from the first year,
 * so any year can be generated without remembering earlier ones, and the history of the first
 * years does not change when more years are generated.
 */

export interface SampleModel {
  readonly id: string;
  /** The registrant. */
  readonly unit: SampleUnit;
  readonly year: number;
  readonly registeredAt: number;
  readonly field: ModelField;
  readonly title: string;
  readonly revokedYear: number | null;
  readonly revokedAt: number | null;
  readonly revokeReason: string | null;
}

/** How many models a unit has when the plan starts (first year), as weights of 0, 1, 2, 3. */
const INITIAL: Record<UnitKind, readonly number[]> = {
  // 92% of villages have at least one (the plan: 340 of 369 in 2015), about 1.2 each.
  village: [8, 66, 22, 4],
  mobilization_team: [5, 70, 25, 0],
  mobilization_bloc: [0, 60, 40, 0],
  commune_party: [0, 30, 50, 20],
  agency: [13, 60, 27, 0],
  mass_org: [0, 30, 50, 20],
};
/** Chance of a new model in a later year: [when the unit has none yet, when it has some]. */
const LATER: Record<UnitKind, readonly [number, number]> = {
  village: [0.22, 0.08],
  mobilization_team: [0.5, 0.1],
  mobilization_bloc: [0.6, 0.15],
  commune_party: [0.8, 0.25],
  agency: [0.6, 0.15],
  mass_org: [0.8, 0.3],
};
/** Yearly chance that a live model of a unit with two or more live models is revoked. */
const REVOKE_CHANCE = 0.0025;

const FIELD_WEIGHTS: Record<UnitKind, readonly (readonly [ModelField, number])[]> = {
  village: [['environment', 25], ['food_safety', 20], ['health_insurance', 10], ['new_rural_development', 25], ['security_order', 15], ['other', 5]],
  mobilization_team: [['environment', 25], ['food_safety', 15], ['health_insurance', 15], ['new_rural_development', 20], ['security_order', 20], ['other', 5]],
  mobilization_bloc: [['environment', 20], ['food_safety', 15], ['health_insurance', 10], ['new_rural_development', 25], ['security_order', 15], ['other', 15]],
  commune_party: [['environment', 20], ['food_safety', 15], ['health_insurance', 10], ['new_rural_development', 25], ['security_order', 15], ['other', 15]],
  agency: [['environment', 15], ['food_safety', 5], ['health_insurance', 15], ['new_rural_development', 10], ['security_order', 10], ['other', 45]],
  mass_org: [['environment', 15], ['food_safety', 10], ['health_insurance', 20], ['new_rural_development', 10], ['security_order', 5], ['other', 40]],
};

/** The model history of one unit over [firstYear, lastYear]. */
export function modelHistory(seed: number, d: District, u: SampleUnit, firstYear: number, lastYear: number): SampleModel[] {
  const r = new Rand(seed, `${d.copy}|models|${u.key}`);
  const out: { m: Omit<SampleModel, 'revokedYear' | 'revokedAt' | 'revokeReason'>; rev: { year: number; at: number; reason: string } | null }[] = [];
  for (let y = firstYear; y <= lastYear; y++) {
    // Draws of a year are always made in the same order, whatever happens to the unit, so that
    // the history of the first years does not depend on the scenario of later ones.
    const isFirst = y === firstYear;
    const live = out.filter((x) => x.rev === null);
    const wanted = isFirst
      ? r.weighted(INITIAL[u.kind].map((w, i) => [i, w] as const))
      : r.chance(LATER[u.kind][live.length === 0 ? 0 : 1]) ? 1 : 0;
    const revokeDraws = live.map(() => r.float());
    const active = onRoll(d, u, y) && existsIn(d, u, y);
    if (!active) continue;
    // Revocations first (of models registered in earlier years), only where another model remains.
    let liveCount = live.length;
    live.forEach((x, i) => {
      if (liveCount >= 2 && revokeDraws[i]! < REVOKE_CHANCE) {
        x.rev = { year: y, at: at(dayOf(y, r.int(3, 11), r.int(1, 28)), r.int(8, 16), r.int(0, 59)), reason: r.pick(REVOCATION_REASONS) };
        liveCount--;
      }
    });
    for (let k = 0; k < wanted; k++) {
      const field = r.weighted(FIELD_WEIGHTS[u.kind]);
      const day = isFirst ? dayOf(y, r.int(2, 11), r.int(1, 28)) : dayOf(y, r.int(1, 11), r.int(15, 28));
      out.push({
        m: {
          id: `mh-${u.id}-${out.length + 1}`,
          unit: u,
          year: y,
          registeredAt: at(day, r.int(8, 16), r.int(0, 59)),
          field,
          title: r.pick(MODEL_TITLES[field]),
        },
        rev: null,
      });
    }
  }
  return out.map(({ m, rev }) => ({ ...m, revokedYear: rev?.year ?? null, revokedAt: rev?.at ?? null, revokeReason: rev?.reason ?? null }));
}

/** Models live at the end of `year`: registered by then and not revoked by then. */
export function liveAt(models: readonly SampleModel[], year: number): SampleModel[] {
  return models.filter((m) => m.year <= year && (m.revokedYear === null || m.revokedYear > year));
}

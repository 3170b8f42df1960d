import type { UnitKind } from '@dvk/contracts';
import { AGENCIES, COMMUNES, MASS_ORGS, QUARTER_NAMES, VILLAGE_NAMES, slug, vn } from './names.js';
import { Rand } from './rng.js';
import { dayOf } from './time.js';

/**
 * The registry of one district copy: which units exist, their ids, names and parents, and the
 * registry changes of the scenario (a dissolved agency, a merger of two communes and of their
 * blocs, renamed units). The layout is the same for every seed: only the activity of the units
 * (scores, reports, cases, models …) depends on the seed.
 */

export interface SampleUnit {
  /** The unit id as written in events (with the copy prefix). */
  readonly id: string;
  /** The id without copy prefix: the name of the unit's random streams (same in every copy). */
  readonly key: string;
  readonly kind: UnitKind;
  readonly name: string;
  readonly parentId?: string;
  /** Registry position, for stable orders. */
  readonly index: number;
}

/** A change of the registry at a date (`day`, local day number) of the scenario. */
export type RegistryChange =
  | { type: 'dissolve'; unit: SampleUnit; day: number }
  | { type: 'merge'; target: SampleUnit; source: SampleUnit; day: number }
  | { type: 'rename'; unit: SampleUnit; name: string; day: number };

export interface District {
  readonly copy: number;
  readonly prefix: string;
  readonly units: readonly SampleUnit[];
  readonly byKey: ReadonlyMap<string, SampleUnit>;
  /** Registry changes inside the generated years, by date. */
  readonly changes: readonly RegistryChange[];
  /** The local day from which a unit no longer exists (dissolved, or merged away), if it does. */
  readonly endDay: ReadonlyMap<string, number>;
  /** For a merge target: its sources and the day they joined. */
  readonly absorbed: ReadonlyMap<string, { source: SampleUnit; day: number }[]>;
}

/** Kinds with a scoresheet (RULEBOOK §3); villages only count for model coverage. */
export const SCORED_KINDS: readonly UnitKind[] = ['commune_party', 'agency', 'mobilization_team', 'mobilization_bloc', 'mass_org'];

/** The plan of one copy, per kind: what a test can expect. */
export const UNITS_PER_COPY: Readonly<Record<UnitKind, number>> = {
  commune_party: COMMUNES.length,
  agency: AGENCIES.length,
  village: COMMUNES.reduce((s, c) => s + c.villages, 0),
  mobilization_team: COMMUNES.reduce((s, c) => s + c.villages, 0),
  mobilization_bloc: COMMUNES.length,
  mass_org: MASS_ORGS.length,
};

/** Scenario keys (ids of copy 1). */
export const SCENARIO = {
  dissolvedAgency: 'cq-ban-qlda',
  /** Year offset from the first year, month and day the dissolution takes effect. */
  dissolveAt: { offset: 2, month: 9, day: 1 },
  mergeTarget: 'xa-phuc-hoa',
  mergeSource: 'xa-phuc-son',
  mergeTargetBloc: 'kdv-phuc-hoa',
  mergeSourceBloc: 'kdv-phuc-son',
  mergeAt: { offset: 3, month: 7, day: 1 },
  mergedName: 'Đảng bộ xã Hòa Sơn',
  mergedBlocName: 'Khối dân vận Đảng ủy xã Hòa Sơn',
  renamedVillageCommune: 'viet-lap',
  renameAt: { offset: 2, month: 7, day: 1 },
} as const;

/** The prefix of the unit ids of copy `copy` (1-based): none for copy 1, `d2-`, `d3-` … after. */
export const copyPrefix = (copy: number): string => (copy === 1 ? '' : `d${copy}-`);
const copySuffix = (copy: number): string => (copy === 1 ? '' : ` (bản sao ${copy})`);

interface VillagePlan {
  communeKey: string;
  cslug: string;
  townLike: boolean;
  communeName: string;
  names: string[];
}

/** The villages of each commune: a fixed draw from the name pools (the same for every seed). */
function villagePlans(): VillagePlan[] {
  return COMMUNES.map((c) => {
    const cslug = c.type === 'xa' ? slug(c.name) : `tt-${slug(c.name)}`;
    const pool = c.type === 'tt' ? QUARTER_NAMES : VILLAGE_NAMES;
    const names = new Rand(2016, `layout|${cslug}`).shuffled(pool).slice(0, c.villages);
    if (names.length < c.villages) throw new Error(`not enough village names for ${cslug}`);
    return { communeKey: `${c.type}-${slug(c.name)}`, cslug, townLike: c.type === 'tt', communeName: c.name, names };
  });
}
const VILLAGES = villagePlans();

/** The name a village gets when it is renamed in the scenario: one its commune does not use. */
function renamedVillageName(plan: VillagePlan): string {
  const free = VILLAGE_NAMES.filter((n) => !plan.names.includes(n));
  return free[0]!;
}

/** Builds the registry of one district copy; `firstYear`/`lastYear` bound the scenario's changes. */
export function buildDistrict(copy: number, firstYear: number, lastYear: number): District {
  const prefix = copyPrefix(copy);
  const suffix = copySuffix(copy);
  const units: SampleUnit[] = [];
  const add = (key: string, kind: UnitKind, name: string, parentKey?: string): SampleUnit => {
    const u: SampleUnit = {
      id: prefix + key,
      key,
      kind,
      name: vn(name + suffix),
      ...(parentKey === undefined ? {} : { parentId: prefix + parentKey }),
      index: units.length,
    };
    units.push(u);
    return u;
  };

  for (const m of MASS_ORGS) add(m.id, 'mass_org', m.name);
  for (const c of COMMUNES) add(`${c.type}-${slug(c.name)}`, 'commune_party', `Đảng bộ ${c.type === 'xa' ? 'xã' : 'thị trấn'} ${c.name}`);
  for (const a of AGENCIES) add(a.id, 'agency', a.name);
  for (const c of COMMUNES) {
    const cslug = c.type === 'xa' ? slug(c.name) : `tt-${slug(c.name)}`;
    add(`kdv-${cslug}`, 'mobilization_bloc', `Khối dân vận Đảng ủy ${c.type === 'xa' ? 'xã' : 'thị trấn'} ${c.name}`, `${c.type}-${slug(c.name)}`);
  }
  for (const v of VILLAGES)
    for (const n of v.names) add(`thon-${v.cslug}-${slug(n)}`, 'village', `${v.townLike ? 'Tổ dân phố' : 'Thôn'} ${n}`, v.communeKey);
  for (const v of VILLAGES)
    for (const n of v.names)
      add(
        `tdv-${v.cslug}-${slug(n)}`,
        'mobilization_team',
        `Tổ dân vận ${v.townLike ? 'tổ dân phố' : 'thôn'} ${n}, ${v.townLike ? 'thị trấn' : 'xã'} ${v.communeName}`,
        `thon-${v.cslug}-${slug(n)}`,
      );

  const byKey = new Map(units.map((u) => [u.key, u]));
  const get = (key: string): SampleUnit => {
    const u = byKey.get(key);
    if (!u) throw new Error(`scenario names an unknown unit ${key}`);
    return u;
  };

  // The scenario, relative to the first year (2018, 2019 with the defaults), kept only when the
  // generated years include it.
  const changes: RegistryChange[] = [];
  const inRange = (offset: number) => firstYear + offset <= lastYear;
  const S = SCENARIO;
  if (inRange(S.renameAt.offset)) {
    const plan = VILLAGES.find((v) => v.cslug === S.renamedVillageCommune)!;
    const old = plan.names[0]!;
    const fresh = renamedVillageName(plan);
    const day = dayOf(firstYear + S.renameAt.offset, S.renameAt.month, S.renameAt.day);
    changes.push({ type: 'rename', unit: get(`thon-${plan.cslug}-${slug(old)}`), name: vn(`Thôn ${fresh}${suffix}`), day });
    changes.push({
      type: 'rename',
      unit: get(`tdv-${plan.cslug}-${slug(old)}`),
      name: vn(`Tổ dân vận thôn ${fresh}, xã ${plan.communeName}${suffix}`),
      day,
    });
  }
  if (inRange(S.dissolveAt.offset))
    changes.push({ type: 'dissolve', unit: get(S.dissolvedAgency), day: dayOf(firstYear + S.dissolveAt.offset, S.dissolveAt.month, S.dissolveAt.day) });
  if (inRange(S.mergeAt.offset)) {
    const day = dayOf(firstYear + S.mergeAt.offset, S.mergeAt.month, S.mergeAt.day);
    changes.push({ type: 'merge', target: get(S.mergeTarget), source: get(S.mergeSource), day });
    changes.push({ type: 'merge', target: get(S.mergeTargetBloc), source: get(S.mergeSourceBloc), day });
    changes.push({ type: 'rename', unit: get(S.mergeTarget), name: vn(S.mergedName + suffix), day });
    changes.push({ type: 'rename', unit: get(S.mergeTargetBloc), name: vn(S.mergedBlocName + suffix), day });
  }

  const endDay = new Map<string, number>();
  const absorbed = new Map<string, { source: SampleUnit; day: number }[]>();
  for (const c of changes) {
    if (c.type === 'dissolve') endDay.set(c.unit.id, c.day);
    if (c.type === 'merge') {
      endDay.set(c.source.id, c.day);
      const l = absorbed.get(c.target.id) ?? [];
      l.push({ source: c.source, day: c.day });
      absorbed.set(c.target.id, l);
    }
  }
  return { copy, prefix, units, byKey, changes, endDay, absorbed };
}

/** True when the unit is active on 31 December of `year` (on the roll, RULEBOOK §2). */
export function onRoll(d: District, u: SampleUnit, year: number): boolean {
  const end = d.endDay.get(u.id);
  return end === undefined || end > dayOf(year, 12, 31);
}

/** True when the unit exists at some time in `year` (it may still report before it ends). */
export function existsIn(d: District, u: SampleUnit, year: number): boolean {
  const end = d.endDay.get(u.id);
  return end === undefined || end > dayOf(year, 1, 1);
}

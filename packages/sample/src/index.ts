import { UNIT_KINDS, type UnitKind } from '@dvk/contracts';
import { badLineSpecs, type BadLineSpec } from './bad.js';
import { SOURCES, chronological, LineSink, type Line } from './emit.js';
import { SCORED_KINDS, UNITS_PER_COPY, buildDistrict, copyPrefix, onRoll, type District } from './registry.js';
import { Rand } from './rng.js';
import { MINUTE_MS, at, dayOf, fmtDay, fmtLocal, isContestYear } from './time.js';
import type { GenConfig } from './sampling.js';
import { generateCopyYear } from './year.js';

/**
 * @dvk/sample — the deterministic generator of a realistic sample district (Tân Yên, Bắc Giang,
 * as planned in 2016), as NDJSON event lines: for the demo (`pnpm start`), tests and benchmarks.
 *
 * Output order: the registry (UnitRegistered of every unit of every copy) first; then, year by
 * year, each district copy's block of that year in chronological order (occurredAt), then the
 * year's YearClosed. Events about a year that happen after it is closed (corrections, late
 * resolutions, late December reports) go to the next year's block of their copy, after the last
 * year to a final block. Memory stays bounded: one block of one copy is held at a time, plus the
 * few events carried over per copy.
 */

export interface GenerateOptions {
  /** Same seed and options give byte-identical output. An integer. */
  seed: number;
  /** Default 2016. */
  firstYear?: number;
  /** Default 5 (2016–2020). */
  years?: number;
  /** Default 1: N copies of the district, ids prefixed d2-, d3- … for copies 2..N, names suffixed. */
  districts?: number;
  /** Default true: the few intended bad lines (district copy 1 only), see `BadLineSpec`. */
  badEvents?: boolean;
  /** Which years get a YearClosed: default 'all-but-last'. */
  closeYears?: 'all' | 'all-but-last' | 'none';
}

interface Resolved extends GenConfig {
  readonly years: number;
  readonly districts: number;
  readonly closeYears: 'all' | 'all-but-last' | 'none';
}

function resolve(opts: GenerateOptions): Resolved {
  const { seed, firstYear = 2016, years = 5, districts = 1, badEvents = true, closeYears = 'all-but-last' } = opts;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!Number.isInteger(firstYear) || firstYear < 2016 || firstYear > 9000) throw new RangeError(`firstYear must be an integer year from 2016, got ${firstYear}`);
  if (!Number.isInteger(years) || years < 1 || years > 100) throw new RangeError(`years must be an integer in 1..100, got ${years}`);
  if (!Number.isInteger(districts) || districts < 1 || districts > 100_000) throw new RangeError(`districts must be an integer ≥ 1, got ${districts}`);
  if (!['all', 'all-but-last', 'none'].includes(closeYears)) throw new RangeError(`closeYears must be all, all-but-last or none, got ${closeYears}`);
  return { seed, firstYear, lastYear: firstYear + years - 1, years, districts, badEvents, closeYears };
}

const closes = (o: Resolved, year: number): boolean => o.closeYears === 'all' || (o.closeYears === 'all-but-last' && year < o.lastYear);

/** When year Y is closed: around 20 January of Y+1 (the same for every copy). */
function closingTime(seed: number, year: number): number {
  const r = new Rand(seed, `close|${year}`);
  return at(dayOf(year + 1, 1, r.int(18, 22)), r.int(9, 15), r.int(0, 59));
}

function yearClosedLine(seed: number, year: number): string {
  const t = closingTime(seed, year);
  const id = new Rand(seed, `close|ids|${year}`).uuid();
  return JSON.stringify({ id, type: 'YearClosed', schemaVersion: 1, source: SOURCES.banDanVan, occurredAt: fmtLocal(t), data: { year, closedAt: fmtLocal(t) } });
}

/** UnitRegistered of every unit of a copy, effective 1 January of the first year, parents first. */
function registryLines(o: Resolved, d: District): Line[] {
  const sink = new LineSink(new Rand(o.seed, `${d.copy}|ids|registry`));
  const start = at(dayOf(o.firstYear, 1, 4), 8);
  const effectiveFrom = fmtDay(dayOf(o.firstYear, 1, 1));
  d.units.forEach((u, i) => {
    sink.emit('UnitRegistered', SOURCES.registry, start + i * (MINUTE_MS / 2), {
      unitId: u.id,
      kind: u.kind,
      name: u.name,
      ...(u.parentId === undefined ? {} : { parentId: u.parentId }),
      effectiveFrom,
    });
  });
  return sink.lines;
}

/** The sample district as NDJSON lines (each without its newline), streamed. */
export function* generateLines(opts: GenerateOptions): Generator<string> {
  const o = resolve(opts);
  for (let c = 1; c <= o.districts; c++) for (const l of registryLines(o, buildDistrict(c, o.firstYear, o.lastYear))) yield l.text;

  // Events dated after a year's closing are carried to the next block of their copy.
  const carry = new Map<number, Line[]>();
  for (let year = o.firstYear; year <= o.lastYear; year++) {
    const cutoff = closingTime(o.seed, year);
    for (let c = 1; c <= o.districts; c++) {
      const d = buildDistrict(c, o.firstYear, o.lastYear);
      const lines = chronological([...(carry.get(c) ?? []), ...generateCopyYear(o, d, year)]);
      const split = lines.findIndex((l) => l.t > cutoff);
      const keep = split < 0 ? lines : lines.slice(0, split);
      carry.set(c, split < 0 ? [] : lines.slice(split));
      for (const l of keep) yield l.text;
    }
    if (closes(o, year)) yield yearClosedLine(o.seed, year);
  }
  for (let c = 1; c <= o.districts; c++) for (const l of chronological(carry.get(c) ?? [])) yield l.text;
}

export interface DistrictSummary {
  readonly seed: number;
  readonly firstYear: number;
  readonly lastYear: number;
  readonly years: number[];
  readonly districts: number;
  /** Units registered, all copies, by kind. */
  readonly units: Record<UnitKind, number>;
  readonly unitsTotal: number;
  /** Units on the roll of each year (active on 31 December), all copies, by kind. */
  readonly roll: Record<number, Record<UnitKind, number>>;
  readonly scoredKinds: readonly UnitKind[];
  readonly contestYears: number[];
  readonly closedYears: number[];
  /** The scenario's registry changes, copy 1 ids. */
  readonly registryChanges: { type: 'dissolve' | 'merge' | 'rename'; unitId: string; sourceUnitIds?: string[]; name?: string; effectiveFrom: string }[];
  /** Unit id prefixes of the copies: '' for copy 1, then 'd2-', 'd3-' … */
  readonly prefixes: string[];
  /** The intended bad lines (empty when `badEvents` is false). */
  readonly badLines: BadLineSpec[];
  /** The `source` names the sample's events carry. */
  readonly sources: typeof SOURCES;
}

/** What `generateLines` will produce, without generating it: for tests and the demo's banner. */
export function generateDistrictSummary(opts: GenerateOptions): DistrictSummary {
  const o = resolve(opts);
  const years = Array.from({ length: o.years }, (_, i) => o.firstYear + i);
  const zero = () => Object.fromEntries(UNIT_KINDS.map((k) => [k, 0])) as Record<UnitKind, number>;
  const units = zero();
  for (const k of UNIT_KINDS) units[k] = UNITS_PER_COPY[k] * o.districts;
  const d = buildDistrict(1, o.firstYear, o.lastYear);
  const roll: Record<number, Record<UnitKind, number>> = {};
  for (const y of years) {
    const perCopy = zero();
    for (const u of d.units) if (onRoll(d, u, y)) perCopy[u.kind]++;
    roll[y] = Object.fromEntries(UNIT_KINDS.map((k) => [k, perCopy[k] * o.districts])) as Record<UnitKind, number>;
  }
  return {
    seed: o.seed,
    firstYear: o.firstYear,
    lastYear: o.lastYear,
    years,
    districts: o.districts,
    units,
    unitsTotal: UNIT_KINDS.reduce((s, k) => s + units[k], 0),
    roll,
    scoredKinds: SCORED_KINDS,
    contestYears: years.filter(isContestYear),
    closedYears: years.filter((y) => closes(o, y)),
    registryChanges: d.changes.map((c) =>
      c.type === 'merge'
        ? { type: c.type, unitId: c.target.id, sourceUnitIds: [c.source.id], effectiveFrom: fmtDay(c.day) }
        : c.type === 'rename'
          ? { type: c.type, unitId: c.unit.id, name: c.name, effectiveFrom: fmtDay(c.day) }
          : { type: c.type, unitId: c.unit.id, effectiveFrom: fmtDay(c.day) },
    ),
    prefixes: Array.from({ length: o.districts }, (_, i) => copyPrefix(i + 1)),
    badLines: o.badEvents ? badLineSpecs(o.firstYear, o.lastYear) : [],
    sources: SOURCES,
  };
}

export { SOURCES, UNITS_PER_COPY, SCORED_KINDS };
export type { BadLineSpec };

import { endOfYear, formatDay, msg, type Msg } from '@dvk/contracts';
import type { ModelFacts, Pos, Registration, ScoringState, UnitFacts } from './state.js';

/**
 * What the whole log says about units and models, resolved once per evaluation: which
 * registrations, merges and model events count, and why the others do not. Everything here
 * depends on the whole log (RULEBOOK.md §1), never on arrival order, except where the rulebook
 * says "first in the log wins".
 */

export interface ValidMerge {
  p: Pos;
  target: string;
  from: number;
}

export interface ModelResolution {
  facts: ModelFacts;
  /** The first valid registration (by a registered unit), or null: the model is unknown. */
  reg: { p: Pos; unit: string; day: number; title: string } | null;
}

export interface Context {
  readonly state: ScoringState;
  /** Registered units: the first UnitRegistered of each stream. */
  readonly reg: ReadonlyMap<string, Registration>;
  /** Valid merges by source: the (first) merge that took the source into a target. */
  readonly mergedInto: ReadonlyMap<string, ValidMerge>;
  /** UnitsMerged events that do not count, by position, with every problem of each. */
  readonly rejectedMerges: ReadonlyMap<Pos, Msg[]>;
  readonly models: ReadonlyMap<string, ModelResolution>;
  /** Events of a model that do not count (not registered, not the owner, second registration), with the reason. */
  readonly rejectedModelEvents: ReadonlyMap<Pos, Msg>;
}

export function buildContext(state: ScoringState): Context {
  const reg = new Map<string, Registration>();
  for (const u of state.units.values()) if (u.regs.length > 0) reg.set(u.id, u.regs[0]!);

  // Merges, in log order: each source may be merged once, into a registered unit other than
  // itself, without making a cycle.
  const merges: { p: Pos; target: string; sources: string[]; from: number }[] = [];
  for (const u of state.units.values()) {
    if (!reg.has(u.id)) continue; // an unknown target: the whole event is an unknown-unit fact
    for (const m of u.merges) merges.push({ p: m.p, target: u.id, sources: m.sources, from: m.from });
  }
  merges.sort((a, b) => a.p - b.p);
  const mergedInto = new Map<string, ValidMerge>();
  const rejectedMerges = new Map<Pos, Msg[]>();
  for (const m of merges) {
    const problems: Msg[] = [];
    for (const src of m.sources) {
      if (src === m.target) problems.push(msg('merge.into_itself', { unitId: src }));
      else if (!reg.has(src)) problems.push(msg('merge.source_not_registered', { unitId: src }));
      else if (mergedInto.has(src)) problems.push(msg('merge.source_already_merged', { unitId: src, target: mergedInto.get(src)!.target, first: mergedInto.get(src)!.p }));
      else if (reaches(mergedInto, m.target, src)) problems.push(msg('merge.cycle', { source: src, target: m.target }));
    }
    if (problems.length > 0) rejectedMerges.set(m.p, problems);
    else for (const src of m.sources) mergedInto.set(src, { p: m.p, target: m.target, from: m.from });
  }

  // Models: the first registration by a registered unit wins; recognitions and revocations
  // count when emitted by the registrant or a unit the registrant was merged into.
  const models = new Map<string, ModelResolution>();
  const rejectedModelEvents = new Map<Pos, Msg>();
  for (const m of state.models.values()) {
    let first: ModelResolution['reg'] = null;
    for (const r of m.regs) {
      if (!reg.has(r.unit)) continue; // reported as an unknown-unit fact
      if (first === null) first = r;
      else
        rejectedModelEvents.set(r.p, msg('rejected.model_already_registered', { modelId: m.id, registrant: first.unit, first: first.p }));
    }
    models.set(m.id, { facts: m, reg: first });
    for (const ev of [...m.recognitions, ...m.revocations]) {
      if (!reg.has(ev.unit)) continue;
      if (first === null) {
        rejectedModelEvents.set(ev.p, msg('rejected.unknown_model', { modelId: m.id }));
      } else if (ev.unit !== first.unit && !reaches(mergedInto, first.unit, ev.unit)) {
        rejectedModelEvents.set(ev.p, msg('rejected.model_not_owned', { modelId: m.id, registrant: first.unit, unitId: ev.unit }));
      }
    }
  }
  return { state, reg, mergedInto, rejectedMerges, models, rejectedModelEvents };
}

/** True when following valid merges from `from` reaches `to` (whatever their dates). */
function reaches(mergedInto: ReadonlyMap<string, ValidMerge>, from: string, to: string): boolean {
  let cur = from;
  for (let guard = 0; guard <= mergedInto.size; guard++) {
    const m = mergedInto.get(cur);
    if (!m) return false;
    if (m.target === to) return true;
    cur = m.target;
  }
  return false;
}

/** The unit that owns what `unitId` owned, at the end of `year`: merges effective by then. */
export function ownerAtEndOf(ctx: Context, unitId: string, year: number): string {
  const eoy = endOfYear(year);
  let cur = unitId;
  for (let guard = 0; guard <= ctx.mergedInto.size; guard++) {
    const m = ctx.mergedInto.get(cur);
    if (!m || m.from > eoy) return cur;
    cur = m.target;
  }
  return cur;
}

/** Why a unit is or is not on the roll of a year (RULEBOOK.md §2). */
export interface RollStatus {
  onRoll: boolean;
  reason: Msg;
  /** Events that decide it: the registration, and the dissolution or merge that ends it. */
  positions: Pos[];
}

export function rollStatus(ctx: Context, unitId: string, year: number): RollStatus {
  const r = ctx.reg.get(unitId);
  if (!r) return { onRoll: false, reason: msg('roll.not_registered', {}), positions: [] };
  const eoy = endOfYear(year);
  if (r.from > eoy) return { onRoll: false, reason: msg('roll.registered_later', { year, from: formatDay(r.from) }), positions: [r.p] };
  const u = ctx.state.units.get(unitId)!;
  const diss = u.dissolutions.find((d) => d.from <= eoy);
  if (diss) return { onRoll: false, reason: msg('roll.dissolved', { year, from: formatDay(diss.from) }), positions: [r.p, diss.p] };
  const m = ctx.mergedInto.get(unitId);
  if (m && m.from <= eoy) return { onRoll: false, reason: msg('roll.merged', { year, target: m.target, from: formatDay(m.from) }), positions: [r.p, m.p] };
  return { onRoll: true, reason: msg('roll.active', { year }), positions: [r.p] };
}

/** The unit's name on 31 December of the year: the latest rename in effect by then. */
export function nameAt(ctx: Context, u: UnitFacts, year: number): string {
  const r = ctx.reg.get(u.id);
  if (!r) return u.id;
  const eoy = endOfYear(year);
  let best: { name: string; from: number } = { name: r.name, from: -Infinity };
  for (const rn of u.renames) if (rn.from <= eoy && rn.from >= best.from) best = rn;
  return best.name;
}

/** Units on the roll of a year, sorted by id (code point order). */
export function roll(ctx: Context, year: number): string[] {
  const eoy = endOfYear(year);
  const out: string[] = [];
  // The same decision as rollStatus, without building its explanation for every unit.
  for (const [id, r] of ctx.reg) {
    if (r.from > eoy) continue;
    if (ctx.state.units.get(id)!.dissolutions.some((d) => d.from <= eoy)) continue;
    const m = ctx.mergedInto.get(id);
    if (m && m.from <= eoy) continue;
    out.push(id);
  }
  return out.sort(compareIds);
}

/** Orders unit ids by code point (RULEBOOK.md §4's last tie-break). */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next(), y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!, cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx - cy;
  }
}

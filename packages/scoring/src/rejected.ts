import { msg, unitStream, yearOfDay, type EventType, type Msg } from '@dvk/contracts';
import { buildContext, type Context } from './context.js';
import type { Rulebook } from './rulebook.js';

/** The rulebook that applies to a year (a RulebookSet's forYear, or one rulebook for all). */
export type RulebookFor = (year: number) => Rulebook;
import type { Pos, UnitFacts } from './state.js';

/**
 * Rejected facts (RULEBOOK.md §1): events that are well-formed but do not fit the state. They stay
 * in the log, count for nothing, and are listed here with the reason, for auditors. Like every
 * state check, they are decided against the whole log.
 */
export interface CoreRejectedFact {
  position: Pos;
  type: EventType;
  stream: string;
  unitId: string;
  year: number | null;
  /** The rejection's code (`unknown_unit`…), the same as its message's without `rejected.`. */
  code: string;
  reason: Msg;
}

/** Every event of a unit's stream, as (position, type, year): the rejected facts of an unknown unit. */
function eventsOf(u: UnitFacts): { p: Pos; type: EventType; year: number | null }[] {
  const out: { p: Pos; type: EventType; year: number | null }[] = [];
  for (const x of u.regs) out.push({ p: x.p, type: 'UnitRegistered', year: null });
  for (const x of u.renames) out.push({ p: x.p, type: 'UnitRenamed', year: null });
  for (const x of u.merges) out.push({ p: x.p, type: 'UnitsMerged', year: null });
  for (const x of u.dissolutions) out.push({ p: x.p, type: 'UnitDissolved', year: null });
  for (const x of u.assessments) out.push({ p: x.p, type: 'CriterionAssessed', year: x.year });
  for (const x of u.retractions) out.push({ p: x.p, type: 'AssessmentRetracted', year: u.assessments.find((a) => a.id === x.target)?.year ?? null });
  for (let i = 0; i < u.reports.length; i += 4) out.push({ p: u.reports[i]!, type: 'MonthlyReportSubmitted', year: u.reports[i + 1]! });
  for (const c of Object.values(u.cases)) {
    const y = c.recv[0] ? yearOfDay(c.recv[0].day) : null;
    for (const x of c.recv) out.push({ p: x.p, type: 'ComplaintReceived', year: yearOfDay(x.day) });
    for (const x of c.res) out.push({ p: x.p, type: 'ComplaintResolved', year: y });
  }
  for (const x of u.hotspots) out.push({ p: x.p, type: 'HotspotReported', year: yearOfDay(x.day) });
  for (const x of u.hotspotResolutions) out.push({ p: x.p, type: 'HotspotResolved', year: null });
  for (const x of u.dialogues) out.push({ p: x.p, type: 'DialogueHeld', year: yearOfDay(x.day) });
  for (const x of u.prizes) out.push({ p: x.p, type: 'ContestPrizeAwarded', year: x.year });
  for (const x of u.disciplines) out.push({ p: x.p, type: 'DisciplineImposed', year: x.year });
  for (const x of u.modelEvents) out.push({ p: x.p, type: x.type, year: null });
  return out;
}

/** The rejected facts of one unit's stream. */
export function rejectedFactsOfUnit(ctx: Context, rulebookFor: RulebookFor, u: UnitFacts): CoreRejectedFact[] {
  const stream = unitStream(u.id);
  const out: CoreRejectedFact[] = [];
  const add = (p: Pos, type: EventType, year: number | null, reason: Msg) =>
    out.push({ position: p, type, stream, unitId: u.id, year, code: reason.code.slice('rejected.'.length), reason });
  const reg = ctx.reg.get(u.id);
  if (!reg) {
    for (const e of eventsOf(u)) add(e.p, e.type, e.year, msg('rejected.unknown_unit', { unitId: u.id }));
    return out.sort((a, b) => a.position - b.position);
  }
  for (const r of u.regs.slice(1))
    add(r.p, 'UnitRegistered', null, msg('rejected.unit_already_registered', { unitId: u.id, first: reg.p }));
  for (const m of u.merges) {
    const problems = ctx.rejectedMerges.get(m.p);
    if (problems) add(m.p, 'UnitsMerged', null, msg('rejected.invalid_merge', { problems }));
  }
  const ids = new Set<string>();
  for (const a of u.assessments) {
    ids.add(a.id);
    const rb = rulebookFor(a.year);
    const group = rb.groupOfKind[reg.kind];
    const c = rb.criterion[a.criterion];
    if (!group) add(a.p, 'CriterionAssessed', a.year, msg('rejected.kind_not_scored', { kind: reg.kind, rulebook: rb.ref.id, version: rb.ref.version }));
    else if (!c || c.group !== group)
      add(a.p, 'CriterionAssessed', a.year, msg('rejected.criterion_not_of_kind', { criterion: a.criterion, kind: reg.kind, criteria: group.criteria.map((x) => x.id) }));
    else if (c.spec.source.type !== 'assessed') add(a.p, 'CriterionAssessed', a.year, msg('rejected.criterion_not_assessed', { criterion: a.criterion, source: c.spec.source.type }));
    else if (a.h > c.spec.maxH) add(a.p, 'CriterionAssessed', a.year, msg('rejected.points_above_max', { criterion: a.criterion, points: a.h, max: c.spec.maxH }));
  }
  for (const r of u.retractions) if (!ids.has(r.target)) add(r.p, 'AssessmentRetracted', null, msg('rejected.unknown_assessment', { assessmentId: r.target, stream }));
  for (const [caseId, c] of Object.entries(u.cases)) {
    const first = c.recv[0];
    for (const x of c.recv.slice(1)) add(x.p, 'ComplaintReceived', yearOfDay(x.day), msg('rejected.case_already_received', { caseId, first: first!.p }));
    if (!first) for (const x of c.res) add(x.p, 'ComplaintResolved', null, msg('rejected.unknown_case', { caseId, unitId: u.id }));
  }
  const hotspots = new Set(u.hotspots.map((h) => h.id));
  for (const x of u.hotspotResolutions) if (!hotspots.has(x.id)) add(x.p, 'HotspotResolved', null, msg('rejected.unknown_hotspot', { hotspotId: x.id, unitId: u.id }));
  for (const x of u.modelEvents) {
    const why = ctx.rejectedModelEvents.get(x.p);
    if (why) add(x.p, x.type, null, why);
  }
  return out.sort((a, b) => a.position - b.position);
}

/** All rejected facts of the log, by position. */
export function rejectedFacts(ctx: Context, rulebookFor: RulebookFor): CoreRejectedFact[] {
  const out: CoreRejectedFact[] = [];
  for (const u of ctx.state.units.values()) out.push(...rejectedFactsOfUnit(ctx, rulebookFor, u));
  return out.sort((a, b) => a.position - b.position);
}

export { buildContext };

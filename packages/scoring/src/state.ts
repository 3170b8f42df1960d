import {
  CASE_CATEGORIES,
  MODEL_LEVELS,
  PRIZES,
  localDay,
  parseDate,
  parseInstant,
  yearOfDay,
  type CaseCategory,
  type ModelLevel,
  type Prize,
  type RecordedEvent,
  type UnitKind,
} from '@dvk/contracts';

/**
 * The state the core folds the log into. It keeps, compactly, every fact that any rule of the
 * rulebook may need — positions of events rather than the events, day numbers rather than
 * timestamps — and decides nothing: which facts count is decided when a year is evaluated,
 * against the whole log (RULEBOOK.md §1: state checks look at the whole log, not arrival order).
 *
 * The state is plain data (JSON-serialisable per unit and per model), so a projection can keep it
 * in its read model and resume after a restart.
 */

/** A log position: the identity of an event inside the core. */
export type Pos = number;

export interface Registration {
  p: Pos;
  kind: UnitKind;
  name: string;
  parentId: string | null;
  /** Local day number of effectiveFrom. */
  from: number;
}

export interface Assessment {
  p: Pos;
  /** Event id, for retractions (`assessmentEventId`). */
  id: string;
  year: number;
  criterion: string;
  /** Points in hundredths. */
  h: number;
  official: boolean;
}

export interface CaseFacts {
  /** ComplaintReceived events of this case in this unit's stream, in stream order (first wins). */
  recv: { p: Pos; cat: CaseCategory; day: number }[];
  /** ComplaintResolved events, in stream order. */
  res: { p: Pos; day: number }[];
}

/** Everything the log says about one unit: the events of stream `unit-<id>`. */
export interface UnitFacts {
  id: string;
  regs: Registration[];
  renames: { p: Pos; name: string; from: number }[];
  /** UnitsMerged events naming this unit as the target. */
  merges: { p: Pos; sources: string[]; from: number }[];
  dissolutions: { p: Pos; from: number }[];
  assessments: Assessment[];
  retractions: { p: Pos; target: string }[];
  /**
   * MonthlyReportSubmitted, the most frequent event (12 per unit and year), packed flat as
   * [position, year, month, submittedAt epoch ms] quadruples: a quarter of the heap objects.
   */
  reports: number[];
  cases: Record<string, CaseFacts>;
  hotspots: { p: Pos; id: string; day: number }[];
  hotspotResolutions: { p: Pos; id: string; day: number }[];
  dialogues: { p: Pos; day: number }[];
  prizes: { p: Pos; year: number; prize: Prize }[];
  disciplines: { p: Pos; year: number }[];
  /** Positions of model events emitted in this stream (their facts are kept per model). */
  modelEvents: { p: Pos; type: 'ModelRegistered' | 'ModelRecognized' | 'ModelRevoked'; model: string }[];
  /** Years named by this unit's events (data.year, or the local year of a dated fact). */
  years: number[];
}

/** Everything the log says about one "Dân vận khéo" model, whichever stream it was said in. */
export interface ModelFacts {
  id: string;
  regs: { p: Pos; unit: string; day: number; title: string }[];
  recognitions: { p: Pos; unit: string; year: number; level: ModelLevel }[];
  revocations: { p: Pos; unit: string; day: number }[];
}

export interface Closure {
  p: Pos;
  year: number;
  at: number;
}

export interface ScoringState {
  units: Map<string, UnitFacts>;
  models: Map<string, ModelFacts>;
  closures: Closure[];
  /** The last position folded in (0 for an empty log). */
  position: number;
  /** How many events were folded in. */
  events: number;
  /** What changed since the last takeChanges(): lets a projection recompute only that. */
  changes: Changes;
}

export interface Changes {
  units: Set<string>;
  models: Set<string>;
  years: Set<number>;
  /** A registration, merge or dissolution changed the registry: every year, roll and unit may be affected. */
  allYears: boolean;
  /**
   * The first year an event dated from a day can change, or null; every year from it on may
   * change. A model counts for the year-end owner of a year only if registered on or before its
   * 31 December, and a revocation from the year of its date on (which registration counts — the
   * first by a registered unit in the log — decides only for that model and the units that spoke
   * of it); a unit's name in a year is that of its latest rename in effect by 31 December.
   */
  fromYear: number | null;
}

const noChanges = (): Changes => ({ units: new Set(), models: new Set(), years: new Set(), allYears: false, fromYear: null });

function noteFromYear(s: ScoringState, day: number): void {
  const y = yearOfDay(day);
  if (s.changes.fromYear === null || y < s.changes.fromYear) s.changes.fromYear = y;
}

export function initialState(): ScoringState {
  return { units: new Map(), models: new Map(), closures: [], position: 0, events: 0, changes: noChanges() };
}

export function emptyUnit(id: string): UnitFacts {
  return {
    id,
    regs: [],
    renames: [],
    merges: [],
    dissolutions: [],
    assessments: [],
    retractions: [],
    reports: [],
    cases: {},
    hotspots: [],
    hotspotResolutions: [],
    dialogues: [],
    prizes: [],
    disciplines: [],
    modelEvents: [],
    years: [],
  };
}

function emptyModel(id: string): ModelFacts {
  return { id, regs: [], recognitions: [], revocations: [] };
}

function unitOf(s: ScoringState, id: string): UnitFacts {
  let u = s.units.get(id);
  if (!u) {
    u = emptyUnit(id);
    s.units.set(id, u);
  }
  s.changes.units.add(id);
  return u;
}

function modelOf(s: ScoringState, id: string): ModelFacts {
  let m = s.models.get(id);
  if (!m) {
    m = emptyModel(id);
    s.models.set(id, m);
  }
  s.changes.models.add(id);
  return m;
}

function noteYear(s: ScoringState, u: UnitFacts, year: number): void {
  if (!u.years.includes(year)) u.years.push(year);
  s.changes.years.add(year);
}

const dayOf = (date: string): number => parseDate(date)!;

/**
 * Folds one recorded event into the state. Deterministic; it changes nothing but the state it is
 * given (it mutates that state in place, for speed: a replay folds millions of events). Events
 * must come in log order; an event at or before the state's position is ignored, so that
 * re-delivery after a crash is harmless.
 */
export function evolve(s: ScoringState, rec: RecordedEvent): void {
  if (rec.position <= s.position) return;
  s.position = rec.position;
  s.events++;
  const p = rec.position;
  const e = rec.event;
  switch (e.type) {
    case 'UnitRegistered': {
      const d = e.data;
      unitOf(s, d.unitId).regs.push({ p, kind: d.kind, name: d.name, parentId: d.parentId ?? null, from: dayOf(d.effectiveFrom) });
      s.changes.allYears = true;
      return;
    }
    case 'UnitRenamed': {
      const from = dayOf(e.data.effectiveFrom);
      unitOf(s, e.data.unitId).renames.push({ p, name: e.data.name, from });
      noteFromYear(s, from);
      return;
    }
    case 'UnitsMerged':
      unitOf(s, e.data.unitId).merges.push({ p, sources: [...e.data.sourceUnitIds], from: dayOf(e.data.effectiveFrom) });
      for (const src of e.data.sourceUnitIds) s.changes.units.add(src);
      s.changes.allYears = true;
      return;
    case 'UnitDissolved':
      unitOf(s, e.data.unitId).dissolutions.push({ p, from: dayOf(e.data.effectiveFrom) });
      s.changes.allYears = true;
      return;
    case 'CriterionAssessed': {
      const d = e.data;
      const u = unitOf(s, d.unitId);
      u.assessments.push({ p, id: e.id, year: d.year, criterion: d.criterionId, h: Math.round(d.points * 100), official: d.role === 'official' });
      noteYear(s, u, d.year);
      return;
    }
    case 'AssessmentRetracted': {
      const u = unitOf(s, e.data.unitId);
      u.retractions.push({ p, target: e.data.assessmentEventId });
      const target = u.assessments.find((a) => a.id === e.data.assessmentEventId);
      if (target) s.changes.years.add(target.year);
      return;
    }
    case 'MonthlyReportSubmitted': {
      const d = e.data;
      const u = unitOf(s, d.unitId);
      u.reports.push(p, d.year, d.month, parseInstant(d.submittedAt)!);
      noteYear(s, u, d.year);
      return;
    }
    case 'ComplaintReceived': {
      const d = e.data;
      const u = unitOf(s, d.unitId);
      const c = (u.cases[d.caseId] ??= { recv: [], res: [] });
      const day = localDay(d.receivedAt);
      c.recv.push({ p, cat: d.category, day });
      noteYear(s, u, yearOfDay(day));
      return;
    }
    case 'ComplaintResolved': {
      const d = e.data;
      const u = unitOf(s, d.unitId);
      const c = (u.cases[d.caseId] ??= { recv: [], res: [] });
      c.res.push({ p, day: localDay(d.resolvedAt) });
      for (const r of c.recv) s.changes.years.add(yearOfDay(r.day));
      return;
    }
    case 'HotspotReported': {
      const u = unitOf(s, e.data.unitId);
      const day = localDay(e.data.reportedAt);
      u.hotspots.push({ p, id: e.data.hotspotId, day });
      noteYear(s, u, yearOfDay(day));
      return;
    }
    case 'HotspotResolved':
      unitOf(s, e.data.unitId).hotspotResolutions.push({ p, id: e.data.hotspotId, day: localDay(e.data.resolvedAt) });
      return;
    case 'DialogueHeld': {
      const u = unitOf(s, e.data.unitId);
      const day = localDay(e.data.heldAt);
      u.dialogues.push({ p, day });
      noteYear(s, u, yearOfDay(day));
      return;
    }
    case 'ModelRegistered': {
      const d = e.data;
      const day = localDay(d.registeredAt);
      unitOf(s, d.unitId).modelEvents.push({ p, type: e.type, model: d.modelId });
      modelOf(s, d.modelId).regs.push({ p, unit: d.unitId, day, title: d.title });
      noteFromYear(s, day);
      return;
    }
    case 'ModelRecognized': {
      const d = e.data;
      const u = unitOf(s, d.unitId);
      u.modelEvents.push({ p, type: e.type, model: d.modelId });
      modelOf(s, d.modelId).recognitions.push({ p, unit: d.unitId, year: d.year, level: d.level });
      noteYear(s, u, d.year); // a recognition changes the models criterion of its own year only
      return;
    }
    case 'ModelRevoked': {
      const d = e.data;
      const day = localDay(d.revokedAt);
      unitOf(s, d.unitId).modelEvents.push({ p, type: e.type, model: d.modelId });
      modelOf(s, d.modelId).revocations.push({ p, unit: d.unitId, day });
      noteFromYear(s, day);
      return;
    }
    case 'ContestPrizeAwarded': {
      const u = unitOf(s, e.data.unitId);
      u.prizes.push({ p, year: e.data.year, prize: e.data.prize });
      noteYear(s, u, e.data.year);
      return;
    }
    case 'DisciplineImposed': {
      const u = unitOf(s, e.data.unitId);
      u.disciplines.push({ p, year: e.data.year });
      noteYear(s, u, e.data.year);
      return;
    }
    case 'YearClosed':
      s.closures.push({ p, year: e.data.year, at: parseInstant(e.data.closedAt)! });
      s.changes.years.add(e.data.year);
      return;
  }
}

/** Folds many events (in log order). */
export function fold(s: ScoringState, events: Iterable<RecordedEvent>): ScoringState {
  for (const r of events) evolve(s, r);
  return s;
}

/** Returns what changed since the previous call and starts a new change set. */
export function takeChanges(s: ScoringState): Changes {
  const c = s.changes;
  s.changes = noChanges();
  return c;
}

export const PRIZE_RANK: Record<Prize, number> = Object.fromEntries(PRIZES.map((p, i) => [p, i])) as Record<Prize, number>;
export const LEVEL_RANK: Record<ModelLevel, number> = Object.fromEntries(MODEL_LEVELS.map((l, i) => [l, i])) as Record<ModelLevel, number>;
export const CATEGORIES: readonly CaseCategory[] = CASE_CATEGORIES;

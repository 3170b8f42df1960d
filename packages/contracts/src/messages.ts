import { z } from 'zod';

/**
 * Text is data. Whatever the core says to a person — why a figure is what it is, why an event
 * does not count, why an input was refused — it says as a message: a stable code and typed
 * parameters, never prose. The edge renders a message in the reader's language from one
 * catalogue (`@dvk/messages`: Vietnamese first, English second). Machines read the code and the
 * parameters; people read the rendered text; nobody parses prose.
 *
 * This file is the part of the catalogue that belongs to the contract: every code the core
 * (contracts and scoring) produces, with the kind of each parameter. The edge adds its own codes
 * (CLI, dashboard, documents) in `@dvk/messages`.
 */

/** How a parameter is written, so that the edge can render it for a reader. */
export type ParamKind =
  /** Points in hundredths (an integer): 1225 reads "12,25". */
  | 'points'
  /** A number of things, grouped as a reader writes it: 39531 reads "39.531". */
  | 'count'
  /** A whole number shown as is: a year, a month, a number of days. */
  | 'int'
  /** A position in the log (1-based): the event it names can be looked up. */
  | 'position'
  /** A published percentage with one decimal, as a string: "72.6" reads "72,6". */
  | 'percent'
  /** A local calendar date `YYYY-MM-DD`: reads "05/02/2020". */
  | 'date'
  /** Shown verbatim: ids, names, codes, free text taken from events. */
  | 'text'
  /** Several verbatim strings, read as a list ("A1, A2 và A7"). */
  | 'texts'
  /** Several whole numbers, read as a list (months: "1, 2 và 5"). */
  | 'ints'
  /** Several amounts of points, read as a sum ("12 + 8"). */
  | 'pointsList'
  /** true or false (the text chooses with `select`). */
  | 'bool'
  /** A nested message. */
  | 'msg'
  /** Several nested messages, read one after another. */
  | 'msgs'
  /** The rulebook's own wording of a rule, `{ vi, en }`, in place of the catalogue's (optional). */
  | 'rbtext'
  /** A code of a closed set, read by its label (`label:tier` "good" reads "Hoạt động tốt"). */
  | `label:${LabelSet}`
  /** Several codes of a closed set, read by their labels, as a list. */
  | `labels:${LabelSet}`;

/** The closed sets whose codes have labels in the catalogue (`<set>.<code>`). */
export const LABEL_SETS = ['tier', 'title', 'veto', 'kind', 'category', 'level', 'prize', 'list', 'source', 'eventType', 'role'] as const;
export type LabelSet = (typeof LABEL_SETS)[number];

/** The rulebook's wording of a text, in both languages. */
export interface RbText {
  readonly vi: string;
  readonly en: string;
}

export type ParamValue =
  | string
  | number
  | boolean
  | null
  | RbText
  | Msg
  | readonly string[]
  | readonly number[]
  | readonly Msg[];

/** A message: a code and its parameters, as plain JSON data. */
export interface Msg {
  readonly code: string;
  readonly params: { readonly [name: string]: ParamValue };
}

type KindValue<K extends ParamKind> = K extends 'points' | 'count' | 'int' | 'position'
  ? number
  : K extends 'percent' | 'date' | 'text'
    ? string
    : K extends 'texts'
      ? readonly string[]
      : K extends 'ints' | 'pointsList'
        ? readonly number[]
        : K extends 'bool'
          ? boolean
          : K extends 'msg'
            ? Msg
            : K extends 'msgs'
              ? readonly Msg[]
              : K extends 'rbtext'
                ? RbText | null
                : K extends `label:${string}`
                  ? string
                  : readonly string[];

/** Parameter specs of a set of codes. */
export type MessageSpecs = Readonly<Record<string, Readonly<Record<string, ParamKind>>>>;

/** The parameters a code of `S` takes, typed. */
export type ParamsOf<S extends MessageSpecs, C extends keyof S> = { readonly [P in keyof S[C]]: KindValue<S[C][P]> };

/**
 * Every code the core produces, with its parameters. `text` (kind `rbtext`) carries the
 * rulebook's own wording where the rulebook has one (null: the catalogue's wording); it may use
 * the code's other parameters.
 */
export const CORE_MESSAGES = {
  // ---- Rules: how a figure is computed (RULEBOOK.md §3–5), quoting the rulebook's wording.
  'rule.assessed': { criterion: 'text', year: 'int', text: 'rbtext' },
  'rule.reporting': { year: 'int', deadlineDay: 'int', max: 'points', text: 'rbtext' },
  'rule.cases': { year: 'int', complaintDays: 'int', denunciationDays: 'int', petitionDays: 'int', max: 'points', text: 'rbtext' },
  'rule.dialogues': { year: 'int', steps: 'msgs', text: 'rbtext' },
  'rule.dialogues.step': { atLeast: 'int', points: 'points' },
  'rule.models': { year: 'int', commune: 'points', district: 'points', province: 'points', max: 'points', text: 'rbtext' },
  'rule.bonus': { first: 'points', second: 'points', third: 'points', encouragement: 'points', text: 'rbtext' },
  'rule.total': { cap: 'points', text: 'rbtext' },
  'rule.tiers': { levels: 'msgs', vetoCap: 'label:tier', text: 'rbtext' },
  'rule.tiers.level': { tier: 'label:tier', min: 'points' },
  'rule.rank': { list: 'label:list', tieBreak: 'texts', text: 'rbtext' },
  'rule.title.dan_van_kheo': { minTotal: 'points', capPercent: 'int', requireNoVeto: 'bool', text: 'rbtext' },
  'rule.title.tieu_bieu': { minTotal: 'points', maxCount: 'int', text: 'rbtext' },
  'rule.veto.hotspot': { year: 'int', text: 'rbtext' },
  'rule.veto.discipline': { year: 'int', text: 'rbtext' },
  'rule.kpi.tiers': { kpi: 'text', year: 'int', kinds: 'labels:kind', tiers: 'labels:tier', text: 'rbtext' },
  'rule.kpi.titles': { kpi: 'text', year: 'int', kinds: 'labels:kind', titles: 'labels:title', text: 'rbtext' },
  'rule.kpi.owns_model': { kpi: 'text', year: 'int', kinds: 'labels:kind', text: 'rbtext' },
  'rule.kpi.all_months': { kpi: 'text', year: 'int', kinds: 'labels:kind', text: 'rbtext' },
  'rule.kpi.count_titles': { kpi: 'text', year: 'int', titles: 'labels:title', text: 'rbtext' },
  'rule.kpi.count_hotspots': { kpi: 'text', year: 'int', text: 'rbtext' },

  // ---- Computations: the figure worked out.
  'calc.assessed': { points: 'points', max: 'points' },
  'calc.assessed.missing': {},
  'calc.reporting': { max: 'points', onTime: 'int', points: 'points', onTimeMonths: 'ints', lateMonths: 'ints', missingMonths: 'ints' },
  'calc.cases': { max: 'points', onTime: 'int', received: 'int', points: 'points' },
  'calc.cases.none': { year: 'int', max: 'points' },
  'calc.dialogues': { held: 'int', points: 'points' },
  'calc.models': { parts: 'pointsList', sum: 'points', points: 'points', capped: 'bool' },
  'calc.models.none': {},
  'calc.total': { sum: 'points', bonus: 'points', total: 'points', uncapped: 'points', capped: 'bool', complete: 'bool', missing: 'texts' },
  'calc.tier': { total: 'points', min: 'points', tier: 'label:tier' },
  'calc.tier.capped': { total: 'points', min: 'points', tier: 'label:tier', vetoes: 'labels:veto', capTier: 'label:tier' },
  'calc.tier.incomplete': { missing: 'texts' },
  'calc.tier.no_tiers': { kind: 'label:kind' },
  'calc.rank': { rank: 'int', total: 'points' },
  'calc.rank.tied': { rank: 'int', total: 'points', tiedWith: 'text', tiedRank: 'int' },
  'calc.rank.unrated': { missing: 'texts' },
  'calc.title.dan_van_kheo': { total: 'points', minTotal: 'points', nth: 'int', capPercent: 'int', roll: 'int', cap: 'int' },
  'calc.title.dan_van_kheo.below': { total: 'points', minTotal: 'points' },
  'calc.title.dan_van_kheo.veto': { vetoes: 'labels:veto' },
  'calc.title.dan_van_kheo.beyond_cap': { nth: 'int', cap: 'int' },
  'calc.title.tieu_bieu': { total: 'points', minTotal: 'points', maxCount: 'int' },
  'calc.title.tieu_bieu.below': { total: 'points', minTotal: 'points' },
  'calc.title.tieu_bieu.beyond': { maxCount: 'int' },
  'calc.kpi.share': { numerator: 'count', denominator: 'count' },
  'calc.kpi.count': { count: 'count' },

  // ---- Notes: why one event counts, or why it does not.
  'note.assessed.used': { points: 'points' },
  'note.assessed.self': { points: 'points' },
  'note.assessed.above_max': { points: 'points', max: 'points' },
  'note.assessed.retracted': { points: 'points', by: 'position' },
  'note.assessed.superseded': { points: 'points' },
  'note.report.month': { month: 'int', submitted: 'date', due: 'date', onTime: 'bool' },
  'note.report.not_earliest': { month: 'int' },
  'note.case.received': { caseId: 'text', category: 'label:category', received: 'date', outcome: 'text', days: 'int' },
  'note.case.resolved': { caseId: 'text', resolved: 'date', days: 'int' },
  'note.case.resolved_before_receipt': { caseId: 'text', resolved: 'date', received: 'date' },
  'note.case.resolved_late': { caseId: 'text', days: 'int', limit: 'int' },
  'note.case.earlier_resolution': { caseId: 'text' },
  'note.dialogue': { held: 'date' },
  'note.model.owned': { modelId: 'text', title: 'text', registrant: 'text', year: 'int' },
  'note.model.recognised': { modelId: 'text', level: 'label:level', year: 'int', points: 'points' },
  'note.model.lower_level': { modelId: 'text', year: 'int' },
  'note.model.revoked': { modelId: 'text', revoked: 'date', year: 'int' },
  'note.model.recognised_but_revoked': { modelId: 'text', level: 'label:level' },
  'note.prize.used': { prize: 'label:prize', points: 'points' },
  'note.prize.lower': { prize: 'label:prize' },
  'note.veto.hotspot': { hotspotId: 'text', reported: 'date' },
  'note.veto.discipline': { year: 'int' },

  // ---- The roll of a year (RULEBOOK.md §2).
  'roll.active': { year: 'int' },
  'roll.not_registered': {},
  'roll.registered_later': { year: 'int', from: 'date' },
  'roll.dissolved': { year: 'int', from: 'date' },
  'roll.merged': { year: 'int', target: 'text', from: 'date' },
  'roll.not_scored': { kind: 'label:kind' },
  'unit.merged': { target: 'text', from: 'date' },
  'unit.dissolved': { from: 'date' },

  // ---- Rejected facts: kept in the log, excluded from scoring (RULEBOOK.md §1).
  'rejected.unknown_unit': { unitId: 'text' },
  'rejected.unit_already_registered': { unitId: 'text', first: 'position' },
  'rejected.invalid_merge': { problems: 'msgs' },
  'merge.into_itself': { unitId: 'text' },
  'merge.source_not_registered': { unitId: 'text' },
  'merge.source_already_merged': { unitId: 'text', target: 'text', first: 'position' },
  'merge.cycle': { source: 'text', target: 'text' },
  'rejected.kind_not_scored': { kind: 'label:kind', rulebook: 'text', version: 'int' },
  'rejected.criterion_not_of_kind': { criterion: 'text', kind: 'label:kind', criteria: 'texts' },
  'rejected.criterion_not_assessed': { criterion: 'text', source: 'label:source' },
  'rejected.points_above_max': { criterion: 'text', points: 'points', max: 'points' },
  'rejected.unknown_assessment': { assessmentId: 'text', stream: 'text' },
  'rejected.case_already_received': { caseId: 'text', first: 'position' },
  'rejected.unknown_case': { caseId: 'text', unitId: 'text' },
  'rejected.unknown_hotspot': { hotspotId: 'text', unitId: 'text' },
  'rejected.model_already_registered': { modelId: 'text', registrant: 'text', first: 'position' },
  'rejected.unknown_model': { modelId: 'text' },
  'rejected.model_not_owned': { modelId: 'text', registrant: 'text', unitId: 'text' },

  // ---- What it takes (steering during the year): targets, blockers, and the facts that would close a gap.
  'take.target.tier': { tier: 'label:tier', need: 'points', gap: 'points', status: 'text' },
  'take.target.dan_van_kheo': { need: 'points', gap: 'points', status: 'text' },
  'take.target.tieu_bieu': { need: 'points', gap: 'points', status: 'text' },
  'take.blocked.incomplete': { missing: 'texts' },
  'take.blocked.veto': { vetoes: 'labels:veto', capTier: 'label:tier' },
  'take.blocked.veto_title': { vetoes: 'labels:veto' },
  'take.blocked.cap_zero': { roll: 'int' },
  'take.blocked.unreachable': { reachable: 'points' },
  'take.closed.year': { year: 'int' },
  'take.closed.reports': { year: 'int' },
  'take.closed.cases': { year: 'int' },
  'take.closed.year_over': { year: 'int' },
  'take.assess': { criterion: 'text', max: 'points', gain: 'points' },
  'take.assess.missing': { criterion: 'text', max: 'points' },
  'take.reports': { months: 'ints', by: 'date', gain: 'points' },
  'take.cases': { cases: 'texts', by: 'date', gain: 'points' },
  'take.dialogues': { count: 'count', year: 'int', gain: 'points' },
  'take.models': { steps: 'msgs', gain: 'points' },
  'take.model.raise': { modelId: 'text', from: 'label:level', to: 'label:level' },
  'take.model.recognise': { modelId: 'text', level: 'label:level' },
  'take.model.new': { level: 'label:level' },
  'take.prize': { prize: 'label:prize', gain: 'points' },

  // ---- The deadline radar.
  'radar.report.due': { month: 'int', year: 'int', due: 'date', daysLeft: 'count' },
  'radar.report.overdue': { month: 'int', year: 'int', due: 'date', daysOverdue: 'count' },
  'radar.case.open': { caseId: 'text', category: 'label:category', received: 'date', due: 'date', daysLeft: 'count' },
  'radar.case.overdue': { caseId: 'text', category: 'label:category', received: 'date', due: 'date', daysOverdue: 'count' },
  'radar.hotspot.open': { hotspotId: 'text', reported: 'date', days: 'count' },
  'radar.risk.tier': { year: 'int', pace: 'label:tier', best: 'label:tier', paceTotal: 'points', bestTotal: 'points' },
  'radar.risk.title': { year: 'int', title: 'label:title', paceTotal: 'points', bestTotal: 'points', need: 'points' },
} as const satisfies MessageSpecs;

export type CoreCode = keyof typeof CORE_MESSAGES;
export type CoreParams<C extends CoreCode> = ParamsOf<typeof CORE_MESSAGES, C>;

/** A message of the core, typed by its code. */
export function msg<C extends CoreCode>(code: C, params: CoreParams<C>): Msg {
  return { code, params: params as Msg['params'] };
}

/** True for a value shaped like a message (`{ code, params }`). */
export function isMsg(v: unknown): v is Msg {
  return typeof v === 'object' && v !== null && typeof (v as Msg).code === 'string' && typeof (v as Msg).params === 'object' && (v as Msg).params !== null && !Array.isArray((v as Msg).params);
}

/** A message as JSON: its code and parameters. */
export const MessageJson = z
  .object({
    code: z.string().describe('stable message code (the catalogue key)'),
    params: z.record(z.string(), z.unknown()).describe('typed parameters: points in hundredths, dates YYYY-MM-DD, ids, counts'),
  })
  .describe('A message: a stable code and typed parameters');
/** A message with its text in the language asked for (`?lang=`, `Accept-Language`; Vietnamese by default). */
export const RenderedMessage = MessageJson.extend({ text: z.string().describe('the message rendered in the language asked for') }).describe(
  'A message rendered: code and parameters for machines, text for people',
);

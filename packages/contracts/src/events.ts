import { z } from 'zod';
import { parseDate, parseInstant } from './time.js';

/** The schema version every event of this release is written in. */
export const CURRENT_SCHEMA_VERSION = 1 as const;
/** The first year the plan covers; no event may name an earlier year. */
export const FIRST_YEAR = 2016;
/** The first "Hội thi Dân vận khéo" year; contests are held every 3 years from it. */
export const FIRST_CONTEST_YEAR = 2017;

export const UNIT_KINDS = [
  'commune_party',
  'agency',
  'village',
  'mobilization_team',
  'mobilization_bloc',
  'mass_org',
] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

export const MODEL_FIELDS = [
  'environment',
  'food_safety',
  'health_insurance',
  'new_rural_development',
  'security_order',
  'other',
] as const;
export const MODEL_LEVELS = ['commune', 'district', 'province'] as const;
export type ModelLevel = (typeof MODEL_LEVELS)[number];
export const CASE_CATEGORIES = ['complaint', 'denunciation', 'petition'] as const;
export type CaseCategory = (typeof CASE_CATEGORIES)[number];
export const PRIZES = ['first', 'second', 'third', 'encouragement'] as const;
export type Prize = (typeof PRIZES)[number];
export const ROLES = ['self', 'official'] as const;

// ---------------------------------------------------------------------------------------------
// Primitives. Every refinement says, in words, what is wrong; the path is added by formatIssues.

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const str = (what: string) =>
  z.string({
    error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}`),
  });

/** A UUID (any version), normalised to lower case: the idempotency key of an event. */
export const Uuid = str('a UUID string')
  .regex(UUID_RE, { error: 'must be a UUID such as 5f0c2d3e-8b1a-4c2d-9e8f-0123456789ab' })
  .transform((s) => s.toLowerCase());

/** A unit id: letters, digits, `.`, `_`, `:` or `-`, at most 128 characters. */
export const UnitId = str('a unit id string').regex(CODE_RE, {
  error: 'must be 1–128 characters of letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
});
/** An identifier of a case, hotspot, model or assessor (also allows `/`, as in "12/2019/KN"). */
export const RefId = str('an identifier string').regex(REF_RE, {
  error: 'must be 1–128 characters of letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit',
});
export const SourceName = str('a source name').regex(CODE_RE, {
  error: 'must be 1–128 characters of letters, digits, ".", "_", ":" or "-"',
});

/** Human text (names, titles, reasons): non-blank, at most 500 characters, no control characters. */
export const Text = str('a text string')
  .max(500, { error: 'must be at most 500 characters' })
  .refine((s) => s.trim().length > 0, { error: 'must not be empty' })
  .refine((s) => !CONTROL_RE.test(s), { error: 'must not contain control characters' });

export const IsoDate = str('a date string "YYYY-MM-DD"').refine((s) => parseDate(s) !== null, {
  error: 'must be a real calendar date written YYYY-MM-DD',
});
export const IsoTimestamp = str('an ISO-8601 timestamp string').refine((s) => parseInstant(s) !== null, {
  error: 'must be an ISO-8601 timestamp with an offset, e.g. 2019-11-20T09:00:00+07:00',
});

const int = (what: string) =>
  z.number({ error: (iss) => (iss.input === undefined ? 'is required' : `must be ${what}`) }).int({ error: `must be ${what}` });

export const Year = int('a whole year number')
  .min(FIRST_YEAR, { error: `must be ${FIRST_YEAR} or later (the plan starts in ${FIRST_YEAR})` })
  .max(9999, { error: 'must be a four-digit year' });
export const ContestYear = Year.refine((y) => y >= FIRST_CONTEST_YEAR && (y - FIRST_CONTEST_YEAR) % 3 === 0, {
  error: 'must be a contest year (2017, 2020, 2023, … every 3 years from 2017)',
});
export const Month = int('a whole month number').min(1, { error: 'must be between 1 and 12' }).max(12, {
  error: 'must be between 1 and 12',
});

/** True when a number has at most two decimals (the parsed double equals hundredths/100). */
export function hasAtMostTwoDecimals(n: number): boolean {
  return Number.isFinite(n) && Math.round(n * 100) / 100 === n;
}
export const Points = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a number') })
  .min(0, { error: 'must be 0 or more' })
  .max(1000, { error: 'must be at most 1000' })
  .refine(hasAtMostTwoDecimals, { error: 'must have at most 2 decimals' });

const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (iss) => (iss.input === undefined ? 'is required' : `must be one of ${values.join(', ')}`),
  });

// ---------------------------------------------------------------------------------------------
// Payloads (RULEBOOK.md §1). Strict: an unknown field is an error, never silently ignored.

export const UnitRegisteredData = z.strictObject({
  unitId: UnitId,
  kind: enumOf(UNIT_KINDS),
  name: Text,
  parentId: UnitId.optional(),
  effectiveFrom: IsoDate,
});
export const UnitRenamedData = z.strictObject({ unitId: UnitId, name: Text, effectiveFrom: IsoDate });
export const UnitsMergedData = z.strictObject({
  unitId: UnitId,
  sourceUnitIds: z
    .array(UnitId, { error: (iss) => (iss.input === undefined ? 'is required' : 'must be an array of unit ids') })
    .min(1, { error: 'must name at least one source unit' })
    .max(1000, { error: 'must name at most 1000 source units' })
    .refine((a) => new Set(a).size === a.length, { error: 'must not name the same unit twice' }),
  effectiveFrom: IsoDate,
});
export const UnitDissolvedData = z.strictObject({ unitId: UnitId, effectiveFrom: IsoDate });
export const CriterionAssessedData = z.strictObject({
  unitId: UnitId,
  year: Year,
  criterionId: str('a criterion id').regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/, {
    error: 'must be a criterion id such as A1',
  }),
  points: Points,
  role: enumOf(ROLES),
  assessorId: RefId,
});
export const AssessmentRetractedData = z.strictObject({ unitId: UnitId, assessmentEventId: Uuid, reason: Text });
export const MonthlyReportSubmittedData = z.strictObject({
  unitId: UnitId,
  year: Year,
  month: Month,
  submittedAt: IsoTimestamp,
});
export const ComplaintReceivedData = z.strictObject({
  unitId: UnitId,
  caseId: RefId,
  category: enumOf(CASE_CATEGORIES),
  receivedAt: IsoTimestamp,
});
export const ComplaintResolvedData = z.strictObject({ unitId: UnitId, caseId: RefId, resolvedAt: IsoTimestamp });
export const HotspotReportedData = z.strictObject({
  unitId: UnitId,
  hotspotId: RefId,
  reportedAt: IsoTimestamp,
  summary: Text,
});
export const HotspotResolvedData = z.strictObject({ unitId: UnitId, hotspotId: RefId, resolvedAt: IsoTimestamp });
export const DialogueHeldData = z.strictObject({
  unitId: UnitId,
  heldAt: IsoTimestamp,
  participants: int('a whole number of participants').min(1, { error: 'must be at least 1' }),
});
export const ModelRegisteredData = z.strictObject({
  unitId: UnitId,
  modelId: RefId,
  title: Text,
  field: enumOf(MODEL_FIELDS),
  registeredAt: IsoTimestamp,
});
export const ModelRecognizedData = z.strictObject({
  unitId: UnitId,
  modelId: RefId,
  year: Year,
  level: enumOf(MODEL_LEVELS),
});
export const ModelRevokedData = z.strictObject({ unitId: UnitId, modelId: RefId, revokedAt: IsoTimestamp, reason: Text });
export const ContestPrizeAwardedData = z.strictObject({ unitId: UnitId, year: ContestYear, prize: enumOf(PRIZES) });
export const DisciplineImposedData = z.strictObject({
  unitId: UnitId,
  year: Year,
  subject: enumOf(['head', 'unit'] as const),
  severity: enumOf(['reprimand', 'warning', 'dismissal'] as const),
});
export const YearClosedData = z.strictObject({ year: Year, closedAt: IsoTimestamp });

/** Every event type of schema version 1 and its payload schema. */
export const EVENT_DATA_SCHEMAS = {
  UnitRegistered: UnitRegisteredData,
  UnitRenamed: UnitRenamedData,
  UnitsMerged: UnitsMergedData,
  UnitDissolved: UnitDissolvedData,
  CriterionAssessed: CriterionAssessedData,
  AssessmentRetracted: AssessmentRetractedData,
  MonthlyReportSubmitted: MonthlyReportSubmittedData,
  ComplaintReceived: ComplaintReceivedData,
  ComplaintResolved: ComplaintResolvedData,
  HotspotReported: HotspotReportedData,
  HotspotResolved: HotspotResolvedData,
  DialogueHeld: DialogueHeldData,
  ModelRegistered: ModelRegisteredData,
  ModelRecognized: ModelRecognizedData,
  ModelRevoked: ModelRevokedData,
  ContestPrizeAwarded: ContestPrizeAwardedData,
  DisciplineImposed: DisciplineImposedData,
  YearClosed: YearClosedData,
} as const;

export type EventType = keyof typeof EVENT_DATA_SCHEMAS;
export const EVENT_TYPES = Object.keys(EVENT_DATA_SCHEMAS) as EventType[];
export type EventData<T extends EventType> = z.output<(typeof EVENT_DATA_SCHEMAS)[T]>;

/** A value quoted for an error message, cut at 64 characters: a reason never echoes a huge input. */
function quoteShort(s: string): string {
  return s.length > 64 ? `${JSON.stringify(s.slice(0, 64))}… (${s.length} characters)` : JSON.stringify(s);
}

/** The envelope's own fields, with `data` checked per type afterwards (clearer messages). */
export const EnvelopeHead = z.strictObject({
  id: Uuid,
  type: str('an event type name').refine((t) => Object.hasOwn(EVENT_DATA_SCHEMAS, t), {
    error: (iss) => `unknown event type ${quoteShort(String(iss.input))} (known: ${EVENT_TYPES.join(', ')})`,
  }),
  schemaVersion: int('a whole schema version number').min(1, { error: 'must be 1 or more' }),
  source: SourceName,
  occurredAt: IsoTimestamp,
  data: z.record(z.string(), z.unknown(), {
    error: (iss) => (iss.input === undefined ? 'is required' : 'must be a JSON object'),
  }),
});

type EnvelopeOf<T extends EventType> = {
  id: string;
  type: T;
  schemaVersion: typeof CURRENT_SCHEMA_VERSION;
  source: string;
  occurredAt: string;
  data: EventData<T>;
};
/** A validated event envelope of the current schema version. */
export type Envelope = { [T in EventType]: EnvelopeOf<T> }[EventType];
export type EnvelopeOfType<T extends EventType> = EnvelopeOf<T>;

/** The stream an event belongs to: `unit-<unitId>`, or `district` for `YearClosed`. */
export function streamOf(e: Envelope): string {
  return e.type === 'YearClosed' ? DISTRICT_STREAM : unitStream(e.data.unitId);
}
export const DISTRICT_STREAM = 'district';
export const UNIT_STREAM_PREFIX = 'unit-';
export function unitStream(unitId: string): string {
  return UNIT_STREAM_PREFIX + unitId;
}

/** An event as read back from the log: its global position, its stream and its revision in it. */
export interface RecordedEvent {
  /** 1-based position in the global log. */
  readonly position: number;
  readonly stream: string;
  /** 0-based revision within the stream. */
  readonly revision: number;
  readonly event: Envelope;
}

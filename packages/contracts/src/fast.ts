import {
  CASE_CATEGORIES,
  CURRENT_SCHEMA_VERSION,
  EVENT_DATA_SCHEMAS,
  FIRST_CONTEST_YEAR,
  FIRST_YEAR,
  MODEL_FIELDS,
  MODEL_LEVELS,
  PRIZES,
  ROLES,
  UNIT_KINDS,
  hasAtMostTwoDecimals,
  type Envelope,
  type EventType,
} from './events.js';
import { parseDate, parseInstant } from './time.js';

/**
 * The fast path of envelope validation. The zod schemas in events.ts are the definition (and
 * what produces the error messages and the JSON Schema); this hand-written checker accepts
 * exactly the same envelopes and returns exactly the same normalised value, several times faster,
 * for bulk import and replay. When it says no, `parseEnvelope` asks zod why. A property test
 * (test/fast.unit.spec.ts) holds the two to agreement on valid, mutated and random input.
 */

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const CRITERION_RE = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

type Check = (v: unknown) => unknown; // returns the (normalised) value, or FAIL
const FAIL = Symbol('fail');

const str = (re: RegExp): Check => (v) => (typeof v === 'string' && re.test(v) ? v : FAIL);
const uuid: Check = (v) => (typeof v === 'string' && UUID_RE.test(v) ? v.toLowerCase() : FAIL);
const unitId = str(CODE_RE);
const refId = str(REF_RE);
const text: Check = (v) => (typeof v === 'string' && v.length <= 500 && v.trim().length > 0 && !CONTROL_RE.test(v) ? v : FAIL);
const date: Check = (v) => (typeof v === 'string' && parseDate(v) !== null ? v : FAIL);
const instant: Check = (v) => (typeof v === 'string' && parseInstant(v) !== null ? v : FAIL);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const year: Check = (v) => (isInt(v) && v >= FIRST_YEAR && v <= 9999 ? v : FAIL);
const contestYear: Check = (v) => (isInt(v) && v >= FIRST_YEAR && v <= 9999 && v >= FIRST_CONTEST_YEAR && (v - FIRST_CONTEST_YEAR) % 3 === 0 ? v : FAIL);
const month: Check = (v) => (isInt(v) && v >= 1 && v <= 12 ? v : FAIL);
const points: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1000 && hasAtMostTwoDecimals(v) ? v : FAIL);
const positive: Check = (v) => (isInt(v) && v >= 1 ? v : FAIL);
const oneOf = (values: readonly string[]): Check => {
  const set = new Set(values);
  return (v) => (typeof v === 'string' && set.has(v) ? v : FAIL);
};
const unitIds: Check = (v) => {
  if (!Array.isArray(v) || v.length < 1 || v.length > 1000) return FAIL;
  const seen = new Set<string>();
  for (const x of v) {
    if (typeof x !== 'string' || !CODE_RE.test(x) || seen.has(x)) return FAIL;
    seen.add(x);
  }
  return [...v];
};

/** Field checks of every payload: [name, check, optional]. Must mirror EVENT_DATA_SCHEMAS. */
const FIELDS: Record<EventType, [string, Check, boolean?][]> = {
  UnitRegistered: [['unitId', unitId], ['kind', oneOf(UNIT_KINDS)], ['name', text], ['parentId', unitId, true], ['effectiveFrom', date]],
  UnitRenamed: [['unitId', unitId], ['name', text], ['effectiveFrom', date]],
  UnitsMerged: [['unitId', unitId], ['sourceUnitIds', unitIds], ['effectiveFrom', date]],
  UnitDissolved: [['unitId', unitId], ['effectiveFrom', date]],
  CriterionAssessed: [['unitId', unitId], ['year', year], ['criterionId', str(CRITERION_RE)], ['points', points], ['role', oneOf(ROLES)], ['assessorId', refId]],
  AssessmentRetracted: [['unitId', unitId], ['assessmentEventId', uuid], ['reason', text]],
  MonthlyReportSubmitted: [['unitId', unitId], ['year', year], ['month', month], ['submittedAt', instant]],
  ComplaintReceived: [['unitId', unitId], ['caseId', refId], ['category', oneOf(CASE_CATEGORIES)], ['receivedAt', instant]],
  ComplaintResolved: [['unitId', unitId], ['caseId', refId], ['resolvedAt', instant]],
  HotspotReported: [['unitId', unitId], ['hotspotId', refId], ['reportedAt', instant], ['summary', text]],
  HotspotResolved: [['unitId', unitId], ['hotspotId', refId], ['resolvedAt', instant]],
  DialogueHeld: [['unitId', unitId], ['heldAt', instant], ['participants', positive]],
  ModelRegistered: [['unitId', unitId], ['modelId', refId], ['title', text], ['field', oneOf(MODEL_FIELDS)], ['registeredAt', instant]],
  ModelRecognized: [['unitId', unitId], ['modelId', refId], ['year', year], ['level', oneOf(MODEL_LEVELS)]],
  ModelRevoked: [['unitId', unitId], ['modelId', refId], ['revokedAt', instant], ['reason', text]],
  ContestPrizeAwarded: [['unitId', unitId], ['year', contestYear], ['prize', oneOf(PRIZES)]],
  DisciplineImposed: [['unitId', unitId], ['year', year], ['subject', oneOf(['head', 'unit'])], ['severity', oneOf(['reprimand', 'warning', 'dismissal'])]],
  YearClosed: [['year', year], ['closedAt', instant]],
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const FIELD_NAMES: Record<string, Set<string>> = Object.fromEntries(Object.entries(FIELDS).map(([t, fs]) => [t, new Set(fs.map((f) => f[0]))]));

function checkData(type: EventType, data: Record<string, unknown>): Record<string, unknown> | null {
  const fields = FIELDS[type];
  const names = FIELD_NAMES[type]!;
  // strict: no field the schema does not name (whatever its value)
  for (const k in data) if (Object.hasOwn(data, k) && !names.has(k)) return null;
  const out: Record<string, unknown> = {};
  for (const [name, check, optional] of fields) {
    if (!Object.hasOwn(data, name) || data[name] === undefined) {
      if (optional) continue;
      return null;
    }
    const v = check(data[name]);
    if (v === FAIL) return null;
    out[name] = v;
  }
  return out;
}

const HEAD_KEYS = 6;

/**
 * The envelope, validated and normalised exactly as `parseEnvelope` would, or null when it is not
 * valid (or needs an upcaster): then call `parseEnvelope` for the reasons.
 */
export function fastEnvelope(raw: unknown): Envelope | null {
  if (!isPlainObject(raw)) return null;
  let keys = 0;
  for (const k in raw) if (Object.hasOwn(raw, k)) keys++;
  if (keys !== HEAD_KEYS) return null; // with the six names each required below: exactly those
  const { id, type, schemaVersion, source, occurredAt, data } = raw;
  if (typeof type !== 'string' || !Object.hasOwn(EVENT_DATA_SCHEMAS, type)) return null;
  if (schemaVersion !== CURRENT_SCHEMA_VERSION) return null;
  const nid = uuid(id);
  if (nid === FAIL || unitId(source) === FAIL || instant(occurredAt) === FAIL || !isPlainObject(data)) return null;
  const d = checkData(type as EventType, data);
  if (!d) return null;
  return { id: nid as string, type, schemaVersion: CURRENT_SCHEMA_VERSION, source: source as string, occurredAt: occurredAt as string, data: d } as Envelope;
}

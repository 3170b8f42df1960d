import fc from 'fast-check';
import {
  CASE_CATEGORIES,
  EVENT_TYPES,
  FIRST_CONTEST_YEAR,
  MODEL_FIELDS,
  MODEL_LEVELS,
  PRIZES,
  ROLES,
  UNIT_KINDS,
  formatDay,
  parseDate,
  parseInstant,
  pathStep,
  type EventType,
} from '@dvk/contracts';

/**
 * fast-check arbitraries of event envelopes, field by field, and of mutations that make one
 * field invalid — each mutation knows the path of the field it broke, so a test can check that
 * the rejection names it. The field kinds and their rules mirror packages/contracts/src/events.ts
 * (written from the schema's words, not from its code).
 */

export type Obj = Record<string, unknown>;

// --- valid values -------------------------------------------------------------------------------

const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const REF_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CRITERION_RE = /^[A-Za-z][A-Za-z0-9_]{0,15}$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const chars = (s: string) => fc.constantFrom(...s.split(''));

/** Ids: short most of the time, up to the 128-character limit sometimes. */
const code = (extra: string) =>
  fc
    .tuple(chars(alnum), fc.string({ unit: chars(alnum + extra), maxLength: 127, size: 'small' }), fc.boolean())
    .map(([h, t, long]) => (long ? (h + t + 'x'.repeat(127)).slice(0, 128) : h + t));

export const validUnitId = code('._:-');
export const validRefId = code('._:/-');
export const validSource = code('._:-');
/** A UUID in any letter case (normalised to lower case by the parser). */
export const validUuid = fc.tuple(fc.uuid(), fc.boolean()).map(([u, upper]) => (upper ? u.toUpperCase() : u));

const vietnamese = 'aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐÂĂÊÔƠƯ ';
/** Human text: Vietnamese, any Unicode (emoji, RTL, combining marks), tabs and newlines, 1–500 UTF-16 units. */
export const validText = fc
  .oneof(
    fc.string({ unit: chars(vietnamese), minLength: 1, maxLength: 60 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    fc.string({ unit: fc.oneof(chars(vietnamese), fc.constantFrom('\t', '\n', '\r', '"', '\\', '\u2028', '😀', '\u200d', 'ا')), minLength: 1, maxLength: 80 }),
    fc.constant('Đ'.repeat(500)),
  )
  .filter((s) => s.length <= 500 && s.trim().length > 0 && !CONTROL_RE.test(s));

/** A real calendar date, YYYY-MM-DD, years 1000–9999 (leap days included). */
export const validDate = fc.integer({ min: -354_285, max: 2_932_896 }).map(formatDay);

const p2 = (n: number) => String(n).padStart(2, '0');
/** An ISO-8601 instant with an offset: minutes, seconds and 1–9 fraction digits optional; Z or ±HH:MM (up to ±14:59). */
export const validInstant = fc
  .record({
    day: fc.integer({ min: 16_000, max: 30_000 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.option(fc.integer({ min: 0, max: 59 })),
    frac: fc.option(fc.stringMatching(/^\d{1,9}$/)),
    off: fc.oneof(fc.constant('Z'), fc.constant('+07:00'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 59 })).map(([sg, h, m]) => `${sg}${p2(h)}:${p2(m)}`)),
  })
  .map(({ day, h, mi, s, frac, off }) => `${formatDay(day)}T${p2(h)}:${p2(mi)}${s === null ? '' : `:${p2(s)}${frac === null ? '' : `.${frac}`}`}${off}`);

export const validYear = fc.integer({ min: 2016, max: 9999 });
export const validContestYear = fc.integer({ min: 0, max: Math.floor((9999 - FIRST_CONTEST_YEAR) / 3) }).map((k) => FIRST_CONTEST_YEAR + 3 * k);
export const validMonth = fc.integer({ min: 1, max: 12 });
/** 0–1000 with at most two decimals. */
export const validPoints = fc.oneof(fc.integer({ min: 0, max: 100_000 }).map((h) => h / 100), fc.constantFrom(0, 1000, 0.01, 999.99, 17.5, 0.3, 0.07, 0.29));
export const validParticipants = fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(Number.MAX_SAFE_INTEGER));
const enumOf = (values: readonly string[]) => fc.constantFrom(...values);
export const validCriterion = fc.stringMatching(CRITERION_RE);
const validUnitIds = fc.uniqueArray(validUnitId, { minLength: 1, maxLength: 12 });

/** The kind of every payload field: its valid values and its invalid mutations. */
export type FieldKind =
  | 'unitId'
  | 'refId'
  | 'uuid'
  | 'text'
  | 'date'
  | 'instant'
  | 'year'
  | 'contestYear'
  | 'month'
  | 'points'
  | 'participants'
  | 'criterion'
  | 'unitIds'
  | { enum: readonly string[] };

interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly optional?: boolean;
}

const f = (name: string, kind: FieldKind, optional = false): FieldSpec => ({ name, kind, optional });

/** Every event type's payload fields (RULEBOOK.md §1 as written in events.ts). */
export const PAYLOADS: Record<EventType, readonly FieldSpec[]> = {
  UnitRegistered: [f('unitId', 'unitId'), f('kind', { enum: UNIT_KINDS }), f('name', 'text'), f('parentId', 'unitId', true), f('effectiveFrom', 'date')],
  UnitRenamed: [f('unitId', 'unitId'), f('name', 'text'), f('effectiveFrom', 'date')],
  UnitsMerged: [f('unitId', 'unitId'), f('sourceUnitIds', 'unitIds'), f('effectiveFrom', 'date')],
  UnitDissolved: [f('unitId', 'unitId'), f('effectiveFrom', 'date')],
  CriterionAssessed: [f('unitId', 'unitId'), f('year', 'year'), f('criterionId', 'criterion'), f('points', 'points'), f('role', { enum: ROLES }), f('assessorId', 'refId')],
  AssessmentRetracted: [f('unitId', 'unitId'), f('assessmentEventId', 'uuid'), f('reason', 'text')],
  MonthlyReportSubmitted: [f('unitId', 'unitId'), f('year', 'year'), f('month', 'month'), f('submittedAt', 'instant')],
  ComplaintReceived: [f('unitId', 'unitId'), f('caseId', 'refId'), f('category', { enum: CASE_CATEGORIES }), f('receivedAt', 'instant')],
  ComplaintResolved: [f('unitId', 'unitId'), f('caseId', 'refId'), f('resolvedAt', 'instant')],
  HotspotReported: [f('unitId', 'unitId'), f('hotspotId', 'refId'), f('reportedAt', 'instant'), f('summary', 'text')],
  HotspotResolved: [f('unitId', 'unitId'), f('hotspotId', 'refId'), f('resolvedAt', 'instant')],
  DialogueHeld: [f('unitId', 'unitId'), f('heldAt', 'instant'), f('participants', 'participants')],
  ModelRegistered: [f('unitId', 'unitId'), f('modelId', 'refId'), f('title', 'text'), f('field', { enum: MODEL_FIELDS }), f('registeredAt', 'instant')],
  ModelRecognized: [f('unitId', 'unitId'), f('modelId', 'refId'), f('year', 'year'), f('level', { enum: MODEL_LEVELS })],
  ModelRevoked: [f('unitId', 'unitId'), f('modelId', 'refId'), f('revokedAt', 'instant'), f('reason', 'text')],
  ContestPrizeAwarded: [f('unitId', 'unitId'), f('year', 'contestYear'), f('prize', { enum: PRIZES })],
  DisciplineImposed: [f('unitId', 'unitId'), f('year', 'year'), f('subject', { enum: ['head', 'unit'] }), f('severity', { enum: ['reprimand', 'warning', 'dismissal'] })],
  YearClosed: [f('year', 'year'), f('closedAt', 'instant')],
};

export function validValue(kind: FieldKind): fc.Arbitrary<unknown> {
  if (typeof kind === 'object') return enumOf(kind.enum);
  switch (kind) {
    case 'unitId':
      return validUnitId;
    case 'refId':
      return validRefId;
    case 'uuid':
      return validUuid;
    case 'text':
      return validText;
    case 'date':
      return validDate;
    case 'instant':
      return validInstant;
    case 'year':
      return validYear;
    case 'contestYear':
      return validContestYear;
    case 'month':
      return validMonth;
    case 'points':
      return validPoints;
    case 'participants':
      return validParticipants;
    case 'criterion':
      return validCriterion;
    case 'unitIds':
      return validUnitIds;
  }
}

/** A valid payload of a type (optional fields present or not). */
export function validData(type: EventType): fc.Arbitrary<Obj> {
  const fields = PAYLOADS[type];
  const rec: Record<string, fc.Arbitrary<unknown>> = {};
  for (const s of fields) rec[s.name] = validValue(s.kind);
  const optional = fields.filter((s) => s.optional).map((s) => s.name);
  return fc.record(rec, { requiredKeys: fields.filter((s) => !s.optional).map((s) => s.name) }).map((d) => {
    for (const k of optional) if (d[k] === undefined) delete d[k];
    return d as Obj;
  });
}

/** A valid envelope of a type. */
export function validEnvelope(type: EventType): fc.Arbitrary<Obj> {
  return fc.record({ id: validUuid, type: fc.constant(type), schemaVersion: fc.constant(1), source: validSource, occurredAt: validInstant, data: validData(type) });
}
export const anyValidEnvelope = fc.constantFrom(...EVENT_TYPES).chain(validEnvelope);

/** What the parser returns for a valid envelope: the same value, with the id in lower case. */
export function normalised(e: Obj): Obj {
  const data = { ...(e.data as Obj) };
  if (typeof data.assessmentEventId === 'string') data.assessmentEventId = data.assessmentEventId.toLowerCase();
  return { ...e, id: (e.id as string).toLowerCase(), data };
}

// --- invalid values -----------------------------------------------------------------------------

/** A value nested `depth` levels deep (arrays or objects), built without recursion. */
export function deep(depth: number, asObject: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = asObject ? { a: v } : [v];
  return v;
}

const hugeString = fc.integer({ min: 10_000, max: 200_000 }).map((n) => 'x'.repeat(n));
const wrongJson = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, [], {}, [1], { a: 1 }, ''),
  fc.integer().map((n) => ({ n })),
  fc.integer({ min: 2, max: 2000 }).chain((d) => fc.boolean().map((o) => deep(d, o))),
);
const notString = fc.oneof(wrongJson, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const notNumber = fc.oneof(wrongJson, fc.constantFrom('1', '2019', '2020', '0.5', '12'), fc.string({ maxLength: 8 }));
const anyString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }));
const notMatching = (re: RegExp, specials: string[]) => fc.oneof(fc.constantFrom(...specials), anyString, hugeString).filter((s) => !re.test(s));

/** Values that are certainly invalid for a field kind (each rule of the kind broken somewhere). */
export function invalidValue(kind: FieldKind): fc.Arbitrary<unknown> {
  if (typeof kind === 'object') {
    const set = new Set(kind.enum);
    return fc.oneof(notString, fc.oneof(anyString, fc.constantFrom(...kind.enum.map((v) => v.toUpperCase()), ...kind.enum.map((v) => ` ${v}`))).filter((s) => !set.has(s)));
  }
  switch (kind) {
    case 'unitId':
      return fc.oneof(notString, notMatching(CODE_RE, ['', '-x', '.x', 'xã-cao-thượng', 'a b', 'a/b', 'x'.repeat(129), 'Đ', 'a\n', 'a\u0000']));
    case 'refId':
      return fc.oneof(notString, notMatching(REF_RE, ['', '/12', 'a b', 'x'.repeat(129), 'hồ-sơ', 'a\\b']));
    case 'uuid':
      return fc.oneof(notString, notMatching(UUID_RE, ['', 'not-a-uuid', '5f0c2d3e8b1a4c2d9e8f0123456789ab', '5f0c2d3e-8b1a-4c2d-9e8f-0123456789aX', '{5f0c2d3e-8b1a-4c2d-9e8f-0123456789ab}']));
    case 'text':
      return fc.oneof(
        notString,
        fc.constantFrom('', ' ', '\t\n ', '\u3000', 'a'.repeat(501), 'ok\u0007', 'tab\u000bvt', 'del\u007f', 'nul\u0000'),
        hugeString,
        fc.tuple(validText, fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 9 && c !== 10 && c !== 13)).map(([t, c]) => t.slice(0, 400) + String.fromCharCode(c)),
      );
    case 'date':
      return fc.oneof(
        notString,
        fc.constantFrom('2019-02-29', '2019-02-30', '2019-13-01', '2019-00-10', '2019-1-1', '20190101', '2019-01-01T00:00:00Z', '19-01-01', ' 2019-01-01', '2019-04-31', '0000-00-00', '2019/01/01'),
        anyString.filter((s) => parseDate(s) === null),
      );
    case 'instant':
      return fc.oneof(
        notString,
        fc.constantFrom('2019-11-20T09:00:00', '2019-11-20T24:00:00Z', '2019-11-20T09:60:00Z', '2019-11-20T09:00:60Z', '2019-02-29T09:00:00Z', '2019-11-20 09:00:00Z', '2019-11-20T09:00:00+7:00', '2019-11-20T09:00:00+15:00', '2019-11-20T09:00:00.Z', '2019-11-20T09:00:00.1234567890Z', '2019-11-20', '2019-11-20T09Z'),
        anyString.filter((s) => parseInstant(s) === null),
      );
    case 'year':
      return fc.oneof(notNumber, fc.constantFrom(2015, 0, -1, 10_000, 2019.5, 1e21, -2019), fc.integer({ max: 2015 }), fc.integer({ min: 10_000 }));
    case 'contestYear':
      // a "non-contest prize year": a valid year that is not 2017 + 3k, or not a year at all
      return fc.oneof(notNumber, fc.integer({ min: 2016, max: 9999 }).filter((y) => y < FIRST_CONTEST_YEAR || (y - FIRST_CONTEST_YEAR) % 3 !== 0), fc.constantFrom(2014, 2011, 2020.5, 10_001));
    case 'month':
      return fc.oneof(notNumber, fc.constantFrom(0, 13, -1, 1.5, 12.01), fc.integer({ min: 13 }), fc.integer({ max: 0 }));
    case 'points':
      return fc.oneof(
        notNumber,
        // three decimals (or more): 17.505, 0.001 …
        fc.integer({ min: 0, max: 1_000_000 }).filter((k) => k % 10 !== 0).map((k) => k / 1000),
        fc.constantFrom(-0.01, 1000.01, 1001, 1e21, -1, 0.125, 33.333),
        fc.double({ min: 1000.001, max: 1e300, noNaN: true }),
      );
    case 'participants':
      return fc.oneof(notNumber, fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e21), fc.integer({ max: 0 }));
    case 'criterion':
      return fc.oneof(notString, notMatching(CRITERION_RE, ['', '1A', 'A-1', 'A'.repeat(17), 'Á1']));
    case 'unitIds':
      return fc.oneof(
        notString.filter((v) => !Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')),
        fc.constant([]),
        validUnitId.map((u) => [u, u]),
        fc.tuple(validUnitIds, invalidValue('unitId')).map(([a, bad]) => [...a, bad]),
        fc.constant(Array.from({ length: 1001 }, (_, i) => `u${i}`)),
      );
  }
}

// --- mutations ------------------------------------------------------------------------------------

/** One way to break an envelope, with the path of what it broke. */
export interface Mutation {
  readonly path: string;
  readonly what: string;
  apply(e: Obj): void;
}

const FORBIDDEN = ['__proto__', 'constructor', 'prototype'] as const;
/** Names that exist on Object.prototype: an unknown field called so must still be an unknown field. */
const TRICKY_KEYS = ['toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'then', 'length', 'Id', 'ID', 'unitid', ' unitId', 'unitId ', 'dätä', '😀', ''];

/** Sets an own enumerable property, even `__proto__` (as JSON.parse would make it). */
export function setOwn(o: Obj, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A value with a forbidden key `depth` levels below where it is put. */
function withForbiddenKey(key: string, depth: number): { value: unknown; suffix: string } {
  const leaf: Obj = {};
  setOwn(leaf, key, { polluted: true });
  let v: unknown = leaf;
  let suffix = `.${key}`;
  for (let i = 0; i < depth; i++) {
    if (i % 2 === 0) {
      v = { n: v };
      suffix = `.n${suffix}`;
    } else {
      v = [v];
      suffix = `[0]${suffix}`;
    }
  }
  return { value: v, suffix };
}

const HEAD_FIELDS: readonly FieldSpec[] = [f('id', 'uuid'), f('source', 'unitId'), f('occurredAt', 'instant')];

/** Every kind of mutation of an envelope of a given type. */
export function mutationOf(type: EventType): fc.Arbitrary<Mutation> {
  const fields = PAYLOADS[type];
  const required = fields.filter((s) => !s.optional);
  const anyField = fc.constantFrom(...fields);
  const headField = fc.constantFrom(...HEAD_FIELDS);
  const m = (path: string, what: string, apply: (e: Obj) => void): Mutation => ({ path, what, apply });
  // after a mutation that replaced or removed `data`, payload mutations write to a detached object
  const data = (e: Obj): Obj => (typeof e.data === 'object' && e.data !== null && !Array.isArray(e.data) ? (e.data as Obj) : {});
  return fc.oneof(
    // a payload field with a wrong value (type, range, format, decimals, dates, contest years…)
    anyField.chain((s) => invalidValue(s.kind).map((v) => m(`data.${s.name}`, `invalid ${typeof s.kind === 'object' ? 'enum' : s.kind}`, (e) => void (data(e)[s.name] = v)))),
    // a head field with a wrong value
    headField.chain((s) => invalidValue(s.kind).map((v) => m(s.name, `invalid head ${s.name}`, (e) => void (e[s.name] = v)))),
    // an unknown event type, a bad schema version, data that is not an object
    fc.oneof(anyString, hugeString, notString).filter((t) => typeof t !== 'string' || !(EVENT_TYPES as string[]).includes(t)).map((v) => m('type', 'unknown type', (e) => void (e.type = v))),
    fc.constantFrom<unknown>(0, -1, 1.5, 2, 99, '1', null, [1]).map((v) => m('schemaVersion', 'bad schema version', (e) => void (e.schemaVersion = v))),
    fc.constantFrom<unknown>(null, [], 'data', 1, true).map((v) => m('data', 'data not an object', (e) => void (e.data = v))),
    // a required field missing
    ...(required.length ? [fc.constantFrom(...required).map((s) => m(`data.${s.name}`, 'missing field', (e) => void delete data(e)[s.name]))] : []),
    fc.constantFrom('id', 'type', 'schemaVersion', 'source', 'occurredAt', 'data').map((k) => m(k, 'missing head field', (e) => void delete e[k])),
    // an unknown field, in the head or the payload (names that exist on Object.prototype too)
    fc.tuple(fc.oneof(fc.constantFrom(...TRICKY_KEYS), fc.string({ maxLength: 12 })), fc.jsonValue({ maxDepth: 2 }), fc.boolean()).map(([k, v, inData]) => {
      const taken = inData ? fields.map((s) => s.name) : ['id', 'type', 'schemaVersion', 'source', 'occurredAt', 'data'];
      const key = taken.includes(k) || (FORBIDDEN as readonly string[]).includes(k) ? `${k}_extra` : k;
      return m(pathStep(inData ? 'data' : '', key), 'unknown field', (e) => setOwn(inData ? data(e) : e, key, v ?? null));
    }),
    // a prototype-pollution key at any depth: in the head, the payload, or nested in a field
    fc.tuple(fc.constantFrom(...FORBIDDEN), fc.integer({ min: 0, max: 12 }), fc.constantFrom('head', 'data', 'field')).chain(([k, depth, where]) =>
      (where === 'field' ? anyField.map((s) => `data.${s.name}`) : fc.constant(where === 'head' ? '' : 'data')).map((at) => {
        if (depth === 0 && where !== 'field') return m(at ? `${at}.${k}` : k, `forbidden key ${k}`, (e) => setOwn(at ? data(e) : e, k, { polluted: true }));
        const { value } = withForbiddenKey(k, depth);
        const slot = where === 'field' ? at : `${at ? `${at}.` : ''}nested`;
        return m(slot, `forbidden key ${k} at depth ${depth + 1}`, (e) => setOwn(where === 'head' ? e : data(e), slot.split('.').pop()!, value));
      }),
    ),
    // a field replaced by something deeply nested or huge
    fc.tuple(anyField, fc.integer({ min: 50, max: 2000 }), fc.boolean()).map(([s, d, o]) => m(`data.${s.name}`, 'deep nesting', (e) => void (data(e)[s.name] = deep(d, o)))),
  );
}

/** Whether an issue's path is about the mutated field: the same, inside it, or a container of it. */
export function relates(issuePath: string, mutated: string): boolean {
  if (issuePath === mutated) return true;
  const inside = (a: string, b: string) => a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
  return inside(issuePath, mutated) || inside(mutated, issuePath);
}

export { EVENT_TYPES };

import { z } from 'zod';
import * as E from 'fp-ts/lib/Either.js';
import {
  CURRENT_SCHEMA_VERSION,
  EVENT_DATA_SCHEMAS,
  EnvelopeHead,
  type Envelope,
  type EventType,
} from './events.js';
import { fastEnvelope } from './fast.js';

/** One problem with an input: the field (dotted path, `data.points`) and the reason. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** A rejected input, as data: what an upstream system gets back and what the dead-letter keeps. */
export interface ValidationError {
  readonly _tag: 'ValidationError';
  readonly issues: readonly Issue[];
  /** All issues as one line: `data.points: must have at most 2 decimals; …`. */
  readonly message: string;
}

export function validationError(issues: readonly Issue[]): ValidationError {
  return {
    _tag: 'ValidationError',
    issues,
    message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
  };
}

/**
 * One step of a path: `.name` for a plain name, `["…"]` for any other (an empty name, a dot, a
 * space…), so that every path names exactly one field.
 */
export function pathStep(prefix: string, key: string | number): string {
  if (typeof key === 'number') return `${prefix}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}]`;
}

function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out = pathStep(out, typeof p === 'number' ? p : String(p));
  return out;
}

/** Turns zod issues into dvk issues that name the field and say the reason in plain words. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): Issue[] {
  const out: Issue[] = [];
  for (const iss of issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) out.push({ path: joinPath(prefix, [...iss.path, k]), message: 'unknown field' });
      continue;
    }
    out.push({ path: joinPath(prefix, iss.path), message: iss.message });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Upcasters: how an event written in an older schema version becomes the current one. Version 1
// is the first, so the registry is empty; a later release adds `register(type, from, fn)` entries
// and keeps golden fixtures of the old form (see test/golden).

export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;
const upcasters = new Map<string, Upcaster>();

export function registerUpcaster(type: EventType, fromVersion: number, fn: Upcaster): void {
  upcasters.set(`${type}@${fromVersion}`, fn);
}
/** For tests: removes an upcaster registered with registerUpcaster. */
export function unregisterUpcaster(type: EventType, fromVersion: number): void {
  upcasters.delete(`${type}@${fromVersion}`);
}

/** Brings a payload from `version` up to `target` (the current schema version) through the registered upcasters. */
export function upcast(type: EventType, version: number, data: Record<string, unknown>, target: number = CURRENT_SCHEMA_VERSION): E.Either<Issue, Record<string, unknown>> {
  let v = version;
  let d = data;
  while (v < target) {
    const fn = upcasters.get(`${type}@${v}`);
    if (!fn) return E.left({ path: 'schemaVersion', message: `no upcaster from version ${v} of ${type}` });
    d = fn(d);
    v++;
  }
  return E.right(d);
}

/**
 * Validates an unknown value as an event envelope: the envelope's fields first, then the payload
 * of its type (after upcasting older schema versions). Never throws.
 */
export function parseEnvelope(raw: unknown): E.Either<ValidationError, Envelope> {
  const fast = fastEnvelope(raw);
  if (fast) return E.right(fast);
  return parseEnvelopeWithZod(raw);
}

/**
 * Field names that could pollute prototypes (`__proto__`, `constructor`, `prototype`): an
 * envelope naming one anywhere is refused outright, with the path — never silently dropped.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export function forbiddenKeyPaths(v: unknown, path = '', depth = 0, out: string[] = []): string[] {
  if (typeof v !== 'object' || v === null || depth > 8 || out.length > 10) return out;
  if (Array.isArray(v)) {
    v.forEach((x, i) => forbiddenKeyPaths(x, pathStep(path, i), depth + 1, out));
    return out;
  }
  for (const k of Object.keys(v)) {
    const p = pathStep(path, k);
    if (FORBIDDEN_KEYS.has(k)) out.push(p);
    else forbiddenKeyPaths((v as Record<string, unknown>)[k], p, depth + 1, out);
  }
  return out;
}

/** The defining path: zod, with messages naming every field and reason. */
export function parseEnvelopeWithZod(raw: unknown): E.Either<ValidationError, Envelope> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return E.left(validationError([{ path: '', message: 'an event must be a JSON object' }]));
  }
  const forbidden = forbiddenKeyPaths(raw);
  if (forbidden.length) return E.left(validationError(forbidden.map((path) => ({ path, message: 'forbidden field name (prototype pollution)' }))));
  const head = EnvelopeHead.safeParse(raw, { reportInput: true });
  if (!head.success) return E.left(validationError(formatIssues(head.error.issues)));
  const h = head.data;
  const type = h.type as EventType;
  if (h.schemaVersion > CURRENT_SCHEMA_VERSION) {
    return E.left(
      validationError([
        { path: 'schemaVersion', message: `version ${h.schemaVersion} is newer than this release reads (${CURRENT_SCHEMA_VERSION})` },
      ]),
    );
  }
  const up = upcast(type, h.schemaVersion, h.data);
  if (E.isLeft(up)) return E.left(validationError([up.left]));
  const data = EVENT_DATA_SCHEMAS[type].safeParse(up.right, { reportInput: true });
  if (!data.success) return E.left(validationError(formatIssues(data.error.issues, 'data')));
  return E.right({
    id: h.id,
    type,
    schemaVersion: CURRENT_SCHEMA_VERSION,
    source: h.source,
    occurredAt: h.occurredAt,
    data: data.data,
  } as Envelope);
}

/** Parses one NDJSON line (text) into an envelope: JSON errors and schema errors alike. */
export function parseEnvelopeText(text: string): E.Either<ValidationError, Envelope> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return E.left(validationError([{ path: '', message: `not valid JSON (${(err as Error).message})` }]));
  }
  return parseEnvelope(raw);
}

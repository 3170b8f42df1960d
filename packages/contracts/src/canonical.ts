import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/**
 * Canonical JSON (RFC 8785 style): object keys sorted by UTF-16 code units, no white space,
 * numbers in ECMAScript shortest form, `undefined` members dropped. Two equal values always give
 * the same string, so it is what every hash and digest in dvk is computed over.
 *
 * The work is done by the engine's JSON.stringify, each object handed to it with its keys in
 * code-unit order (a test holds it to `canonicalJsonReference` on random values): it builds the
 * string directly, where a recursive concatenation leaves garbage the size of the output many
 * times over (a year's report of a province is megabytes). An object with integer-like keys
 * (which JavaScript always enumerates first, in numeric order) or a toJSON method takes the
 * reference path.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return canonicalJsonReference(value);
  try {
    return JSON.stringify(value, sortedKeys);
  } catch (e) {
    if (e === FALLBACK) return canonicalJsonReference(value);
    throw e;
  }
}

/** Thrown inside JSON.stringify to take the reference path: integer-like keys, or a toJSON method (which JSON.stringify would call). */
const FALLBACK = new Error('canonicalJson: the reference path');
const isArrayIndex = (k: string): boolean => {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false; // the common case: not a digit
  return String(Number(k) >>> 0) === k && Number(k) !== 4294967295;
};

function sortedKeys(this: Record<string, unknown>, key: string, v: unknown): unknown {
  const own = this[key];
  if (own !== v || (typeof own === 'object' && own !== null && typeof (own as { toJSON?: unknown }).toJSON === 'function')) throw FALLBACK;
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: non-finite number ${v}`);
      return v;
    case 'object': {
      if (v === null || Array.isArray(v)) return v;
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj);
      let sorted = true;
      for (let i = 0; i < keys.length; i++) {
        if (isArrayIndex(keys[i]!)) throw FALLBACK;
        if (i > 0 && keys[i - 1]! > keys[i]!) sorted = false;
      }
      if (sorted && Object.getPrototypeOf(obj) === Object.prototype) return obj;
      keys.sort();
      const out = Object.create(null) as Record<string, unknown>;
      for (const k of keys) out[k] = obj[k];
      return out;
    }
    case 'string':
    case 'boolean':
    case 'undefined':
      return v;
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof v}`);
  }
}

/** canonicalJson by plain recursion: the definition, and what the fast path is tested against. */
export function canonicalJsonReference(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const v = value[i];
          out += v === undefined ? 'null' : canonicalJsonReference(v);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(k) + ':' + canonicalJsonReference(v);
      }
      return out + '}';
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

/** SHA-256 of a string's UTF-8 bytes, as lower-case hex. Pure JavaScript, usable in the core. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** `sha256:<hex>` of the canonical JSON of a value: the form every digest in dvk is written in. */
export function digestOf(value: unknown): string {
  return 'sha256:' + sha256Hex(canonicalJson(value));
}

/**
 * canonicalJson specialised for envelopes (the hot path of import and verification): the same
 * bytes, without the generic recursion. Envelope keys are fixed and already in code-unit order;
 * only the payload's keys are sorted.
 */
export function canonicalEnvelopeJson(e: { id: string; type: string; schemaVersion: number; source: string; occurredAt: string; data: object }): string {
  const d = e.data as Record<string, unknown>;
  const keys = Object.keys(d).sort();
  let out = '{"data":{';
  let first = true;
  for (const k of keys) {
    const v = d[k];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += JSON.stringify(k) + ':' + (typeof v === 'object' && v !== null ? canonicalJson(v) : typeof v === 'number' ? canonicalJson(v) : JSON.stringify(v));
  }
  return `${out}},"id":${JSON.stringify(e.id)},"occurredAt":${JSON.stringify(e.occurredAt)},"schemaVersion":${canonicalJson(e.schemaVersion)},"source":${JSON.stringify(e.source)},"type":${JSON.stringify(e.type)}}`;
}

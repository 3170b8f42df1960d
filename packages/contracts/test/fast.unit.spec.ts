import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { EVENT_TYPES, canonicalEnvelopeJson, canonicalJson, eventJsonSchemas, fastEnvelope, parseEnvelopeWithZod } from '../src/index.js';

/**
 * The fast validator must accept exactly what the zod schemas accept, and return the same value.
 * Checked on the example of every event type, on every single-field mutation of them (values of
 * every JSON kind, boundary values, removed and added fields) and on random JSON.
 */
const examples = readFileSync(new URL('./fixtures/every-event-type.ndjson', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Both validators only ever see JSON.parse output: compare them on exactly that. */
function agree(input: unknown): void {
  const text = JSON.stringify(input);
  if (text === undefined) return;
  const raw: unknown = JSON.parse(text);
  const z = parseEnvelopeWithZod(raw);
  const f = fastEnvelope(raw);
  if (E.isRight(z)) expect(f).toEqual(z.right);
  else if (f !== null) {
    // the fast path accepted something zod refuses
    expect({ input: raw, fast: f }).toBeNull();
  }
}

const tricky: unknown[] = [
  undefined, null, true, 0, -1, 1, 2, 1.5, 0.001, 17.505, 16.25, 1000, 1000.01, 2015, 2016, 2017, 2019, 2020, 9999, 10000, 1e21, -0,
  Number.MAX_SAFE_INTEGER + 2, 12, 13, '', ' ', 'x', 'A1', 'B1', 'official', 'self', 'commune_party', 'village', 'first',
  '2019-02-29', '2020-02-29', '2019-11-20T09:00:00+07:00', '2019-11-20T09:00:00', '2019-11-20T24:00:00Z', '2019-02-04T20:00:00Z',
  '00000000-0000-4000-8000-00000000000A', 'not-a-uuid', 'a'.repeat(501), 'a'.repeat(500), 'ok\u0007', 'Đồng Tâm', 'a/b', 'xa-cao-thuong',
  [], ['xa'], ['xa', 'xa'], {}, { a: 1 },
];

describe('the fast validator agrees with the zod schemas', () => {
  it('on every example envelope', () => {
    for (const e of examples) {
      expect(fastEnvelope(e)).not.toBeNull();
      agree(e);
    }
  });

  it('on every single-field mutation of every example', () => {
    let n = 0;
    for (const e of examples) {
      const data = e.data as Record<string, unknown>;
      for (const k of [...Object.keys(e), 'extra']) for (const v of tricky) (agree({ ...e, [k]: v }), n++);
      for (const k of [...Object.keys(data), 'extra', '__proto__', 'parentId']) {
        for (const v of tricky) (agree({ ...e, data: { ...data, [k]: v } }), n++);
        const without = { ...data };
        delete without[k];
        agree({ ...e, data: without });
      }
      agree(JSON.parse(JSON.stringify(e).replace('"data":{', '"data":{"__proto__":1,')));
    }
    expect(n).toBeGreaterThan(10_000);
  });

  it('on random values in every field (fast-check)', () => {
    const value = fc.oneof(fc.constantFrom(...tricky), fc.jsonValue({ maxDepth: 2 }), fc.integer({ min: 2010, max: 2030 }), fc.double({ min: 0, max: 30 }));
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.dictionary(fc.string({ maxLength: 12 }), value, { maxKeys: 3 }), fc.boolean(), (e, patch, inData) => {
        agree(inData ? { ...e, data: { ...(e.data as object), ...patch } } : { ...e, ...patch });
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('canonicalEnvelopeJson', () => {
  it('gives the same bytes as canonicalJson for every valid envelope', () => {
    for (const e of examples) expect(canonicalEnvelopeJson(e as never)).toBe(canonicalJson(e));
    fc.assert(
      fc.property(fc.constantFrom(...examples), fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), (e, extra) => {
        const x = { ...e, data: { ...(e.data as object), ...extra } };
        expect(canonicalEnvelopeJson(x as never)).toBe(canonicalJson(x));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('the exported JSON Schema', () => {
  it('is current (regenerate with `pnpm --filter @dvk/contracts export-schema`) and names every event type', () => {
    const file = readFileSync(new URL('../schema/evaluation-event.v1.json', import.meta.url), 'utf8');
    expect(JSON.parse(file)).toEqual(JSON.parse(JSON.stringify(eventJsonSchemas())));
    const defs = (JSON.parse(file) as { $defs: Record<string, unknown> }).$defs;
    expect(Object.keys(defs).sort()).toEqual([...EVENT_TYPES].sort());
  });
});

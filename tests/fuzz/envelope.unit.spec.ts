import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { EVENT_TYPES, parseEnvelope, parseEnvelopeText, parseEnvelopeWithZod, type ValidationError } from '@dvk/contracts';
import { deep, mutationOf, normalised, relates, validEnvelope, type Obj } from './arbitraries.js';
import { CaseCounter, runs } from './counts.js';

/**
 * Property-based tests of the envelope parser, for every event type: valid envelopes are accepted
 * with the same value; envelopes broken in one or several places are rejected with issues that
 * name the broken fields (and only those) with a reason in words; nothing ever throws, whatever
 * the JSON (prototype-pollution keys at any depth, deep nesting, huge strings, random text).
 */

const counter = new CaseCounter('envelope');
afterAll(() => counter.report());

/** The envelope as the ingest paths see it: JSON text, and the value JSON.parse makes of it. */
function parseBoth(e: Obj): { text: string; viaText: ReturnType<typeof parseEnvelopeText>; viaValue: ReturnType<typeof parseEnvelope> } {
  const text = JSON.stringify(e);
  return { text, viaText: parseEnvelopeText(text), viaValue: parseEnvelope(JSON.parse(text)) };
}

function expectClearRejection(r: E.Either<ValidationError, unknown>, mutated: readonly string[], context: string): void {
  if (E.isRight(r)) throw new Error(`accepted an invalid envelope (${context})`);
  const { issues, message } = r.left;
  expect(issues.length, context).toBeGreaterThan(0);
  expect(message.length, context).toBeGreaterThan(0);
  for (const i of issues) {
    // a reason in words, of a readable size (never the echo of a huge input)
    expect(i.message.trim().length, context).toBeGreaterThan(0);
    expect(i.message.length, `${context}: ${i.message.slice(0, 200)}`).toBeLessThan(1200);
    // naming a field that was broken, not an innocent one
    expect(mutated.some((m) => relates(i.path, m)), `${context}: issue at "${i.path}" (${i.message}) is about none of ${JSON.stringify(mutated)}`).toBe(true);
  }
}

describe.each(EVENT_TYPES)('%s envelopes', (type) => {
  it('valid ones are accepted with the same value (through the fast path and through zod)', () => {
    fc.assert(
      fc.property(validEnvelope(type), (e) => {
        counter.add(`valid/${type}`);
        const { viaText, viaValue } = parseBoth(e);
        const want = normalised(e);
        if (E.isLeft(viaText)) throw new Error(`refused a valid ${type}: ${viaText.left.message}\n${JSON.stringify(e)}`);
        expect(viaText.right).toEqual(want);
        expect(viaValue).toEqual(E.right(want));
        expect(parseEnvelopeWithZod(JSON.parse(JSON.stringify(e)))).toEqual(E.right(want));
      }),
      { numRuns: runs(1000) },
    );
  });

  it('one broken field: rejected, with an issue naming that field and the reason', () => {
    fc.assert(
      fc.property(validEnvelope(type), mutationOf(type), (generated, m) => {
        counter.add(`one mutation/${type}`);
        const e = structuredClone(generated); // fast-check may replay a value while shrinking: never mutate it
        m.apply(e);
        const { viaText, viaValue } = parseBoth(e);
        const ctx = `${type}: ${m.what} at ${m.path}`;
        expectClearRejection(viaText, [m.path], ctx);
        expectClearRejection(viaValue, [m.path], ctx);
        // the issue names exactly the broken field (or what contains / is inside it)
        expect((viaText as E.Left<ValidationError>).left.issues.some((i) => relates(i.path, m.path)), ctx).toBe(true);
      }),
      { numRuns: runs(1500) },
    );
  });

  it('several broken fields: rejected, every issue naming one of them', () => {
    fc.assert(
      fc.property(validEnvelope(type), fc.array(mutationOf(type), { minLength: 2, maxLength: 5 }), (generated, ms) => {
        counter.add(`several mutations/${type}`);
        const e = structuredClone(generated);
        for (const m of ms) m.apply(e);
        const { viaText } = parseBoth(e);
        expectClearRejection(
          viaText,
          ms.map((m) => m.path),
          `${type}: ${ms.map((m) => `${m.what} at ${m.path}`).join(', ')}`,
        );
      }),
      { numRuns: runs(800) },
    );
  });
});

describe('any input at all', () => {
  it('random text never throws and is refused with a reason (or is a valid envelope)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 4 })), (text) => {
        counter.add('random text');
        const r = parseEnvelopeText(text);
        if (E.isLeft(r)) expect(r.left.issues.every((i) => i.message.length > 0)).toBe(true);
      }),
      { numRuns: runs(5000) },
    );
  });

  it('random JSON values in the envelope and payload never throw', () => {
    const forbidden = fc.constantFrom('__proto__', 'constructor', 'prototype');
    fc.assert(
      fc.property(
        fc.constantFrom(...EVENT_TYPES).chain(validEnvelope),
        fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), forbidden), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 4 }),
        fc.boolean(),
        (generated, patch, inData) => {
          counter.add('random JSON patches');
          const e = structuredClone(generated);
          const target = inData ? (e.data as Obj) : e;
          for (const [k, v] of Object.entries(patch)) Object.defineProperty(target, k, { value: v, enumerable: true, writable: true, configurable: true });
          const r = parseEnvelopeText(JSON.stringify(e));
          if (E.isLeft(r)) for (const i of r.left.issues) expect(i.message.length).toBeGreaterThan(0);
          // nothing leaks into Object.prototype, whatever the keys
          expect(({} as Obj).polluted).toBeUndefined();
        },
      ),
      { numRuns: runs(5000) },
    );
  });

  it('extreme nesting (up to a million levels) is refused with the field named, without a stack overflow', () => {
    const base = { id: '5f0c2d3e-8b1a-4c2d-9e8f-0123456789ab', type: 'DialogueHeld', schemaVersion: 1, source: 's', occurredAt: '2019-10-15T08:00:00+07:00' };
    const head = JSON.stringify(base).slice(0, -1);
    for (const depth of [1000, 10_000, 100_000, 1_000_000]) {
      for (const [open, close] of [
        ['[', ']'],
        ['{"a":', '}'],
        ['{"__proto__":', '}'],
      ] as const) {
        const nested = open.repeat(depth) + '1' + close.repeat(depth);
        const cases: [string, string][] = [
          [nested, ''],
          [`${head},"data":${nested}}`, 'data'],
          [`${head},"data":{"unitId":${nested},"heldAt":"2019-10-15T08:00:00+07:00","participants":3}}`, 'data.unitId'],
          [`${head},"data":{"unitId":"x","heldAt":"2019-10-15T08:00:00+07:00","participants":3,"extra":${nested}}}`, 'data.extra'],
        ];
        for (const [text, path] of cases) {
          counter.add('extreme nesting');
          const r = parseEnvelopeText(text);
          expect(E.isLeft(r), `${depth} ${open} at ${path || 'top'}`).toBe(true);
          const issues = (r as E.Left<ValidationError>).left.issues;
          expect(path === '' || issues.some((i) => relates(i.path, path) || (open.includes('__proto__') && i.path.includes('__proto__')))).toBe(true);
        }
      }
    }
  });

  it('a deep value built in memory (not from JSON) is refused too', () => {
    for (const d of [10, 100, 1000]) {
      counter.add('extreme nesting');
      expect(E.isLeft(parseEnvelope(deep(d, true)))).toBe(true);
      expect(E.isLeft(parseEnvelope(deep(d, false)))).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonReference } from '../src/index.js';

/** The engine-backed canonicalJson gives the bytes of the recursive definition, or fails the same way. */
const outcome = (f: (v: unknown) => string, v: unknown): string => {
  try {
    return `ok ${f(v)}`;
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
};

describe('canonicalJson', () => {
  it('equals the reference on random values of every shape (fast-check)', () => {
    const values = fc.anything({
      maxDepth: 4,
      withBoxedValues: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withDate: true,
      withBigInt: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      key: fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '9', '01', '-1', '4294967295', '4294967294', '__proto__', 'é', 'e\u0301', '😀', '\uffff', 'toJSON')),
    });
    fc.assert(
      fc.property(values, (v) => {
        expect(outcome(canonicalJson, v)).toBe(outcome(canonicalJsonReference, v));
      }),
      { numRuns: 20_000 },
    );
  });

  it('sorts keys by UTF-16 code units at every depth, integer-like keys included, and drops undefined members', () => {
    const v = { b: 1, a: [{ z: null, y: undefined, '😀': 'x', é: 2 }], '10': true, '9': false, c: { '2': 'two', '1': 'one' } };
    const want = '{"10":true,"9":false,"a":[{"z":null,"é":2,"😀":"x"}],"b":1,"c":{"1":"one","2":"two"}}';
    expect(canonicalJsonReference(v)).toBe(want);
    expect(canonicalJson(v)).toBe(want);
    expect(canonicalJson({ d: new Date(0), n: -0 })).toBe('{"d":{},"n":0}');
    expect(() => canonicalJson({ x: [1, Number.NaN] })).toThrow('non-finite number NaN');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('cannot encode a function');
  });
});

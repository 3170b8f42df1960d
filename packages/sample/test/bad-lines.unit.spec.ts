import { describe, expect, it } from 'vitest';
import { rejectedFacts } from '@dvk/scoring';
import { generateDistrictSummary } from '../src/index.js';
import { foldAll, parseAll, rulebook } from './fold.js';

describe('intended bad lines', () => {
  it('are exactly the lines that fail the schema, each for its intended reason', () => {
    const { failures } = parseAll({ seed: 2016 });
    const specs = generateDistrictSummary({ seed: 2016 }).badLines.filter((b) => b.kind === 'dead_letter');
    expect(specs).toHaveLength(6);
    expect(failures).toHaveLength(specs.length);
    // One failure per spec, matched by reason.
    const left = [...failures];
    for (const spec of specs) {
      const i = left.findIndex((f) => f.message.includes(spec.reason));
      expect(i, `no line fails with "${spec.reason}"`).toBeGreaterThanOrEqual(0);
      left.splice(i, 1);
    }
    expect(left).toEqual([]);
  });

  it('become exactly the intended rejected facts when well-formed', () => {
    const { events } = parseAll({ seed: 2016 });
    const { ctx } = foldAll(events);
    const facts = rejectedFacts(ctx, () => rulebook).map((f) => ({ type: f.type, unitId: f.unitId, code: f.code }));
    const specs = generateDistrictSummary({ seed: 2016 }).badLines.flatMap((b) => (b.kind === 'rejected_fact' ? [{ type: b.type, unitId: b.unitId, code: b.code }] : []));
    expect(specs).toHaveLength(5);
    expect(facts).toEqual(expect.arrayContaining(specs));
    expect(facts).toHaveLength(specs.length);
  });

  it('are about ten lines, only in district copy 1, and fit in fewer years', () => {
    const two = parseAll({ seed: 5, districts: 2, years: 2 });
    expect(two.failures).toHaveLength(6);
    const { ctx } = foldAll(two.events);
    const facts = rejectedFacts(ctx, () => rulebook);
    expect(facts).toHaveLength(5);
    expect(facts.every((f) => !f.unitId.startsWith('d2-'))).toBe(true);
    const single = parseAll({ seed: 5, years: 1 });
    expect(single.failures).toHaveLength(6);
  });

  it('are left out with badEvents: false', () => {
    const { failures, events } = parseAll({ seed: 2016, badEvents: false });
    expect(failures).toEqual([]);
    const { ctx } = foldAll(events);
    expect(rejectedFacts(ctx, () => rulebook)).toEqual([]);
    expect(generateDistrictSummary({ seed: 2016, badEvents: false }).badLines).toEqual([]);
  });
});

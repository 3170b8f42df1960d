import { describe, expect, it } from 'vitest';
import { generateLines } from '../src/index.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The unit id an event line names (data.unitId), or null (YearClosed, the line that is not JSON). */
function unitOf(line: string): string | null {
  try {
    const e = JSON.parse(line) as { data?: { unitId?: string } };
    return e.data?.unitId ?? null;
  } catch {
    return null;
  }
}

describe('determinism', () => {
  it('gives byte-identical lines for the same seed and options', () => {
    const a = [...generateLines({ seed: 11, years: 2 })];
    const b = [...generateLines({ seed: 11, years: 2 })];
    expect(b.length).toBe(a.length);
    expect(b.join('\n')).toBe(a.join('\n'));
  });

  it('gives different lines for a different seed, with the same registry', () => {
    const a = [...generateLines({ seed: 1, years: 1 })];
    const b = [...generateLines({ seed: 2, years: 1 })];
    expect(b.join('\n')).not.toBe(a.join('\n'));
    const registry = (ls: string[]) => ls.filter((l) => l.includes('"UnitRegistered"')).map((l) => JSON.stringify((JSON.parse(l) as { data: unknown }).data));
    expect(registry(b)).toEqual(registry(a));
  });

  it('writes v4-shaped, lower-case, unique event ids', () => {
    const ids = [...generateLines({ seed: 5, years: 3 })].flatMap((l) => {
      try {
        return [(JSON.parse(l) as { id: string }).id];
      } catch {
        return [];
      }
    });
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps the first years the same when more years are generated', () => {
    const two = [...generateLines({ seed: 3, years: 2, closeYears: 'all', badEvents: false })];
    const three = [...generateLines({ seed: 3, years: 3, closeYears: 'all', badEvents: false })];
    // Up to YearClosed(2017) both are the same; after it, the 2-year file has only its last carry-over.
    const end = two.findIndex((l) => l.includes('"YearClosed"') && l.includes('"year":2017'));
    expect(end).toBeGreaterThan(0);
    expect(three.slice(0, end + 1)).toEqual(two.slice(0, end + 1));
  });

  it('generates copy 1 the same whatever the number of copies', () => {
    const one = [...generateLines({ seed: 4, years: 2 })];
    const two = [...generateLines({ seed: 4, years: 2, districts: 2 })];
    const copy1 = two.filter((l) => !unitOf(l)?.startsWith('d2-'));
    expect(copy1).toEqual(one);
  });

  it('streams: the first lines come without generating the rest', () => {
    const t0 = performance.now();
    const it = generateLines({ seed: 1, districts: 100, years: 10 });
    const first: string[] = [];
    for (const l of it) {
      first.push(l);
      if (first.length === 1000) break;
    }
    expect(first).toHaveLength(1000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('rejects options it cannot honour', () => {
    expect(() => [...generateLines({ seed: 1.5 })]).toThrow(RangeError);
    expect(() => [...generateLines({ seed: 1, firstYear: 2015 })]).toThrow(RangeError);
    expect(() => [...generateLines({ seed: 1, years: 0 })]).toThrow(RangeError);
    expect(() => [...generateLines({ seed: 1, districts: 0 })]).toThrow(RangeError);
  });
});

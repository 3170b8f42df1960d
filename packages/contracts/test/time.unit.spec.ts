import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DATETIME_RE, civilDay, formatDay, localDay, parseDate, parseInstant, yearOfDay } from '../src/index.js';

describe('calendar arithmetic (no Date objects in the hot path)', () => {
  it('agrees with Date for every day from 1888 to 2189', () => {
    for (let day = -30000; day < 80000; day++) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      expect(formatDay(day)).toBe(iso);
      expect(yearOfDay(day)).toBe(Number(iso.slice(0, 4)));
      expect(parseDate(iso)).toBe(day);
    }
  });

  it('parses ISO-8601 instants with offsets exactly like Date.parse', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.integer({ min: -12 * 60, max: 14 * 60 }), (d, off) => {
        const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
        const sign = off < 0 ? '-' : '+';
        const a = Math.abs(off);
        const text = `${local}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
        expect(parseInstant(text)).toBe(Date.parse(text));
      }),
    );
  });

  it('refuses dates that do not exist and malformed timestamps', () => {
    expect(civilDay(2019, 2, 29)).toBeNull();
    expect(civilDay(2020, 2, 29)).not.toBeNull();
    expect(civilDay(1900, 2, 29)).toBeNull();
    expect(civilDay(2000, 2, 29)).not.toBeNull();
    for (const bad of ['2019-13-01T00:00:00Z', '2019-04-31T00:00:00Z', '2019-01-01T24:00:00Z', '2019-01-01T10:00:00', '2019-01-01 10:00:00Z', '2019-01-01T10:00:00+15:00'])
      expect(parseInstant(bad)).toBeNull();
  });

  it('takes local dates in UTC+07:00', () => {
    expect(formatDay(localDay('2019-02-04T20:00:00Z'))).toBe('2019-02-05');
    expect(formatDay(localDay('2019-02-04T16:59:59Z'))).toBe('2019-02-04');
    expect(formatDay(localDay('2019-12-31T17:00:00Z'))).toBe('2020-01-01');
  });
});

describe('parseInstant accepts exactly the documented grammar', () => {
  it('agrees with DATETIME_RE plus calendar checks on random strings near the grammar', () => {
    const part = (n: number) => fc.stringMatching(new RegExp(`^[0-9]{${n}}$`));
    const sep = (c: string) => fc.oneof(fc.constant(c), fc.constantFrom('-', ':', 'T', ' ', '.', 'Z', '+', 'x', ''));
    const arb = fc
      .tuple(part(4), sep('-'), part(2), sep('-'), part(2), sep('T'), part(2), sep(':'), part(2),
        fc.option(fc.tuple(fc.constant(':'), part(2), fc.option(fc.tuple(fc.constant('.'), fc.stringMatching(/^[0-9]{0,11}$/))))),
        fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), part(2), sep(':'), part(2)).map((t) => t.join('')), fc.constantFrom('', 'z', '+7', 'Z ')))
      .map((t) => t.flat(3).filter((x) => x !== null).join(''));
    fc.assert(
      fc.property(arb, (s) => {
        const m = DATETIME_RE.exec(s);
        const ok = parseInstant(s) !== null;
        if (!m) {
          expect(ok).toBe(false);
          return;
        }
        const [, y, mo, d, h, mi, sec, , off] = m;
        const offOk = off === 'Z' || (Number(off!.slice(1, 3)) <= 14 && Number(off!.slice(4, 6)) <= 59);
        const valid = civilDay(Number(y), Number(mo), Number(d)) !== null && Number(h) <= 23 && Number(mi) <= 59 && Number(sec ?? 0) <= 59 && offOk;
        expect(ok).toBe(valid);
        if (ok) expect(parseInstant(s)).toBe(Date.parse(s.replace(/\.(\d{3})\d+/, '.$1').replace(/\.(\d{1,2})(?=\D)/, (x) => x.padEnd(4, '0'))));
      }),
      { numRuns: 20_000 },
    );
  });
});

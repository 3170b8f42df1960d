import { describe, expect, it } from 'vitest';
import { roundHalfUp } from '../src/index.js';
import { History } from './builder.js';

/**
 * Worked examples derived by hand from RULEBOOK.md §3, one source at a time. Each expected
 * figure is computed in the comment next to it.
 */
const card = (h: History, unit: string, year: number) => h.evaluate(year).byUnit.get(unit)!;
const pts = (h: History, unit: string, year: number, c: string) => card(h, unit, year).criteria.find((x) => x.id === c)!.pointsH;

describe('assessed criteria: the latest official assessment in stream order wins', () => {
  it('ignores self-assessments and takes the later official one', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.assess('x', 2019, 'A1', 19, 'self');
    h.assess('x', 2019, 'A1', 15.5);
    h.assess('x', 2019, 'A1', 17.25);
    h.assess('x', 2019, 'A1', 20, 'self'); // later, but self: never scored
    expect(pts(h, 'x', 2019, 'A1')).toBe(1725);
    const c = card(h, 'x', 2019).criteria[0]!;
    expect(c.used.map((u) => u.p)).toEqual([4]);
    expect(c.ignored.map((u) => u.p)).toEqual([2, 3, 5]);
  });

  it('a retraction removes an assessment, so the previous official one counts again', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.assess('x', 2019, 'A1', 12);
    const wrong = h.assess('x', 2019, 'A1', 18);
    h.retract('x', wrong);
    expect(pts(h, 'x', 2019, 'A1')).toBe(1200);
  });

  it('retracting the only official assessment leaves the criterion missing: incomplete, not rated', () => {
    const h = new History();
    h.register('x', 'commune_party');
    const a = h.assess('x', 2019, 'A1', 12);
    h.retract('x', a);
    const c = card(h, 'x', 2019);
    expect(c.criteria[0]!.pointsH).toBeNull();
    expect(c.complete).toBe(false);
    expect(c.missing).toEqual(['A1', 'A2', 'A7']);
  });

  it('a retraction that arrives before its assessment still applies (whole-log state checks)', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.retract('x', '00000000-0000-4000-8000-000000000003'); // the id of the next event
    h.assess('x', 2019, 'A1', 18);
    expect(pts(h, 'x', 2019, 'A1')).toBeNull();
    expect(h.rejected()).toEqual([]);
  });

  it('points above the maximum are a rejected fact and the previous valid assessment counts', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.assess('x', 2019, 'A7', 9.5);
    h.assess('x', 2019, 'A7', 10.5); // A7 max is 10
    expect(pts(h, 'x', 2019, 'A7')).toBe(950);
    expect(h.rejected().map((r) => [r.position, r.code])).toEqual([[3, 'points_above_max']]);
  });

  it('an assessment that arrives before the unit is registered counts once the registration is in the log', () => {
    const h = new History();
    h.assess('late', 2019, 'B1', 25);
    h.register('late', 'mobilization_team');
    expect(pts(h, 'late', 2019, 'B1')).toBe(2500);
    expect(h.rejected()).toEqual([]);
  });
});

describe('reporting: a month is on time when its earliest report is dated (local) on or before the 5th of the next month', () => {
  it('crosses midnight in UTC+7: 20:00Z on the 4th is the 5th locally (on time); 17:30Z on the 5th is the 6th (late)', () => {
    const h = new History();
    h.register('x', 'mobilization_team');
    h.report('x', 2019, 1, '2019-02-04T20:00:00Z'); // 05/02 03:00 local → on time
    h.report('x', 2019, 2, '2019-03-05T17:30:00Z'); // 06/03 00:30 local → late
    h.report('x', 2019, 3, '2019-04-05T16:59:59Z'); // 05/04 23:59:59 local → on time
    h.report('x', 2019, 4, '2019-05-05T23:59:00+07:00'); // on time
    // B2 max 20: 20 × 3 / 12 = 5 → 500
    expect(pts(h, 'x', 2019, 'B2')).toBe(500);
  });

  it('December is due by 5 January of the next year', () => {
    const h = new History();
    h.register('x', 'mobilization_team');
    h.report('x', 2019, 12, '2020-01-05T10:00:00+07:00');
    expect(pts(h, 'x', 2019, 'B2')).toBe(roundHalfUp(2000 * 1, 12)); // 20 × 1/12 = 1.666… → 1.67
    expect(pts(h, 'x', 2019, 'B2')).toBe(167);
  });

  it('takes the earliest submission of a month (by submittedAt), whatever its place in the stream', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.report('x', 2019, 6, '2019-07-20T08:00:00+07:00'); // late, first in the stream
    h.report('x', 2019, 6, '2019-07-03T08:00:00+07:00'); // on time, earlier date
    // A3 max 10: 10 × 1 / 12 = 0.8333 → 0.83
    expect(pts(h, 'x', 2019, 'A3')).toBe(83);
  });

  it('rounds half up once, at the end: 10 × 7 / 12 = 5.8333 → 5.83; 20 × 11 / 12 = 18.333 → 18.33', () => {
    const h = new History();
    h.register('a', 'commune_party');
    h.register('b', 'mobilization_team');
    for (let m = 1; m <= 7; m++) h.report('a', 2019, m, `2019-${String(m + 1).padStart(2, '0')}-02T08:00:00+07:00`);
    for (let m = 1; m <= 11; m++) h.report('b', 2019, m, `2019-${String(m + 1).padStart(2, '0')}-02T08:00:00+07:00`);
    expect(pts(h, 'a', 2019, 'A3')).toBe(583);
    expect(pts(h, 'b', 2019, 'B2')).toBe(1833);
  });

  it('a report of another year does not count', () => {
    const h = new History();
    h.register('x', 'mass_org');
    h.report('x', 2018, 1, '2018-02-01T08:00:00+07:00');
    expect(pts(h, 'x', 2019, 'C4')).toBe(0);
  });
});

describe('cases: on time when resolved within 30 days (15 for petitions) of the local receive date', () => {
  it('counts day 30 as on time and day 31 as late; petitions have 15 days; unresolved is not on time', () => {
    const h = new History();
    h.register('x', 'agency');
    h.complaint('x', 'c1', 'complaint', '2019-03-01T10:00:00+07:00');
    h.resolve('x', 'c1', '2019-03-31T16:00:00+07:00'); // 30 days → on time
    h.complaint('x', 'c2', 'denunciation', '2019-03-01T10:00:00+07:00');
    h.resolve('x', 'c2', '2019-04-01T08:00:00+07:00'); // 31 days → late
    h.complaint('x', 'c3', 'petition', '2019-05-01T10:00:00+07:00');
    h.resolve('x', 'c3', '2019-05-16T10:00:00+07:00'); // 15 days → on time
    h.complaint('x', 'c4', 'petition', '2019-05-01T10:00:00+07:00');
    h.resolve('x', 'c4', '2019-05-17T10:00:00+07:00'); // 16 days → late
    h.complaint('x', 'c5', 'complaint', '2019-06-01T10:00:00+07:00'); // unresolved
    // 2 on time of 5: 15 × 2 / 5 = 6
    expect(pts(h, 'x', 2019, 'A4')).toBe(600);
  });

  it('rounds half up: 1 on time of 8 → 15 × 1/8 = 1.875 → 1.88', () => {
    const h = new History();
    h.register('x', 'commune_party');
    for (let i = 0; i < 8; i++) h.complaint('x', `c${i}`, 'complaint', '2019-03-01T10:00:00+07:00');
    h.resolve('x', 'c0', '2019-03-02T10:00:00+07:00');
    expect(pts(h, 'x', 2019, 'A4')).toBe(188);
  });

  it('gives the maximum when no case was received in the year', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.complaint('x', 'old', 'complaint', '2018-03-01T10:00:00+07:00');
    expect(pts(h, 'x', 2019, 'A4')).toBe(1500);
    expect(pts(h, 'x', 2018, 'A4')).toBe(0);
  });

  it('takes the local date: received 31/12 20:00 UTC is 1 January locally, a case of the next year', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.complaint('x', 'n', 'petition', '2019-12-31T20:00:00Z'); // 2020-01-01 03:00 local
    expect(pts(h, 'x', 2019, 'A4')).toBe(1500);
    expect(pts(h, 'x', 2020, 'A4')).toBe(0);
  });

  it('counts a resolution that arrived before the receipt, and ignores one dated before the receipt', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.resolve('x', 'early', '2019-03-05T10:00:00+07:00');
    h.complaint('x', 'early', 'complaint', '2019-03-01T10:00:00+07:00');
    h.complaint('x', 'odd', 'complaint', '2019-03-10T10:00:00+07:00');
    h.resolve('x', 'odd', '2019-03-09T10:00:00+07:00'); // dated the day before the receipt
    expect(pts(h, 'x', 2019, 'A4')).toBe(750); // 15 × 1 / 2
    expect(card(h, 'x', 2019).criteria.find((c) => c.id === 'A4')!.ignored[0]!.note).toEqual({
      code: 'note.case.resolved_before_receipt',
      params: { caseId: 'odd', resolved: '2019-03-09', received: '2019-03-10' },
    });
  });

  it('a second receipt of the same case is a rejected fact; a resolution of an unknown case too', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.complaint('x', 'c', 'complaint', '2019-03-01T10:00:00+07:00');
    h.complaint('x', 'c', 'petition', '2019-03-02T10:00:00+07:00');
    h.resolve('x', 'ghost', '2019-03-02T10:00:00+07:00');
    expect(h.rejected().map((r) => r.code)).toEqual(['case_already_received', 'unknown_case']);
    expect(pts(h, 'x', 2019, 'A4')).toBe(0); // the complaint (first receipt) is unresolved
  });
});

describe('dialogues and models', () => {
  it('dialogues: none → 0, one → 2.50, two or more → 5 (local year)', () => {
    const h = new History();
    for (const u of ['a', 'b', 'c']) h.register(u, 'commune_party');
    h.dialogue('b', '2019-05-01T08:00:00+07:00');
    h.dialogue('b', '2018-12-31T18:00:00Z'); // 01/01/2019 local
    h.dialogue('c', '2019-06-01T08:00:00+07:00');
    h.dialogue('a', '2019-12-31T17:00:00Z'); // 01/01/2020 local: not 2019
    expect([pts(h, 'a', 2019, 'A5'), pts(h, 'c', 2019, 'A5'), pts(h, 'b', 2019, 'A5')]).toEqual([0, 250, 500]);
  });

  it('models: each recognised model adds 8 / 12 / 20 by its highest level for the year, capped at 20', () => {
    const h = new History();
    h.register('x', 'mobilization_team');
    h.model('x', 'm1');
    h.model('x', 'm2');
    h.recognize('x', 'm1', 2019, 'commune');
    h.recognize('x', 'm1', 2019, 'district'); // highest level for 2019: 12
    h.recognize('x', 'm2', 2018, 'province'); // not for 2019
    expect(pts(h, 'x', 2019, 'B3')).toBe(1200);
    h.recognize('x', 'm2', 2019, 'commune'); // 12 + 8 = 20
    expect(pts(h, 'x', 2019, 'B3')).toBe(2000);
    h.model('x', 'm3');
    h.recognize('x', 'm3', 2019, 'province'); // 40 → capped at 20
    expect(pts(h, 'x', 2019, 'B3')).toBe(2000);
    expect(pts(h, 'x', 2018, 'B3')).toBe(2000); // m2 at province level in 2018
  });

  it('a model registered after the year is not owned at its end: its recognition for that year adds nothing', () => {
    const h = new History();
    h.register('x', 'agency');
    h.model('x', 'late', '2020-01-01T00:30:00+07:00');
    h.recognize('x', 'late', 2019, 'province');
    h.recognize('x', 'late', 2020, 'commune');
    expect(pts(h, 'x', 2019, 'A6')).toBe(0);
    expect(pts(h, 'x', 2020, 'A6')).toBe(800);
  });

  it('a model revoked on or before 31/12 of the year adds nothing that year', () => {
    const h = new History();
    h.register('x', 'mass_org');
    h.model('x', 'm');
    h.recognize('x', 'm', 2019, 'district');
    h.recognize('x', 'm', 2020, 'district');
    h.revoke('x', 'm', '2020-12-31T23:00:00+07:00');
    expect(pts(h, 'x', 2019, 'C5')).toBe(1200);
    expect(pts(h, 'x', 2020, 'C5')).toBe(0);
  });

  it('a model event by a unit that neither registered the model nor absorbed its registrant is rejected', () => {
    const h = new History();
    h.register('a', 'commune_party');
    h.register('b', 'commune_party');
    h.model('a', 'm');
    h.recognize('b', 'm', 2019, 'province');
    h.recognize('b', 'nobody', 2019, 'province');
    h.model('b', 'm'); // second registration of the same model
    expect(h.rejected().map((r) => [r.unitId, r.code])).toEqual([
      ['b', 'model_not_owned'],
      ['b', 'unknown_model'],
      ['b', 'model_already_registered'],
    ]);
    expect(pts(h, 'b', 2019, 'A6')).toBe(0);
  });
});

describe('bonus and total', () => {
  it('the highest contest prize counts; the total is capped at 100', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.groupA('x', 2020, { A1: 20, A2: 20, A7: 10 });
    h.dialogue('x', '2020-03-01T08:00:00+07:00');
    h.dialogue('x', '2020-04-01T08:00:00+07:00');
    h.model('x', 'm');
    h.recognize('x', 'm', 2020, 'province');
    h.prize('x', 2020, 'third');
    h.prize('x', 2020, 'first');
    const c = card(h, 'x', 2020);
    // 20 + 20 + 10 (A3) + 15 (A4) + 5 (A5) + 20 (A6) + 10 = 100, + 5 bonus → capped at 100
    expect(c.bonusH).toBe(500);
    expect(c.totalH).toBe(10000);
    expect(c.totalRule).toMatchObject({ code: 'calc.total', params: { sum: 10000, bonus: 500, total: 10000, uncapped: 10500, capped: true } });
  });
});

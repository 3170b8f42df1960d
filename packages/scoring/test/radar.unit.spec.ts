import { describe, expect, it } from 'vitest';
import { parseDate } from '@dvk/contracts';
import { alertsOf, defaultRulebook, radar, type RadarItem } from '../src/index.js';
import { History } from './builder.js';

/** The deadline radar on hand-built histories, each expectation worked out from RULEBOOK.md §3. */

const rb = () => defaultRulebook();
const day = (iso: string) => parseDate(iso)!;
const itemsOf = (h: History, asOf: string, unit?: string): RadarItem[] => radar(h.state(), rb, day(asOf)).filter((i) => !unit || i.unitId === unit);

describe('the deadline radar', () => {
  it('a complaint received on 20 March shows, on 10 April, 10 days left (today counts) to its deadline of 19 April', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.complaint('x', 'kn-1', 'complaint', '2020-03-20T09:00:00+07:00');
    h.resolve('x', 'kn-1', '2020-04-25T09:00:00+07:00'); // not yet known on 10 April
    const it = itemsOf(h, '2020-04-10', 'x').find((i) => i.ref === 'case:kn-1')!;
    // 20 March + 30 days = 19 April; 10, 11, …, 19 April = 10 days
    expect(it).toMatchObject({ kind: 'case', deadline: '2020-04-19', daysLeft: 10, daysOverdue: null, status: 'open' });
    expect(it.message).toEqual({ code: 'radar.case.open', params: { caseId: 'kn-1', category: 'complaint', received: '2020-03-20', due: '2020-04-19', daysLeft: 10 } });
    // on 19 April: 1 day left; on 20 April: 1 day overdue; once resolved (25 April) it is gone
    expect(itemsOf(h, '2020-04-19', 'x').find((i) => i.ref === 'case:kn-1')).toMatchObject({ daysLeft: 1 });
    expect(itemsOf(h, '2020-04-20', 'x').find((i) => i.ref === 'case:kn-1')).toMatchObject({ daysLeft: null, daysOverdue: 1, status: 'overdue' });
    expect(itemsOf(h, '2020-04-25', 'x').find((i) => i.ref === 'case:kn-1')).toBeUndefined();
  });

  it('a petition has 15 days: received 1 March, due 16 March', () => {
    const h = new History();
    h.register('x', 'agency');
    h.complaint('x', 'kn-2', 'petition', '2020-03-01T09:00:00+07:00');
    expect(itemsOf(h, '2020-03-16', 'x').find((i) => i.ref === 'case:kn-2')).toMatchObject({ deadline: '2020-03-16', daysLeft: 1 });
    expect(itemsOf(h, '2020-03-17', 'x').find((i) => i.ref === 'case:kn-2')).toMatchObject({ daysOverdue: 1 });
  });

  it('the report for April is due on 5 May; the one for March, not received, is overdue', () => {
    const h = new History();
    h.register('t', 'mobilization_team');
    h.report('t', 2020, 1, '2020-02-03T09:00:00+07:00');
    h.report('t', 2020, 2, '2020-03-04T09:00:00+07:00');
    const items = itemsOf(h, '2020-04-28', 't').filter((i) => i.kind === 'report');
    expect(items.map((i) => [i.ref, i.deadline, i.daysLeft, i.daysOverdue])).toEqual([
      ['report:2020-03', '2020-04-05', null, 23], // 28 April − 5 April
      ['report:2020-04', '2020-05-05', 8, null], // 28, 29, 30 April, 1…5 May
    ]);
    expect(items[1]!.message).toEqual({ code: 'radar.report.due', params: { month: 4, year: 2020, due: '2020-05-05', daysLeft: 8 } });
    // May has not ended, but its deadline (5 June) is within the 31-day horizon on 10 May
    expect(itemsOf(h, '2020-05-10', 't').some((i) => i.ref === 'report:2020-05')).toBe(true);
    expect(itemsOf(h, '2020-04-28', 't').some((i) => i.ref === 'report:2020-05')).toBe(false);
  });

  it('the December report of a year is due on 5 January of the next one, and listed until the year is closed', () => {
    const h = new History();
    h.register('t', 'mobilization_bloc');
    for (let m = 1; m <= 11; m++) h.report('t', 2019, m, `2019-${String(m + 1).padStart(2, '0')}-02T09:00:00+07:00`);
    const dec = (asOf: string) => itemsOf(h, asOf, 't').find((i) => i.ref === 'report:2019-12');
    expect(dec('2020-01-02')).toMatchObject({ year: 2019, deadline: '2020-01-05', daysLeft: 4 });
    expect(dec('2020-01-06')).toMatchObject({ daysOverdue: 1, status: 'overdue' });
    h.close(2019); // closed on 20 January 2020
    expect(dec('2020-01-19')).toBeDefined();
    expect(dec('2020-01-21')).toBeUndefined();
  });

  it('lists hotspots reported and not resolved as of the day', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.hotspot('x', 'dn-1', '2020-02-01T09:00:00+07:00');
    h.hotspotResolved('x', 'dn-1', '2020-03-01T09:00:00+07:00');
    const open = itemsOf(h, '2020-02-11', 'x').filter((i) => i.kind === 'hotspot');
    expect(open).toEqual([expect.objectContaining({ ref: 'hotspot:dn-1', status: 'open', message: { code: 'radar.hotspot.open', params: { hotspotId: 'dn-1', reported: '2020-02-01', days: 10 } } })]);
    expect(itemsOf(h, '2020-03-01', 'x').filter((i) => i.kind === 'hotspot')).toEqual([]);
  });

  it('warns a unit whose tier is at risk at its pace: half its reports late, it ends at “Khá”; keeping every deadline left gives “Hoạt động tốt”', () => {
    const h = new History();
    h.register('t', 'mobilization_team');
    h.assess('t', 2020, 'B1', 30);
    h.assess('t', 2020, 'B4', 30);
    // January–April due by 28 May: Jan, Feb on time; Mar, Apr late → pace 2/4 on time
    h.report('t', 2020, 1, '2020-02-03T09:00:00+07:00');
    h.report('t', 2020, 2, '2020-03-04T09:00:00+07:00');
    h.report('t', 2020, 3, '2020-04-20T09:00:00+07:00');
    h.report('t', 2020, 4, '2020-05-20T09:00:00+07:00');
    const risk = itemsOf(h, '2020-05-28', 't').filter((i) => i.kind === 'risk');
    // open months 5…12 (8 of them, May's due 5 June): at pace floor(2 × 8 / 4) = 4 on time → 6/12 → B2 = 10;
    // total 30 + 30 + 10 = 70 → “Khá” (≥ 65); all 8 on time → 10/12 → B2 = 16.67 → 76.67: still “Khá”
    expect(risk).toEqual([]);
    // with B4 = 35? no: B4 max is 30. Take B1 30, B4 30 and a model: B3 recognised at commune level (8)
    h.model('t', 'm1');
    h.recognize('t', 'm1', 2020, 'commune');
    const r2 = itemsOf(h, '2020-05-28', 't').filter((i) => i.kind === 'risk');
    // pace: 70 + 8 = 78 → “Khá”; best: 76.67 + 8 = 84.67 → “Hoạt động tốt” (≥ 80)
    expect(r2).toEqual([
      expect.objectContaining({
        ref: 'risk:tier:2020:fair',
        status: 'at_risk',
        message: { code: 'radar.risk.tier', params: { year: 2020, pace: 'fair', best: 'good', paceTotal: 7800, bestTotal: 8467 } },
      }),
    ]);
  });

  it('derives each alert’s id from the facts: the same radar gives the same alerts, a missed deadline a new one', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.complaint('x', 'kn-1', 'complaint', '2020-03-20T09:00:00+07:00');
    const a1 = alertsOf(itemsOf(h, '2020-04-15', 'x'), 7).filter((a) => a.item.ref === 'case:kn-1');
    const a2 = alertsOf(itemsOf(h, '2020-04-17', 'x'), 7).filter((a) => a.item.ref === 'case:kn-1');
    expect(a1.map((a) => [a.id, a.stage])).toEqual([['x|case:kn-1|2020-04-19|due_soon', 'due_soon']]); // 5 days left ≤ 7
    expect(a2.map((a) => a.id)).toEqual(a1.map((a) => a.id));
    expect(alertsOf(itemsOf(h, '2020-04-05', 'x'), 7).filter((a) => a.item.ref === 'case:kn-1')).toEqual([]); // 15 days left
    expect(alertsOf(itemsOf(h, '2020-04-20', 'x'), 7).filter((a) => a.item.ref === 'case:kn-1').map((a) => a.id)).toEqual(['x|case:kn-1|2020-04-19|missed']);
  });
});

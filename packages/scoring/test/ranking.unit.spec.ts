import { describe, expect, it } from 'vitest';
import { History } from './builder.js';

/** Worked examples of RULEBOOK.md §2 (roll, merges), §4 (tiers, ranks, titles) and §5 (KPIs). */

/**
 * A complete group A sheet with the given total: A3 = 10 (reports on time), A4 = 15 (no case);
 * above 75, two dialogues (A5 = 5) and, above 80, a province-level model (A6 = 20); the rest
 * from A1, A2 and A7.
 */
function groupAWithTotal(h: History, unit: string, year: number, total: number) {
  let rest = total - 25;
  if (total > 75) {
    h.dialogue(unit, `${year}-03-01T08:00:00+07:00`);
    h.dialogue(unit, `${year}-04-01T08:00:00+07:00`);
    rest -= 5;
  }
  if (total > 80) {
    h.model(unit, `${unit}-m`);
    h.recognize(unit, `${unit}-m`, year, 'province');
    rest -= 20;
  }
  const a1 = Math.min(20, rest);
  const a2 = Math.min(20, rest - a1);
  const a7 = Math.round((rest - a1 - a2) * 100) / 100;
  if (a7 > 10 || a7 < 0) throw new Error(`cannot build total ${total}`);
  h.groupA(unit, year, { A1: a1, A2: a2, A7: a7 });
}

function groupB(h: History, unit: string, year: number, b1: number, b4: number) {
  h.assess(unit, year, 'B1', b1);
  h.assess(unit, year, 'B4', b4);
  h.allReports(unit, year); // B2 = 20
}

describe('the roll (§2) and merges', () => {
  it('a unit is on the roll when active on 31 December: registered by then, not dissolved or merged away by then', () => {
    const h = new History();
    h.register('early', 'mass_org', { from: '2016-01-01' });
    h.register('new', 'mass_org', { from: '2019-12-31' });
    h.register('newer', 'mass_org', { from: '2020-01-01' });
    h.register('gone', 'mass_org');
    h.dissolve('gone', '2019-12-31');
    h.register('later-gone', 'mass_org');
    h.dissolve('later-gone', '2020-01-01');
    expect(h.evaluate(2019).roll).toEqual(['early', 'later-gone', 'new']);
  });

  it('merged communes: the sources leave the roll, their models pass to the target from the merge on', () => {
    const h = new History();
    h.register('xa-a', 'commune_party');
    h.register('xa-b', 'commune_party');
    h.model('xa-b', 'mb');
    h.recognize('xa-b', 'mb', 2018, 'district');
    h.merge('xa-a', ['xa-b'], '2019-07-01');
    h.recognize('xa-a', 'mb', 2019, 'province'); // by the target, for the model it absorbed: valid
    h.rename('xa-a', 'Đảng bộ xã A-B', '2019-07-01');
    expect(h.evaluate(2018).roll).toEqual(['xa-a', 'xa-b']);
    expect(h.evaluate(2019).roll).toEqual(['xa-a']);
    const y18 = h.evaluate(2018);
    expect(y18.byUnit.get('xa-b')!.criteria.find((c) => c.id === 'A6')!.pointsH).toBe(1200);
    expect(y18.byUnit.get('xa-a')!.criteria.find((c) => c.id === 'A6')!.pointsH).toBe(0);
    const y19 = h.evaluate(2019).byUnit.get('xa-a')!;
    expect(y19.criteria.find((c) => c.id === 'A6')!.pointsH).toBe(2000);
    expect(y19.name).toBe('Đảng bộ xã A-B');
    expect(h.evaluate(2018).byUnit.get('xa-a')!.name).toBe('Đơn vị xa-a');
    expect(h.rejected()).toEqual([]);
  });

  it('rejects a merge naming an unregistered source, a unit merged twice, or a cycle', () => {
    const h = new History();
    for (const u of ['a', 'b', 'c']) h.register(u, 'village');
    h.merge('a', ['ghost'], '2019-01-01');
    h.merge('a', ['b'], '2019-01-01');
    h.merge('c', ['b'], '2019-01-01');
    h.merge('b', ['a'], '2019-01-01');
    expect(h.rejected().map((r) => [r.position, r.code])).toEqual([
      [4, 'invalid_merge'],
      [6, 'invalid_merge'],
      [7, 'invalid_merge'],
    ]);
    expect(h.rejected().map((r) => r.reason)).toEqual([
      { code: 'rejected.invalid_merge', params: { problems: [{ code: 'merge.source_not_registered', params: { unitId: 'ghost' } }] } },
      { code: 'rejected.invalid_merge', params: { problems: [{ code: 'merge.source_already_merged', params: { unitId: 'b', target: 'a', first: 5 } }] } },
      { code: 'rejected.invalid_merge', params: { problems: [{ code: 'merge.cycle', params: { source: 'a', target: 'b' } }] } },
    ]);
  });

  it('rejects every event of a unit registered nowhere, and a second registration', () => {
    const h = new History();
    h.register('x', 'agency');
    h.register('x', 'village');
    h.assess('nobody', 2019, 'A1', 10);
    h.dialogue('nobody', '2019-01-05T08:00:00+07:00');
    expect(h.rejected().map((r) => [r.position, r.code])).toEqual([
      [2, 'unit_already_registered'],
      [3, 'unknown_unit'],
      [4, 'unknown_unit'],
    ]);
    expect(h.evaluate(2019).byUnit.get('x')!.kind).toBe('agency'); // the first registration wins
  });

  it('rejects a criterion of another kind and an assessment of a computed criterion', () => {
    const h = new History();
    h.register('x', 'commune_party');
    h.assess('x', 2019, 'B1', 10);
    h.assess('x', 2019, 'A3', 10);
    h.assess('x', 2019, 'Z9', 1);
    expect(h.rejected().map((r) => r.code)).toEqual(['criterion_not_of_kind', 'criterion_not_assessed', 'criterion_not_of_kind']);
  });
});

describe('tiers and vetoes (§4)', () => {
  it('group B thresholds 80 / 65 / 50, a veto caps "good" at "fair"', () => {
    const h = new History();
    const cases: [string, number, number][] = [
      ['t80', 30, 30], // 30 + 20 + 0 + 30 = 80 → good
      ['t79', 29.75, 29.25], // 79 → fair
      ['t65', 25, 20], // 65 → fair
      ['t50', 15, 15], // 50 → average
      ['t49', 14.99, 14.01], // 49 → weak
    ];
    for (const [u, b1, b4] of cases) {
      h.register(u, 'mobilization_team');
      groupB(h, u, 2019, b1, b4);
    }
    h.register('veto', 'mobilization_team');
    groupB(h, 'veto', 2019, 30, 30);
    h.hotspot('veto', 'h1', '2019-06-01T08:00:00+07:00');
    h.register('veto-low', 'mobilization_team');
    groupB(h, 'veto-low', 2019, 15, 15);
    h.discipline('veto-low', 2019);
    const ev = h.evaluate(2019);
    const tier = (u: string) => ev.byUnit.get(u)!.tier;
    expect(cases.map(([u]) => tier(u))).toEqual(['good', 'fair', 'fair', 'average', 'weak']);
    expect(tier('veto')).toBe('fair');
    expect(ev.byUnit.get('veto')!.tierRule).toEqual({ code: 'calc.tier.capped', params: { total: 8000, min: 8000, tier: 'good', vetoes: ['hotspot'], capTier: 'fair' } });
    expect(tier('veto-low')).toBe('average'); // below the cap: unchanged
  });

  it('group C thresholds 90 / 75 / 50, a veto caps at "advanced"; a hotspot of another local year is no veto', () => {
    const h = new History();
    const c = (u: string, c1: number, c2: number, c3: number) => {
      h.register(u, 'mass_org');
      h.assess(u, 2019, 'C1', c1);
      h.assess(u, 2019, 'C2', c2);
      h.assess(u, 2019, 'C3', c3);
      h.allReports(u, 2019); // C4 = 10
    };
    c('s', 25, 25, 20); // 70 + 10 (C4) = 80 → advanced
    h.model('s', 'm');
    h.recognize('s', 'm', 2019, 'district'); // + 12 = 92 → strong
    c('v', 25, 25, 20); // 80 + C5 below
    h.model('v', 'mv');
    h.recognize('v', 'mv', 2019, 'district'); // 92 → strong, but…
    h.hotspot('v', 'h', '2019-12-31T16:59:00Z'); // 31/12/2019 23:59 local → veto in 2019
    c('w', 20, 20, 10); // 60 → average
    c('n', 25, 25, 20);
    h.model('n', 'mn');
    h.recognize('n', 'mn', 2019, 'district');
    h.hotspot('n', 'h', '2019-12-31T17:00:00Z'); // 01/01/2020 local → no veto in 2019
    const ev = h.evaluate(2019);
    expect(['s', 'v', 'w', 'n'].map((u) => ev.byUnit.get(u)!.tier)).toEqual(['strong', 'advanced', 'average', 'strong']);
    expect(ev.byUnit.get('v')!.vetoes.map((x) => x.id)).toEqual(['hotspot']);
  });
});

describe('ranks and tie-breaks (§4)', () => {
  it('orders by total, then the models criterion, then the cases criterion, then unit id by code point', () => {
    const h = new History();
    // Everyone totals 90.
    h.register('m', 'commune_party'); // A6 = 8 (commune model)
    h.model('m', 'mm');
    h.recognize('m', 'mm', 2019, 'commune');
    h.groupA('m', 2019, { A1: 20, A2: 20, A7: 7 }); // 20+20+10+15+0+8+7 = 80 … +10 below
    h.dialogue('m', '2019-01-10T08:00:00+07:00');
    h.dialogue('m', '2019-02-10T08:00:00+07:00'); // A5 = 5 → 85
    h.prize('m', 2020, 'first'); // other year: no effect
    // c: A6 = 0, A4 = 7.5 (1 of 2 on time) – total 90 needs assessed 57.5 → impossible (max 50).
    // So build ties at 70 instead for the case tie-break.
    h.register('c1', 'commune_party');
    h.groupA('c1', 2019, { A1: 15, A2: 15, A7: 7.5 }); // 15+15+10+7.5(A4)+7.5 = 55
    h.complaint('c1', 'k1', 'complaint', '2019-03-01T08:00:00+07:00');
    h.resolve('c1', 'k1', '2019-03-02T08:00:00+07:00');
    h.complaint('c1', 'k2', 'complaint', '2019-03-01T08:00:00+07:00'); // A4 = 7.5
    h.register('c2', 'commune_party');
    h.groupA('c2', 2019, { A1: 15, A2: 15, A7: 0 }); // 15+15+10+15+0 = 55, A4 = 15 > 7.5
    h.register('B', 'agency');
    h.groupA('B', 2019, { A1: 15, A2: 15, A7: 0 }); // 55, same as c2 on every key
    h.register('a', 'agency');
    h.groupA('a', 2019, { A1: 15, A2: 15, A7: 0 }); // 55
    h.register('t', 'commune_party');
    h.groupA('t', 2019, { A1: 20, A2: 20, A7: 10 }); // 75
    h.model('t', 'mt');
    h.recognize('t', 'mt', 2019, 'commune'); // 83
    h.dialogue('t', '2019-01-10T08:00:00+07:00');
    h.dialogue('t', '2019-02-10T08:00:00+07:00'); // 88 → 85? recompute below
    const ev = h.evaluate(2019);
    const order = ev.cards.filter((c) => c.list.id === 'dvk_candidates').map((c) => [c.unitId, c.totalH, c.rank]);
    // t: 20+20+10+15+5+8+10 = 88; m: 20+20+10+15+5+8+7 = 85; c2, B, a: 55 with A6 0, A4 15;
    // c1: 55 with A4 7.5 → after them. Among c2, B, a: "B" (U+0042) < "a" (U+0061) < "c2".
    expect(order).toEqual([
      ['t', 8800, 1],
      ['m', 8500, 2],
      ['B', 5500, 3],
      ['a', 5500, 4],
      ['c2', 5500, 5],
      ['c1', 5500, 6],
    ]);
  });

  it('breaks a tie on total by the models criterion first', () => {
    const h = new History();
    h.register('x', 'mobilization_bloc');
    groupB(h, 'x', 2019, 30, 22); // 72, B3 = 0
    h.register('y', 'mobilization_bloc');
    groupB(h, 'y', 2019, 30, 14); // 64 + B3 8 = 72
    h.model('y', 'my');
    h.recognize('y', 'my', 2019, 'commune');
    const ranks = h.evaluate(2019).cards.map((c) => [c.unitId, c.totalH, c.rank]);
    expect(ranks).toEqual([
      ['y', 7200, 1],
      ['x', 7200, 2],
    ]);
  });

  it('incomplete scoresheets are listed as not rated: no tier, no title, no rank', () => {
    const h = new History();
    h.register('x', 'mobilization_team');
    h.assess('x', 2019, 'B1', 30);
    const c = h.evaluate(2019).byUnit.get('x')!;
    expect([c.complete, c.tier, c.rank, c.missing]).toEqual([false, null, null, ['B4']]);
    expect(c.rankRule).toEqual({ code: 'calc.rank.unrated', params: { missing: ['B4'] } });
  });
});

describe('titles (§4): the Dân vận khéo quota and tiêu biểu', () => {
  it('awards at most floor(30% × N) titles in rank order, N counting every group A unit on the roll', () => {
    const h = new History();
    // 10 group A units on the roll → cap floor(30 × 10 / 100) = 3; 5 eligible (≥ 85).
    const totals = [99, 97, 96, 95, 85, 84.99, 70, 60, 60];
    totals.forEach((t, i) => {
      h.register(`u${i}`, 'commune_party');
      groupAWithTotal(h, `u${i}`, 2019, t);
    });
    h.register('u9', 'agency'); // incomplete: no assessment at all, but counts in N
    const ev = h.evaluate(2019);
    const titled = ev.cards.filter((c) => c.titles.length).map((c) => [c.unitId, c.titles]);
    expect(titled).toEqual([
      ['u0', ['dan_van_kheo', 'tieu_bieu']],
      ['u1', ['dan_van_kheo', 'tieu_bieu']],
      ['u2', ['dan_van_kheo', 'tieu_bieu']],
    ]);
    expect(ev.byUnit.get('u3')!.titleRules[0]).toEqual({ code: 'calc.title.dan_van_kheo.beyond_cap', params: { nth: 4, cap: 3 } });
    expect(ev.byUnit.get('u5')!.titleRules[0]).toEqual({ code: 'calc.title.dan_van_kheo.below', params: { total: 8499, minTotal: 8500 } });
  });

  it('a veto makes a unit ineligible, and the next eligible unit in rank order takes its place', () => {
    const h = new History();
    for (let i = 0; i < 10; i++) {
      h.register(`u${i}`, 'commune_party');
      groupAWithTotal(h, `u${i}`, 2019, i < 5 ? 90 - i : 60);
    }
    h.discipline('u0', 2019);
    const ev = h.evaluate(2019);
    expect(ev.cards.filter((c) => c.titles.includes('dan_van_kheo')).map((c) => c.unitId)).toEqual(['u1', 'u2', 'u3']);
    expect(ev.byUnit.get('u0')!.titleRules[0]).toEqual({ code: 'calc.title.dan_van_kheo.veto', params: { vetoes: ['discipline'] } });
    expect(ev.byUnit.get('u0')!.rank).toBe(1); // a veto does not change the rank
  });

  it('tiêu biểu: title holders with total ≥ 95, the first five in rank order', () => {
    const h = new History();
    // 25 communes → cap 7; 7 holders, six of them ≥ 95.
    for (let i = 0; i < 25; i++) {
      h.register(`x${String(i).padStart(2, '0')}`, 'commune_party');
      groupAWithTotal(h, `x${String(i).padStart(2, '0')}`, 2019, i < 6 ? 100 - i * 0.25 : i < 7 ? 94.75 : 70);
    }
    const ev = h.evaluate(2019);
    expect(ev.cards.filter((c) => c.titles.includes('dan_van_kheo'))).toHaveLength(7);
    expect(ev.cards.filter((c) => c.titles.includes('tieu_bieu')).map((c) => c.unitId)).toEqual(['x00', 'x01', 'x02', 'x03', 'x04']);
    expect(ev.byUnit.get('x05')!.titleRules[1]).toEqual({ code: 'calc.title.tieu_bieu.beyond', params: { maxCount: 5 } });
    const k = Object.fromEntries(ev.kpis.map((x) => [x.id, x.value]));
    expect(k.K4).toMatchObject({ numerator: 7, denominator: 25, percent: '28.0', met: true });
    expect(k.K5).toMatchObject({ count: 5, met: true });
  });
});

describe('KPIs (§5)', () => {
  it("reproduces the plan's own figures: K4 = 3/25 = 12.0% and K6 = 340/369 = 92.1% (446 models)", () => {
    const h = new History();
    for (let i = 0; i < 25; i++) {
      const id = `xa${String(i).padStart(2, '0')}`;
      h.register(id, 'commune_party');
      groupAWithTotal(h, id, 2015 + 1, i < 3 ? 90 : 80);
    }
    let models = 0;
    for (let v = 0; v < 369; v++) {
      const id = `thon${String(v).padStart(3, '0')}`;
      h.register(id, 'village', { parentId: `xa${String(v % 25).padStart(2, '0')}` });
      if (v < 340) {
        const n = v < 106 ? 2 : 1; // 106 × 2 + 234 × 1 = 446
        for (let k = 0; k < n; k++) h.model(id, `${id}-m${k}`, '2016-05-01T08:00:00+07:00'), models++;
      }
    }
    expect(models).toBe(446);
    const k = Object.fromEntries(h.evaluate(2016).kpis.map((x) => [x.id, x.value]));
    expect(k.K4).toEqual({ label: expect.any(String), numerator: 3, denominator: 25, percent: '12.0', target: '25% – 30%', met: false });
    expect(k.K6).toEqual({ label: expect.any(String), numerator: 340, denominator: 369, percent: '92.1', target: '100%', met: false });
  });

  it('compares with exact fractions: 7/10 is not > 70%, 71/100 is; K3 needs every mass organisation', () => {
    const h = new History();
    for (let i = 0; i < 10; i++) {
      h.register(`t${i}`, 'mobilization_team');
      groupB(h, `t${i}`, 2019, 30, i < 7 ? 30 : 0);
    }
    h.register('o1', 'mass_org');
    const k = Object.fromEntries(h.evaluate(2019).kpis.map((x) => [x.id, x.value]));
    expect(k.K1).toMatchObject({ numerator: 7, denominator: 10, percent: '70.0', met: false });
    expect(k.K2).toMatchObject({ numerator: 0, denominator: 0, percent: null, met: null });
    expect(k.K3).toMatchObject({ numerator: 0, denominator: 1, percent: '0.0', met: false });
    expect(k.K7).toMatchObject({ numerator: 10, denominator: 11, percent: '90.9', target: '—', met: null });
    expect(k.K8).toMatchObject({ count: 0, target: '0', met: true });
  });

  it('rounds percentages half up to one decimal: 1/8 = 12.5%, 1/16 = 6.25% → 6.3%, 2/3 → 66.7%', () => {
    const share = (n: number, d: number) => {
      const h = new History();
      for (let i = 0; i < d; i++) {
        h.register(`t${String(i).padStart(2, '0')}`, 'mobilization_team');
        groupB(h, `t${String(i).padStart(2, '0')}`, 2019, 30, i < n ? 30 : 0);
      }
      return h.evaluate(2019).kpis.find((x) => x.id === 'K1')!.value;
    };
    expect(share(1, 8)).toMatchObject({ percent: '12.5' });
    expect(share(1, 16)).toMatchObject({ percent: '6.3' });
    expect(share(2, 3)).toMatchObject({ percent: '66.7' });
  });

  it('K6 counts a model registered by 31/12 and not revoked by then, owned after merges; K8 counts hotspots of the year', () => {
    const h = new History();
    h.register('v1', 'village');
    h.register('v2', 'village');
    h.register('v3', 'village');
    h.register('ag', 'agency');
    h.model('v1', 'm1', '2019-12-31T16:00:00Z'); // 31/12 23:00 local: in time
    h.model('v2', 'm2', '2019-12-31T17:00:00Z'); // 01/01/2020 local: too late for 2019
    h.model('v3', 'm3');
    h.revoke('v3', 'm3', '2019-06-01T08:00:00+07:00');
    h.model('ag', 'ma');
    h.hotspot('v1', 'h1', '2019-03-01T08:00:00+07:00');
    h.hotspot('v2', 'h2', '2019-03-01T08:00:00+07:00');
    h.hotspot('v2', 'h3', '2020-03-01T08:00:00+07:00');
    const k = Object.fromEntries(h.evaluate(2019).kpis.map((x) => [x.id, x.value]));
    expect(k.K6).toMatchObject({ numerator: 2, denominator: 4 }); // v1, ag
    expect(k.K8).toMatchObject({ count: 2, met: false });
  });
});

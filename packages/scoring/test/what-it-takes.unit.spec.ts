import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDay, parseDate, streamOf, type Envelope, type RecordedEvent } from '@dvk/contracts';
import {
  buildContext,
  defaultRulebook,
  evaluateYear,
  evolve,
  stateAsOf,
  whatItTakes,
  type Hypothetical,
  type ScoringState,
  type Step,
  type WhatItTakes,
} from '../src/index.js';
import { History } from './builder.js';

/**
 * What it takes, checked by the scorer itself: the facts of every suggestion, folded into the log
 * as of the day, add exactly the points the suggestion promises; and for a gap in one criterion
 * no set of fewer facts (from every fact the unit could still add to it) closes it.
 */

const rb = defaultRulebook();
const day = (iso: string) => parseDate(iso)!;

function takes(h: History, year: number, unitId: string, asOf: string): { w: WhatItTakes; s: ScoringState } {
  const s = stateAsOf(h.state(), day(asOf));
  const ctx = buildContext(s);
  const w = whatItTakes(s, rb, evaluateYear(s, rb, year, ctx), unitId, day(asOf), ctx)!;
  return { w, s };
}

let n = 0;
/** The state as of the day with hypothetical facts folded in after every real event. */
function apply(s: ScoringState, facts: readonly Hypothetical[]): ScoringState {
  const x = structuredClone(s);
  for (const f of facts) {
    const event = { id: `ffffffff-0000-4000-8000-${String(++n).padStart(12, '0')}`, type: f.type, schemaVersion: 1, source: 'what-if', occurredAt: '2020-01-01T00:00:00+07:00', data: f.data } as Envelope;
    const rec: RecordedEvent = { position: x.position + 1, stream: streamOf(event), revision: 0, event };
    evolve(x, rec);
  }
  return x;
}
const pointsOf = (s: ScoringState, year: number, unitId: string, criterion: string | null): number => {
  const c = evaluateYear(s, rb, year).byUnit.get(unitId)!;
  return criterion === null ? c.bonusH : c.criteria.find((k) => k.id === criterion)!.pointsH ?? 0;
};

describe('what it takes (hand-worked)', () => {
  it('a mobilisation team at 70 needs 10 for “Hoạt động tốt”: the cheapest plan is a model recognised at district level (one event)', () => {
    const h = new History();
    h.register('t', 'mobilization_team');
    h.assess('t', 2020, 'B1', 30);
    h.assess('t', 2020, 'B4', 25);
    for (let m = 1; m <= 9; m++) h.report('t', 2020, m, `2020-${String(m + 1).padStart(2, '0')}-02T09:00:00+07:00`);
    h.model('t', 'm1');
    // 30 + 25 + B2 20 × 9/12 = 15 + B3 0 = 70 → “Khá”; on 20 October the October–December reports are still to come
    const { w } = takes(h, 2020, 't', '2020-10-20');
    expect([w.totalH, w.tier]).toEqual([7000, 'fair']);
    const tier = w.targets.find((t) => t.kind === 'tier')!;
    expect(tier).toMatchObject({ tier: 'good', needH: 8000, gapH: 1000, status: 'open' });
    expect(tier.summary).toEqual({ code: 'take.target.tier', params: { tier: 'good', need: 8000, gap: 1000, status: 'open' } });
    // B3: m1 owned, not recognised for 2020 → district 12 (one event) closes 10; reports add at most 5; B4 re-assessed adds 5
    expect(tier.plan.map((p) => [p.criterion, p.facts.length, p.gainH])).toEqual([['B3', 1, 1200]]);
    const b2 = w.criteria.find((c) => c.criterion === 'B2')!;
    // 20 × 10/12 = 16.67 (+1.67), 20 × 11/12 = 18.33 (+3.33), 20 × 12/12 = 20 (+5)
    expect(b2.steps.map((st) => [st.facts.length, st.gainH, st.by])).toEqual([
      [1, 167, '2020-11-05'],
      [2, 333, '2020-12-05'],
      [3, 500, '2021-01-05'],
    ]);
    expect(b2.steps[0]!.what).toEqual({ code: 'take.reports', params: { months: [10], by: '2020-11-05', gain: 167 } });
  });

  it('a veto blocks “Hoạt động tốt” whatever the points, and “Dân vận khéo” for a commune', () => {
    const h = new History();
    h.register('t', 'mobilization_team');
    h.assess('t', 2020, 'B1', 30);
    h.assess('t', 2020, 'B4', 30);
    h.allReports('t', 2020);
    h.hotspot('t', 'dn', '2020-03-01T09:00:00+07:00');
    // 30 + 30 + 20 = 80 → “Hoạt động tốt”, capped at “Khá” by the veto: the next tier is blocked
    const { w } = takes(h, 2020, 't', '2020-06-01');
    expect(w.tier).toBe('fair');
    const tier = w.targets.find((t) => t.kind === 'tier')!;
    expect(tier.status).toBe('blocked');
    expect(tier.blockers).toEqual([{ code: 'take.blocked.veto', params: { vetoes: ['hotspot'], capTier: 'fair' } }]);
    expect(tier.plan).toEqual([]);

    const c = new History();
    c.register('x', 'commune_party');
    c.groupA('x', 2020, { A1: 20, A2: 20, A7: 10 });
    c.discipline('x', 2020);
    const dvk = takes(c, 2020, 'x', '2020-06-01').w.targets.find((t) => t.kind === 'dan_van_kheo')!;
    // (alone on its list, its cap is floor(30 × 1 / 100) = 0 as well)
    expect(dvk.blockers).toEqual([
      { code: 'take.blocked.veto_title', params: { vetoes: ['discipline'] } },
      { code: 'take.blocked.cap_zero', params: { roll: 1 } },
    ]);
  });

  it('a commune beyond the 30% cap must outrank the last title holder', () => {
    const h = new History();
    // 4 communes → cap floor(30 × 4 / 100) = 1. Each: A3 10 (12 reports on time) + A4 15 (no case)
    // + A5 5 (two dialogues) + A6 20 (a model recognised at province level) = 50, + A1 20 + A2 20 + A7.
    const a7: [string, number][] = [
      ['u1', 5], // 95
      ['u2', 0], // 90
      ['u3', 0],
      ['u4', 0],
    ];
    for (const [u, x] of a7) {
      h.register(u, 'commune_party');
      h.groupA(u, 2020, { A1: 20, A2: 20, A7: x });
      h.dialogue(u, '2020-02-01T08:00:00+07:00');
      h.dialogue(u, '2020-03-01T08:00:00+07:00');
      h.model(u, `m-${u}`);
      h.recognize(u, `m-${u}`, 2020, 'province');
    }
    h.assess('u3', 2020, 'A2', 0); // u3 at 70, u4 at 90 too
    // seen on 10 January 2021: every 2020 report is in, the year is not closed
    const { w } = takes(h, 2020, 'u2', '2021-01-10');
    expect(w.totalH).toBe(9000);
    const dvk = w.targets.find((t) => t.kind === 'dan_van_kheo')!;
    // the list is full (u1 holds the one title at 95.00): u2 needs more, 95.01, i.e. 5.01 points;
    // only A7 can still move (re-assessed up to 10: +10) → one event
    expect(dvk).toMatchObject({ needH: 9501, gapH: 501, status: 'open' });
    expect(dvk.plan.map((p) => [p.criterion, p.gainH])).toEqual([['A7', 1000]]);
    expect(takes(h, 2020, 'u1', '2021-01-10').w.targets.find((t) => t.kind === 'dan_van_kheo')!.status).toBe('reached');
  });

  it('nothing is left to do in a closed year', () => {
    const h = new History();
    h.register('t', 'mobilization_team');
    h.assess('t', 2019, 'B1', 20);
    h.assess('t', 2019, 'B4', 20);
    h.close(2019);
    const { w } = takes(h, 2019, 't', '2020-02-01');
    expect(w.criteria.every((c) => c.steps.length === 0 && c.closed?.code === 'take.closed.year')).toBe(true);
    expect(w.targets.find((t) => t.kind === 'tier')!.blockers).toContainEqual({ code: 'take.closed.year', params: { year: 2019 } });
  });
});

// ---------------------------------------------------------------------------------------------
// The property: promised = obtained, and no cheaper way for one criterion.

const KINDS = ['commune_party', 'agency', 'mobilization_team', 'mobilization_bloc', 'mass_org'] as const;
const pad = (x: number) => String(x).padStart(2, '0');

/** A random unit-year of 2020 with other units around it, and a day of 2020 to look from. */
const scenario = fc.record({
  kind: fc.constantFrom(...KINDS),
  assessed: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 5, maxLength: 5 }),
  missing: fc.nat(4),
  reports: fc.array(fc.record({ m: fc.integer({ min: 1, max: 12 }), late: fc.integer({ min: -3, max: 20 }) }), { maxLength: 14 }),
  cases: fc.array(fc.record({ cat: fc.constantFrom('complaint', 'denunciation', 'petition' as const), recv: fc.integer({ min: 1, max: 340 }), res: fc.option(fc.integer({ min: -2, max: 45 })) }), { maxLength: 5 }),
  dialogues: fc.nat(3),
  models: fc.array(fc.record({ level: fc.option(fc.constantFrom('commune', 'district', 'province' as const)), revokedDay: fc.option(fc.integer({ min: 1, max: 365 })) }), { maxLength: 3 }),
  prize: fc.option(fc.constantFrom('first', 'second', 'third', 'encouragement' as const)),
  hotspot: fc.boolean(),
  asOf: fc.integer({ min: 0, max: 380 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function historyOf(x: Scenario): { h: History; asOf: string } {
  const h = new History();
  const u = 'u';
  h.register(u, x.kind);
  h.register('other', x.kind);
  const crit = rb.groupOfKind[x.kind]!.criteria.filter((c) => c.source.type === 'assessed');
  crit.forEach((c, i) => {
    if (i < x.missing % (crit.length + 1) - 1) return; // some criteria left unassessed
    h.assess(u, 2020, c.id, Math.floor(((c.maxH / 100) * x.assessed[i]!) / 100));
    h.assess('other', 2020, c.id, c.maxH / 100);
  });
  const d0 = day('2020-01-01');
  for (const r of x.reports) {
    const due = r.m === 12 ? day('2021-01-05') : day(`2020-${pad(r.m + 1)}-05`);
    h.report(u, 2020, r.m, `${formatDay(due + r.late)}T10:00:00+07:00`);
  }
  x.cases.forEach((c, i) => {
    h.complaint(u, `c${i}`, c.cat, `${formatDay(d0 + c.recv)}T09:00:00+07:00`);
    if (c.res !== null) h.resolve(u, `c${i}`, `${formatDay(d0 + c.recv + c.res)}T09:00:00+07:00`);
  });
  for (let i = 0; i < x.dialogues; i++) h.dialogue(u, `${formatDay(d0 + 30 * (i + 1))}T09:00:00+07:00`);
  x.models.forEach((m, i) => {
    h.model(u, `m${i}`, '2019-06-01T08:00:00+07:00');
    if (m.level) h.recognize(u, `m${i}`, 2020, m.level);
    if (m.revokedDay !== null) h.revoke(u, `m${i}`, `${formatDay(d0 + m.revokedDay)}T08:00:00+07:00`);
  });
  if (x.prize) h.prize(u, 2020, x.prize);
  if (x.hotspot) h.hotspot(u, 'dn', '2020-02-01T08:00:00+07:00');
  return { h, asOf: formatDay(d0 + x.asOf) };
}

/** Every fact the unit could still add to a criterion as of the day (more than any suggestion uses), for the brute force. */
function pool(s: ScoringState, w: WhatItTakes, criterion: string): Hypothetical[][] {
  const c = rb.criterion[criterion]!.spec;
  const d = day(w.asOf);
  const at = (x: number) => `${formatDay(Math.max(d, x))}T08:00:00+07:00`;
  const u = s.units.get(w.unitId)!;
  switch (c.source.type) {
    case 'reporting':
      return Array.from({ length: 12 }, (_, i) => [
        { type: 'MonthlyReportSubmitted', data: { unitId: w.unitId, year: 2020, month: i + 1, submittedAt: at(i === 11 ? day('2021-01-01') : day(`2020-${pad(i + 2)}-01`)) } },
      ]);
    case 'cases':
      return Object.keys(u.cases).map((id) => [{ type: 'ComplaintResolved', data: { unitId: w.unitId, caseId: id, resolvedAt: at(u.cases[id]!.recv[0]?.day ?? d) } }]);
    case 'dialogues':
      return d > day('2020-12-31') ? [] : Array.from({ length: 3 }, () => [{ type: 'DialogueHeld', data: { unitId: w.unitId, heldAt: at(day('2020-01-01')), participants: 1 } }]);
    case 'models': {
      const out: Hypothetical[][] = [];
      for (const m of s.models.keys())
        for (const level of ['commune', 'district', 'province'] as const) out.push([{ type: 'ModelRecognized', data: { unitId: w.unitId, modelId: m, year: 2020, level } }]);
      if (d <= day('2020-12-31'))
        for (const level of ['commune', 'district', 'province'] as const)
          for (let k = 0; k < 2; k++) {
            const id = `brute-${level}-${k}`;
            out.push([
              { type: 'ModelRegistered', data: { unitId: w.unitId, modelId: id, title: id, field: 'other', registeredAt: at(day('2020-01-01')) } },
              { type: 'ModelRecognized', data: { unitId: w.unitId, modelId: id, year: 2020, level } },
            ]);
          }
      return out;
    }
    case 'assessed':
      return [[{ type: 'CriterionAssessed', data: { unitId: w.unitId, year: 2020, criterionId: criterion, points: c.maxH / 100, role: 'official', assessorId: 'x' } }]];
  }
}

/** The fewest facts from the pool that add at least `gap` to the criterion (by the scorer), up to `limit` facts; Infinity when none. */
function fewestFacts(s: ScoringState, w: WhatItTakes, criterion: string, gap: number, limit: number): number {
  const items = pool(s, w, criterion);
  const base = pointsOf(s, 2020, w.unitId, criterion);
  let best = Infinity;
  const walk = (from: number, chosen: Hypothetical[]) => {
    if (chosen.length >= Math.min(best, limit + 1)) return;
    if (chosen.length > 0 && pointsOf(apply(s, chosen), 2020, w.unitId, criterion) - base >= gap) {
      best = Math.min(best, chosen.length);
      return;
    }
    for (let i = from; i < items.length; i++) walk(i + 1, [...chosen, ...items[i]!]);
  };
  walk(0, []);
  return best;
}

describe('what it takes (property, checked by the scorer)', () => {
  it('every step adds exactly the points it promises, no fewer facts close a gap within one criterion, and every open plan reaches its target', () => {
    fc.assert(
      fc.property(scenario, fc.nat(10_000), (x, gapSeed) => {
        const { h, asOf } = historyOf(x);
        const { w, s } = takes(h, 2020, 'u', asOf);
        for (const c of [...w.criteria.map((k) => ({ id: k.criterion, steps: k.steps })), { id: null, steps: w.bonus }]) {
          let prev = 0;
          for (const st of c.steps) {
            const got = pointsOf(apply(s, st.facts), 2020, 'u', c.id) - pointsOf(s, 2020, 'u', c.id);
            expect(got, `${c.id}: ${JSON.stringify(st.what)}`).toBe(st.gainH);
            expect(st.gainH).toBeGreaterThan(prev); // the ladder climbs
            prev = st.gainH;
          }
          if (c.id === null || c.steps.length === 0) continue;
          // a gap within the criterion: the first step that closes it uses the fewest facts
          const reach = c.steps[c.steps.length - 1]!.gainH;
          const gap = 1 + (gapSeed % reach);
          const first: Step = c.steps.find((st) => st.gainH >= gap)!;
          expect(fewestFacts(s, w, c.id, gap, first.facts.length - 1), `${c.id}: a gap of ${gap}, closed by ${first.facts.length} facts`).toBe(Infinity);
        }
        for (const t of w.targets) {
          if (t.status !== 'open') continue;
          const after = apply(s, t.plan.flatMap((p) => p.facts));
          expect(evaluateYear(after, rb, 2020).byUnit.get('u')!.totalH, `${t.kind}`).toBeGreaterThanOrEqual(t.needH);
        }
      }),
      { numRuns: 60 },
    );
  });
});

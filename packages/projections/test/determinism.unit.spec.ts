import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, type Envelope, type UnitKind } from '@dvk/contracts';
import { memoryEventStore } from '@dvk/event-store';
import { buildContext, defaultRulebook, evaluateYear, rejectedFacts, yearReport, yearsOf } from '@dvk/scoring';
import { replayState } from '../src/index.js';

/**
 * Property tests (fast-check) of determinism (issue 2): results depend only on the events, their
 * order within each stream and the rulebook — not on how streams interleave in the log, not on
 * events delivered twice, not on how often the log is replayed.
 *
 * Histories are random per-unit streams of every event type, including events that arrive before
 * their unit's registration, retractions, corrections, late reports and vetoes. Cross-stream
 * "first in the log wins" races (the same model id registered by two units, one unit merged into
 * two) are the one thing interleaving may legitimately change, so the generator avoids them.
 */

const KINDS: UnitKind[] = ['commune_party', 'agency', 'village', 'mobilization_team', 'mobilization_bloc', 'mass_org'];
const CRITERIA: Record<UnitKind, string[]> = {
  commune_party: ['A1', 'A2', 'A7'],
  agency: ['A1', 'A2', 'A7'],
  village: ['A1'],
  mobilization_team: ['B1', 'B4'],
  mobilization_bloc: ['B1', 'B4'],
  mass_org: ['C1', 'C2', 'C3'],
};

const MAX: Record<string, number> = { A1: 20, A2: 20, A7: 10, B1: 30, B4: 30, C1: 25, C2: 25, C3: 20 };

let idSeq = 0;
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

type Step = (unit: string, kind: UnitKind, year: number, ids: string[]) => Envelope['data'] & { __type: Envelope['type'] };

const pad = (n: number) => String(n).padStart(2, '0');
const ts = (y: number, m: number, d: number, h: number) => `${y}-${pad(m)}-${pad(d)}T${pad(h)}:00:00+07:00`;

/** One random event of a unit, as a function of the unit's earlier assessment ids. */
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ c: fc.nat(2), pts: fc.integer({ min: 0, max: 2600 }), self: fc.boolean() }).map(
    ({ c, pts, self }): Step =>
      (unitId, kind, year) => ({ __type: 'CriterionAssessed', unitId, year, criterionId: CRITERIA[kind][c % CRITERIA[kind].length]!, points: pts / 100, role: self ? 'self' : 'official', assessorId: 'bdv' }),
  ),
  fc.nat(20).map((k): Step => (unitId, _kind, _year, ids) => ({ __type: 'AssessmentRetracted', unitId, assessmentEventId: ids.length ? ids[k % ids.length]! : uuid(999_999), reason: 'sửa' })),
  fc.record({ m: fc.integer({ min: 1, max: 12 }), late: fc.integer({ min: 0, max: 12 }) }).map(
    ({ m, late }): Step =>
      (unitId, _k, year) => ({ __type: 'MonthlyReportSubmitted', unitId, year, month: m, submittedAt: ts(m === 12 ? year + 1 : year, m === 12 ? 1 : m + 1, 1 + late, 21) }),
  ),
  fc.record({ c: fc.nat(3), cat: fc.constantFrom('complaint', 'denunciation', 'petition') as fc.Arbitrary<'complaint'>, d: fc.integer({ min: 1, max: 28 }) }).map(
    ({ c, cat, d }): Step => (unitId, _k, year) => ({ __type: 'ComplaintReceived', unitId, caseId: `k${c}`, category: cat, receivedAt: ts(year, 3, d, 9) }),
  ),
  fc.record({ c: fc.nat(3), d: fc.integer({ min: 1, max: 28 }), m: fc.integer({ min: 3, max: 5 }) }).map(
    ({ c, d, m }): Step => (unitId, _k, year) => ({ __type: 'ComplaintResolved', unitId, caseId: `k${c}`, resolvedAt: ts(year, m, d, 9) }),
  ),
  fc.integer({ min: 1, max: 12 }).map((m): Step => (unitId, _k, year) => ({ __type: 'DialogueHeld', unitId, heldAt: ts(year, m, 10, 8), participants: 30 })),
  fc.nat(2).map((k): Step => (unitId) => ({ __type: 'ModelRegistered', unitId, modelId: `${unitId}-m${k}`, title: 'Mô hình', field: 'other', registeredAt: ts(2016, 2, 1, 8) })),
  fc.record({ k: fc.nat(2), level: fc.constantFrom('commune', 'district', 'province') as fc.Arbitrary<'commune'> }).map(
    ({ k, level }): Step => (unitId, _kind, year) => ({ __type: 'ModelRecognized', unitId, modelId: `${unitId}-m${k}`, year, level }),
  ),
  fc.nat(2).map((k): Step => (unitId, _kind, year) => ({ __type: 'ModelRevoked', unitId, modelId: `${unitId}-m${k}`, revokedAt: ts(year, 11, 1, 8), reason: 'thôi' })),
  fc.constantFrom('first', 'third') .map((prize): Step => (unitId) => ({ __type: 'ContestPrizeAwarded', unitId, year: 2017, prize: prize as 'first' })),
  fc.constant<Step>((unitId, _k, year) => ({ __type: 'HotspotReported', unitId, hotspotId: `h${year}`, reportedAt: ts(year, 6, 1, 8), summary: 'x' })),
  fc.constant<Step>((unitId, _k, year) => ({ __type: 'DisciplineImposed', unitId, year, subject: 'unit', severity: 'warning' })),
);

interface UnitSpec {
  kind: number;
  registered: 'first' | 'late' | 'never';
  /** Complete official scoresheets (every assessed criterion), so ranks, tiers and titles occur. */
  sheets: { year: number; points: number[]; reports: boolean }[];
  steps: { year: number; step: Step }[];
}

const unitArb: fc.Arbitrary<UnitSpec> = fc.record({
  kind: fc.constantFrom(0, 0, 0, 0, 1, 1, 2, 3, 4, 5), // mostly group A, so the title quota is not 0
  registered: fc.constantFrom('first', 'first', 'first', 'late', 'never') as fc.Arbitrary<UnitSpec['registered']>,
  sheets: fc.array(fc.record({ year: fc.integer({ min: 2016, max: 2018 }), points: fc.array(fc.integer({ min: 60, max: 100 }), { minLength: 3, maxLength: 3 }), reports: fc.boolean() }), {
    maxLength: 3,
  }),
  steps: fc.array(fc.record({ year: fc.integer({ min: 2016, max: 2018 }), step: stepArb }), { maxLength: 25 }),
});

/** Streams of envelopes, one per unit (plus the district's YearClosed). */
function buildStreams(units: UnitSpec[], closeYears: number[]): Envelope[][] {
  const streams: Envelope[][] = [];
  units.forEach((u, i) => {
    const unitId = `u${i}`;
    const kind = KINDS[u.kind]!;
    const ids: string[] = [];
    const evs: Envelope[] = [];
    const mk = (type: Envelope['type'], data: object): Envelope => {
      const id = uuid(++idSeq);
      if (type === 'CriterionAssessed') ids.push(id);
      return { id, type, schemaVersion: 1, source: 'prop', occurredAt: '2020-01-01T00:00:00+07:00', data } as Envelope;
    };
    const reg = () => mk('UnitRegistered', { unitId, kind, name: `Đơn vị ${i}`, effectiveFrom: '2016-01-01' });
    if (u.registered === 'first') evs.push(reg());
    for (const sheet of u.sheets) {
      CRITERIA[kind].forEach((criterionId, k) =>
        evs.push(mk('CriterionAssessed', { unitId, year: sheet.year, criterionId, points: Math.round(MAX[criterionId]! * sheet.points[k]!) / 100, role: 'official', assessorId: 'bdv' })),
      );
      if (sheet.reports && (kind === 'commune_party' || kind === 'agency')) {
        // a strong year: two dialogues and a province-level model, so titles are reachable
        evs.push(mk('DialogueHeld', { unitId, heldAt: ts(sheet.year, 4, 2, 8), participants: 40 }));
        evs.push(mk('DialogueHeld', { unitId, heldAt: ts(sheet.year, 9, 2, 8), participants: 40 }));
        evs.push(mk('ModelRegistered', { unitId, modelId: `${unitId}-s${sheet.year}`, title: 'Mô hình', field: 'environment', registeredAt: ts(sheet.year, 1, 5, 8) }));
        evs.push(mk('ModelRecognized', { unitId, modelId: `${unitId}-s${sheet.year}`, year: sheet.year, level: 'province' }));
      }
      if (sheet.reports)
        for (let m = 1; m <= 12; m++) evs.push(mk('MonthlyReportSubmitted', { unitId, year: sheet.year, month: m, submittedAt: ts(m === 12 ? sheet.year + 1 : sheet.year, m === 12 ? 1 : m + 1, 3, 9) }));
    }
    for (const { year, step } of u.steps) {
      const { __type, ...data } = step(unitId, kind, year, ids);
      evs.push(mk(__type, data));
    }
    if (u.registered === 'late') evs.push(reg());
    streams.push(evs);
  });
  if (units.length >= 2) {
    // One merge, of the last unit into the first (a single claim on the source: no race).
    streams[0]!.push({ id: uuid(++idSeq), type: 'UnitsMerged', schemaVersion: 1, source: 'prop', occurredAt: '2020-01-01T00:00:00+07:00', data: { unitId: 'u0', sourceUnitIds: [`u${units.length - 1}`], effectiveFrom: '2017-07-01' } } as Envelope);
  }
  streams.push(closeYears.map((year) => ({ id: uuid(++idSeq), type: 'YearClosed', schemaVersion: 1, source: 'prop', occurredAt: '2020-01-01T00:00:00+07:00', data: { year, closedAt: ts(year + 1, 1, 20, 8) } }) as Envelope));
  return streams;
}

/** Interleaves streams by a sequence of choices, keeping each stream's order. */
function interleave(streams: Envelope[][], choices: number[]): Envelope[] {
  const idx = streams.map(() => 0);
  const out: Envelope[] = [];
  let c = 0;
  for (;;) {
    const open = streams.map((s, i) => (idx[i]! < s.length ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) return out;
    const pick = open[(choices[c++ % Math.max(1, choices.length)] ?? 0) % open.length]!;
    out.push(streams[pick]![idx[pick]!++]!);
  }
}

/** Everything the core computes, for every year, as one canonical string. */
async function results(batches: Envelope[][]): Promise<string> {
  const store = memoryEventStore();
  for (const b of batches) {
    const r = await store.appendMany(b);
    if (E.isLeft(r)) throw new Error(r.left.message);
  }
  const s = await replayState(store);
  if (E.isLeft(s)) throw new Error(s.left.message);
  const rb = defaultRulebook();
  const ctx = buildContext(s.right);
  const years = yearsOf(s.right, ctx);
  const reports = years.map((y) => yearReport(evaluateYear(s.right, rb, y, ctx)));
  // Rejected facts are identified by event id, not position (positions depend on interleaving).
  const all = batches.flat();
  const byPos = new Map<number, string>();
  const ordered = await store.readAll({ after: 0, maxCount: 1e9 });
  if (E.isRight(ordered)) for (const e of ordered.right) byPos.set(e.position, e.event.id);
  const rejected = rejectedFacts(ctx, () => rb)
    .map((f) => ({ id: byPos.get(f.position), code: f.code }))
    .sort((a, b) => (a.id! < b.id! ? -1 : 1));
  void all;
  return canonicalJson({ reports, rejected });
}

const historyArb = fc.record({
  units: fc.array(unitArb, { minLength: 1, maxLength: 12 }),
  close: fc.subarray([2016, 2017]),
  a: fc.array(fc.nat(50), { minLength: 1, maxLength: 200 }),
  b: fc.array(fc.nat(50), { minLength: 1, maxLength: 200 }),
});

describe('determinism (fast-check)', () => {
  it('interleaving streams differently never changes any report or rejected fact', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ units, close, a, b }) => {
        const streams = buildStreams(units, close);
        expect(await results([interleave(streams, a)])).toBe(await results([interleave(streams, b)]));
      }),
      { numRuns: 150 },
    );
  });

  it('events delivered twice, or re-imported, change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(100), async ({ units, close, a }, cut) => {
        const log = interleave(buildStreams(units, close), a);
        const k = cut % (log.length + 1);
        const once = await results([log]);
        // a prefix re-sent inside the batch, then the whole log re-imported
        expect(await results([[...log.slice(0, k), ...log.slice(0, k), ...log.slice(k)], log])).toBe(once);
      }),
      { numRuns: 100 },
    );
  });

  it('replaying the same log twice gives byte-identical results', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ units, close, a }) => {
        const log = interleave(buildStreams(units, close), a);
        expect(await results([log])).toBe(await results([log]));
      }),
      { numRuns: 50 },
    );
  });
});

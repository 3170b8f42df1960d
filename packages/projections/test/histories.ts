import fc from 'fast-check';
import type { Envelope, UnitKind } from '@dvk/contracts';

/**
 * Random histories for property tests of the projections: per-unit streams of every event type,
 * including events that arrive before their unit's registration, retractions, corrections, late
 * reports and vetoes, one merge, and the district's YearClosed events; and interleavings of them.
 * With `races`, streams also race across units for what "the first in the log wins" decides (one
 * model id registered by two units, one unit merged into two, a model recognised in another
 * unit's stream than its owner's): the log's order then matters.
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

/** An envelope of the property histories' source, with the next id. */
export const envelope = (type: Envelope['type'], data: object): Envelope =>
  ({ id: uuid(++idSeq), type, schemaVersion: 1, source: 'prop', occurredAt: '2020-01-01T00:00:00+07:00', data }) as Envelope;

type Step = (unit: string, kind: UnitKind, year: number, ids: string[]) => Envelope['data'] & { __type: Envelope['type'] };

const pad = (n: number) => String(n).padStart(2, '0');
const ts = (y: number, m: number, d: number, h: number) => `${y}-${pad(m)}-${pad(d)}T${pad(h)}:00:00+07:00`;

/** One random event of a unit, as a function of the unit's earlier assessment ids. */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
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
  fc.nat(2).map((k): Step => (unitId, _kind, year) => ({ __type: 'ModelRegistered', unitId, modelId: `${unitId}-m${k}`, title: 'Mô hình', field: 'other', registeredAt: ts(year, 2, 1, 8) })),
  fc.record({ k: fc.nat(2), level: fc.constantFrom('commune', 'district', 'province') as fc.Arbitrary<'commune'> }).map(
    ({ k, level }): Step => (unitId, _kind, year) => ({ __type: 'ModelRecognized', unitId, modelId: `${unitId}-m${k}`, year, level }),
  ),
  // A model of the neighbouring unit (u1's for u0, u(i-1)'s otherwise), recognised or revoked in this
  // unit's stream: not owned here, or unknown until the neighbour registers it.
  fc.record({ k: fc.nat(2), revoke: fc.boolean() }).map(
    ({ k, revoke }): Step =>
      (unitId, _kind, year) => {
        const i = Number(unitId.slice(1));
        const modelId = `u${i === 0 ? 1 : i - 1}-m${k}`;
        return revoke
          ? { __type: 'ModelRevoked', unitId, modelId, revokedAt: ts(year, 10, 1, 8), reason: 'thôi' }
          : { __type: 'ModelRecognized', unitId, modelId, year, level: 'district' };
      },
  ),
  fc.nat(2).map((k): Step => (unitId, _kind, year) => ({ __type: 'ModelRevoked', unitId, modelId: `${unitId}-m${k}`, revokedAt: ts(year, 11, 1, 8), reason: 'thôi' })),
  fc.record({ k: fc.nat(3), m: fc.integer({ min: 1, max: 12 }) }).map(
    ({ k, m }): Step =>
      (unitId, _kind, year) => ({ __type: 'UnitRenamed', unitId, name: `Tên ${k} của ${unitId}`, effectiveFrom: `${year}-${pad(m)}-01` }),
  ),
  fc.constantFrom('first', 'third') .map((prize): Step => (unitId) => ({ __type: 'ContestPrizeAwarded', unitId, year: 2017, prize: prize as 'first' })),
  fc.constant<Step>((unitId, _k, year) => ({ __type: 'HotspotReported', unitId, hotspotId: `h${year}`, reportedAt: ts(year, 6, 1, 8), summary: 'x' })),
  fc.constant<Step>((unitId, _k, year) => ({ __type: 'DisciplineImposed', unitId, year, subject: 'unit', severity: 'warning' })),
);

export interface UnitSpec {
  kind: number;
  registered: 'first' | 'late' | 'never';
  /** Complete official scoresheets (every assessed criterion), so ranks, tiers and titles occur. */
  sheets: { year: number; points: number[]; reports: boolean }[];
  steps: { year: number; step: Step }[];
}

export const unitArb: fc.Arbitrary<UnitSpec> = fc.record({
  kind: fc.constantFrom(0, 0, 0, 0, 1, 1, 2, 3, 4, 5), // mostly group A, so the title quota is not 0
  registered: fc.constantFrom('first', 'first', 'first', 'late', 'never') as fc.Arbitrary<UnitSpec['registered']>,
  sheets: fc.array(fc.record({ year: fc.integer({ min: 2016, max: 2018 }), points: fc.array(fc.integer({ min: 60, max: 100 }), { minLength: 3, maxLength: 3 }), reports: fc.boolean() }), {
    maxLength: 3,
  }),
  steps: fc.array(fc.record({ year: fc.integer({ min: 2016, max: 2018 }), step: stepArb }), { maxLength: 25 }),
});

/** Streams of envelopes, one per unit (plus the district's YearClosed). */
export function buildStreams(units: UnitSpec[], closeYears: number[], races = false): Envelope[][] {
  const streams: Envelope[][] = [];
  units.forEach((u, i) => {
    const unitId = `u${i}`;
    const kind = KINDS[u.kind]!;
    const ids: string[] = [];
    const evs: Envelope[] = [];
    const mk = (type: Envelope['type'], data: object): Envelope => {
      const e = envelope(type, data);
      if (type === 'CriterionAssessed') ids.push(e.id);
      return e;
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
    streams[0]!.push(envelope('UnitsMerged', { unitId: 'u0', sourceUnitIds: [`u${units.length - 1}`], effectiveFrom: '2017-07-01' }));
  }
  if (races && units.length >= 3) {
    // u1 and u2 both register model "race" (the first in the log owns it), u2 recognises it;
    // u2 merges u1 while u0 merged u(last) above, and u0 claims u1 too: one of the two merges of u1 wins.
    streams[1]!.push(envelope('ModelRegistered', { unitId: 'u1', modelId: 'race', title: 'Mô hình', field: 'other', registeredAt: ts(2016, 3, 1, 8) }));
    streams[2]!.push(envelope('ModelRegistered', { unitId: 'u2', modelId: 'race', title: 'Mô hình', field: 'other', registeredAt: ts(2016, 3, 2, 8) }));
    streams[2]!.push(envelope('ModelRecognized', { unitId: 'u2', modelId: 'race', year: 2016, level: 'district' }));
    streams[2]!.push(envelope('UnitsMerged', { unitId: 'u2', sourceUnitIds: ['u1'], effectiveFrom: '2017-01-01' }));
    // After the merge, u2 recognises "race" again for 2016: when u1 registered it first and u2's
    // merge of u1 won, this counts for u1's 2016 card (u1 still owns it at the end of 2016) though
    // said in u2's stream — what an incremental commit must re-score beyond the changed stream.
    streams[2]!.push(envelope('ModelRecognized', { unitId: 'u2', modelId: 'race', year: 2016, level: 'province' }));
    streams[0]!.push(envelope('UnitsMerged', { unitId: 'u0', sourceUnitIds: ['u1'], effectiveFrom: '2016-10-01' }));
  }
  streams.push(closeYears.map((year) => envelope('YearClosed', { year, closedAt: ts(year + 1, 1, 20, 8) })));
  return streams;
}

/** Interleaves streams by a sequence of choices, keeping each stream's order. */
export function interleave(streams: Envelope[][], choices: number[]): Envelope[] {
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

export const historyArb = fc.record({
  units: fc.array(unitArb, { minLength: 1, maxLength: 12 }),
  close: fc.subarray([2016, 2017]),
  a: fc.array(fc.nat(50), { minLength: 1, maxLength: 200 }),
  b: fc.array(fc.nat(50), { minLength: 1, maxLength: 200 }),
});


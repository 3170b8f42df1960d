import { describe, expect, it } from 'vitest';
import { UNIT_KINDS, localDay, parseDate, parseInstant, type Envelope, type EnvelopeOfType, type UnitKind } from '@dvk/contracts';
import { evaluateYear, rejectedFacts } from '@dvk/scoring';
import { UNITS_PER_COPY, generateDistrictSummary } from '../src/index.js';
import { foldAll, parseAll, rulebook } from './fold.js';

const PLAN: Record<UnitKind, number> = {
  commune_party: 25,
  agency: 30,
  village: 369,
  mobilization_team: 369,
  mobilization_bloc: 25,
  mass_org: 7,
};

const registrations = (events: readonly Envelope[]) =>
  events.filter((e): e is EnvelopeOfType<'UnitRegistered'> => e.type === 'UnitRegistered');

/** First registration of each unit (the intended duplicate registration aside). */
function registry(events: readonly Envelope[]): Map<string, EnvelopeOfType<'UnitRegistered'>['data']> {
  const out = new Map<string, EnvelopeOfType<'UnitRegistered'>['data']>();
  for (const e of registrations(events)) if (!out.has(e.data.unitId)) out.set(e.data.unitId, e.data);
  return out;
}

describe('the plan of the district (Tân Yên, 2016)', () => {
  const one = parseAll({ seed: 2016 });

  it('has the units of the plan, per kind', () => {
    expect(UNITS_PER_COPY).toEqual(PLAN);
    const counts = Object.fromEntries(UNIT_KINDS.map((k) => [k, 0])) as Record<UnitKind, number>;
    for (const u of registry(one.events).values()) counts[u.kind]++;
    expect(counts).toEqual(PLAN);
    expect(generateDistrictSummary({ seed: 2016 }).units).toEqual(PLAN);
  });

  it('scales by copies with distinct ids and names', () => {
    const two = parseAll({ seed: 2016, districts: 2, years: 1 });
    const units = registry(two.events);
    const counts = Object.fromEntries(UNIT_KINDS.map((k) => [k, 0])) as Record<UnitKind, number>;
    for (const u of units.values()) counts[u.kind]++;
    for (const k of UNIT_KINDS) expect(counts[k]).toBe(2 * PLAN[k]);
    expect(generateDistrictSummary({ seed: 2016, districts: 2 }).units).toEqual(counts);
    const copy2 = [...units.values()].filter((u) => u.unitId.startsWith('d2-'));
    expect(copy2).toHaveLength(825);
    for (const u of copy2) if (u.parentId !== undefined) expect(u.parentId.startsWith('d2-')).toBe(true);
    // No name of copy 2 is a name of copy 1.
    const copy1Names = new Set([...units.values()].filter((u) => !u.unitId.startsWith('d2-')).map((u) => u.name));
    for (const u of copy2) expect(copy1Names.has(u.name)).toBe(false);
  });

  it('links every village to a commune, every team to a village, every bloc to a commune, once each', () => {
    const units = registry(one.events);
    const order = [...units.keys()];
    const kindOf = (id: string | undefined) => (id === undefined ? undefined : units.get(id)?.kind);
    const teamsPerVillage = new Map<string, number>();
    const blocsPerCommune = new Map<string, number>();
    for (const u of units.values()) {
      if (u.parentId !== undefined) expect(order.indexOf(u.parentId)).toBeLessThan(order.indexOf(u.unitId));
      if (u.kind === 'village') expect(kindOf(u.parentId)).toBe('commune_party');
      if (u.kind === 'mobilization_team') {
        expect(kindOf(u.parentId)).toBe('village');
        teamsPerVillage.set(u.parentId!, (teamsPerVillage.get(u.parentId!) ?? 0) + 1);
      }
      if (u.kind === 'mobilization_bloc') {
        expect(kindOf(u.parentId)).toBe('commune_party');
        blocsPerCommune.set(u.parentId!, (blocsPerCommune.get(u.parentId!) ?? 0) + 1);
      }
      if (['commune_party', 'agency', 'mass_org'].includes(u.kind)) expect(u.parentId).toBeUndefined();
    }
    expect(teamsPerVillage.size).toBe(369);
    expect([...teamsPerVillage.values()].every((n) => n === 1)).toBe(true);
    expect(blocsPerCommune.size).toBe(25);
    expect([...blocsPerCommune.values()].every((n) => n === 1)).toBe(true);
  });

  it('names units in Vietnamese (NFC, with diacritics) and ids in ASCII slugs', () => {
    const units = registry(one.events);
    expect(units.get('xa-cao-thuong')?.name).toBe('Đảng bộ xã Cao Thượng');
    expect(units.get('tt-nha-nam')?.name).toBe('Đảng bộ thị trấn Nhã Nam');
    expect(units.get('cq-vp-huyen-uy')?.name).toBe('Văn phòng Huyện ủy');
    expect(units.get('mttq-huyen')?.name).toBe('Ủy ban MTTQ huyện');
    expect(units.get('kdv-cao-thuong')?.name).toBe('Khối dân vận Đảng ủy xã Cao Thượng');
    for (const u of units.values()) {
      expect(u.name.normalize('NFC')).toBe(u.name);
      expect(u.unitId).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(u.effectiveFrom).toBe('2016-01-01');
    }
    const communes = [...units.values()].filter((u) => u.kind === 'commune_party').map((u) => u.name);
    expect(new Set(communes).size).toBe(25);
  });

  it('streams the registry first, then each year in chronological order', () => {
    const lines = parseAll({ seed: 2016, closeYears: 'all' });
    const n = generateDistrictSummary({ seed: 2016 }).unitsTotal;
    expect(lines.events.slice(0, n).every((e) => e.type === 'UnitRegistered')).toBe(true);
    expect(lines.events.slice(0, n).every((e) => e.occurredAt.startsWith('2016-01-0'))).toBe(true);
    // Blocks end with their YearClosed; inside a block (and the final carry-over), time never goes back.
    let last = -Infinity;
    let blocks = 0;
    for (const e of lines.events) {
      const t = parseInstant(e.occurredAt)!;
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      if (e.type === 'YearClosed') {
        blocks++;
        last = -Infinity;
      }
    }
    expect(blocks).toBe(5);
  });

  it('places YearClosed as asked, around 20 January of the next year, in stream district', () => {
    for (const [closeYears, years] of [['all', [2016, 2017, 2018, 2019, 2020]], ['all-but-last', [2016, 2017, 2018, 2019]], ['none', []]] as const) {
      const closed = parseAll({ seed: 9, closeYears }).events.filter((e): e is EnvelopeOfType<'YearClosed'> => e.type === 'YearClosed');
      expect(closed.map((e) => e.data.year)).toEqual(years);
      for (const e of closed) expect(e.data.closedAt).toMatch(new RegExp(`^${e.data.year + 1}-01-(1[89]|2[0-2])T`));
    }
  });

  it('uses unique ids across 3 copies: events, units, models, cases and hotspots', () => {
    const three = parseAll({ seed: 77, districts: 3, years: 2 });
    const eventIds = three.events.map((e) => e.id);
    expect(new Set(eventIds).size).toBe(eventIds.length);
    const regs = registrations(three.events);
    // Registered once each, but for the intended duplicate (copy 1 only).
    expect(regs.length).toBe(3 * 825 + 1);
    expect(new Set(regs.map((e) => e.data.unitId)).size).toBe(3 * 825);
    const models = three.events.filter((e) => e.type === 'ModelRegistered').map((e) => (e as EnvelopeOfType<'ModelRegistered'>).data.modelId);
    expect(new Set(models).size).toBe(models.length);
    const cases = three.events.filter((e) => e.type === 'ComplaintReceived').map((e) => `${e.data.unitId}|${(e as EnvelopeOfType<'ComplaintReceived'>).data.caseId}`);
    expect(new Set(cases).size).toBe(cases.length);
    const hotspots = three.events.filter((e) => e.type === 'HotspotReported').map((e) => `${e.data.unitId}|${(e as EnvelopeOfType<'HotspotReported'>).data.hotspotId}`);
    expect(new Set(hotspots).size).toBe(hotspots.length);
    // Every unit named by an event of copies 2 and 3 is registered in that copy.
    const registered = new Set(regs.map((e) => e.data.unitId));
    for (const e of three.events) if (e.type !== 'YearClosed' && /^d[23]-/.test(e.data.unitId)) expect(registered.has(e.data.unitId)).toBe(true);
    const { ctx } = foldAll(three.events);
    expect(rejectedFacts(ctx, () => rulebook).filter((f) => /^d[23]-/.test(f.unitId))).toEqual([]);
  });

  it('plays the scenario: a dissolved agency, two merged communes and blocs, renamed units', () => {
    const summary = generateDistrictSummary({ seed: 2016 });
    expect(summary.registryChanges).toEqual(
      expect.arrayContaining([
        { type: 'dissolve', unitId: 'cq-ban-qlda', effectiveFrom: '2018-09-01' },
        { type: 'merge', unitId: 'xa-phuc-hoa', sourceUnitIds: ['xa-phuc-son'], effectiveFrom: '2019-07-01' },
        { type: 'merge', unitId: 'kdv-phuc-hoa', sourceUnitIds: ['kdv-phuc-son'], effectiveFrom: '2019-07-01' },
        { type: 'rename', unitId: 'xa-phuc-hoa', name: 'Đảng bộ xã Hòa Sơn', effectiveFrom: '2019-07-01' },
      ]),
    );
    expect(summary.registryChanges.filter((c) => c.type === 'rename' && c.unitId.startsWith('thon-'))).toHaveLength(1);
    // No event of a unit that has ended is dated after its end.
    for (const [unitId, end] of [['cq-ban-qlda', '2018-09-01'], ['xa-phuc-son', '2019-07-01'], ['kdv-phuc-son', '2019-07-01']] as const)
      for (const e of one.events) if (e.type !== 'YearClosed' && e.data.unitId === unitId) expect(localDay(e.occurredAt)).toBeLessThan(parseDate(end)!);
    // The target is recognised for models its source registered: valid, and scored.
    const inherited = one.events.filter((e) => e.type === 'ModelRecognized' && e.data.unitId === 'xa-phuc-hoa' && e.data.modelId.startsWith('mh-xa-phuc-son-'));
    expect(inherited.length).toBeGreaterThan(0);
    const { state, ctx } = foldAll(one.events);
    expect(rejectedFacts(ctx, () => rulebook).filter((f) => f.unitId === 'xa-phuc-hoa')).toEqual([]);
    const ev = evaluateYear(state, rulebook, 2019, ctx);
    expect(ev.byUnit.get('xa-phuc-hoa')?.name).toBe('Đảng bộ xã Hòa Sơn');
    expect(ev.roll).not.toContain('xa-phuc-son');
    expect(ev.roll).not.toContain('cq-ban-qlda');
    // The roll per year is what the summary announces.
    for (const y of summary.years) {
      const roll = evaluateYear(state, rulebook, y, ctx).roll;
      const counts = Object.fromEntries(UNIT_KINDS.map((k) => [k, 0])) as Record<UnitKind, number>;
      for (const id of roll) counts[ctx.reg.get(id)!.kind]++;
      expect(counts).toEqual(summary.roll[y]);
    }
  });

  it('reports monthly, mostly on time, with midnight crossings written in UTC', () => {
    const reports = one.events.filter((e): e is EnvelopeOfType<'MonthlyReportSubmitted'> => e.type === 'MonthlyReportSubmitted');
    const summary = generateDistrictSummary({ seed: 2016 });
    const unitYears = summary.years.reduce((s, y) => s + summary.scoredKinds.reduce((t, k) => t + summary.roll[y]![k], 0), 0);
    // 12 a year per scored unit, a few missing, a few sent twice, the last months of ending units.
    expect(reports.length / (12 * unitYears)).toBeGreaterThan(0.99);
    expect(reports.length / (12 * unitYears)).toBeLessThan(1.03);
    // 17:00–22:59Z on the 4th is the 5th in Vietnam (on time); 17:00Z or later on the 5th is the 6th (late).
    const onTimeUtc = reports.filter((e) => /-04T(1[7-9]|2[0-2]):\d\d:\d\dZ$/.test(e.data.submittedAt));
    const lateUtc = reports.filter((e) => /-05T(1[7-9]|2[0-3]):\d\d:\d\dZ$/.test(e.data.submittedAt));
    expect(onTimeUtc.length).toBeGreaterThan(10);
    expect(lateUtc.length).toBeGreaterThan(3);
  });

  it('gives most villages a model, growing over the years, and revokes a few', () => {
    const { state, ctx } = foldAll(one.events);
    const shares = generateDistrictSummary({ seed: 2016 }).years.map((y) => {
      const ev = evaluateYear(state, rulebook, y, ctx);
      const villages = ev.roll.filter((id) => ctx.reg.get(id)!.kind === 'village');
      return villages.filter((id) => ev.modelOwners.has(id)).length / villages.length;
    });
    expect(shares[0]).toBeGreaterThan(0.88);
    expect(shares[0]).toBeLessThan(0.96);
    expect(shares[shares.length - 1]).toBeGreaterThan(0.94);
    expect(shares[shares.length - 1]).toBeGreaterThan(shares[0]!);
    const revoked = one.events.filter((e) => e.type === 'ModelRevoked').length;
    expect(revoked).toBeGreaterThan(0);
    expect(revoked).toBeLessThan(20);
  });
});

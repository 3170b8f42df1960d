import ExcelJS from 'exceljs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { parseEnvelope, unitStream, type Envelope } from '@dvk/contracts';
import { memoryEventStore } from '@dvk/event-store';
import { defaultRulebook, evolve, initialState, loadRulebook, type Rulebook } from '@dvk/scoring';
import {
  META_SHEET,
  importSheet,
  priorKey,
  readSheet,
  rollFromReport,
  rollFromState,
  buildTemplate,
  storeHistory,
  type PriorAssessment,
  type ReadSheetOptions,
  type SheetRead,
  type SheetRejected,
} from '../src/index.js';
import { FIXTURE_POINTS, YEAR, cellOf, fillTemplate, fixtureHistory, recorded, reportOf, rollOf } from './fixture.js';

const rb = defaultRulebook();
const report = reportOf(fixtureHistory());
const roll = rollFromReport(report);
const GENERATED = new Date('2020-01-05T02:00:00Z');
const template = async (kind?: Parameters<typeof buildTemplate>[0]['kind']) => {
  const t = await buildTemplate({ year: YEAR, kind, roll: rollOf(report), rulebook: rb, generatedAt: GENERATED });
  if (E.isLeft(t)) throw new Error(t.left.message);
  return t.right;
};
const opts = (o: Partial<ReadSheetOptions> = {}): ReadSheetOptions => ({
  assessorId: 'ban-dan-van',
  role: 'official',
  source: 'dvk-sheet',
  rulebookFor: () => rb,
  roll: () => roll,
  ...o,
});
const read = async (buf: Uint8Array, o: Partial<ReadSheetOptions> = {}): Promise<SheetRead> => {
  const r = await readSheet(buf, opts(o));
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const rejected = async (buf: Uint8Array, o: Partial<ReadSheetOptions> = {}): Promise<SheetRejected> => {
  const r = await readSheet(buf, opts(o));
  if (E.isRight(r) || r.left._tag !== 'SheetRejected') throw new Error('expected the file to be rejected');
  return r.left;
};
const setCell = (sheet: string, cell: string, value: ExcelJS.CellValue) => (wb: ExcelJS.Workbook) => {
  wb.getWorksheet(sheet)!.getCell(cell).value = value;
};

describe('scoresheet template', () => {
  it('has one sheet per kind with its units and assessed criteria, validation, locked headers and a very hidden meta sheet', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await template()) as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => [w.name, w.state])).toEqual([
      ['Hướng dẫn', 'visible'],
      ['Đảng bộ xã, thị trấn', 'visible'],
      ['Cơ quan, đơn vị', 'visible'],
      ['Tổ dân vận', 'visible'],
      ['Khối dân vận', 'visible'],
      ['MTTQ, đoàn thể', 'visible'],
      [META_SHEET, 'veryHidden'],
    ]);
    const ws = wb.getWorksheet('Đảng bộ xã, thị trấn')!;
    expect([4, 5, 6].map((c) => String(ws.getCell(4, c).value))).toEqual([
      'A1. Lãnh đạo, chỉ đạo công tác dân vận',
      'A2. Dân vận chính quyền, cải cách hành chính',
      'A7. Tháng Dân vận, thi đua “Dân vận khéo”',
    ]);
    expect([4, 5, 6].map((c) => ws.getCell(5, c).value)).toEqual([20, 20, 10]);
    const ids = Array.from({ length: 8 }, (_, i) => String(ws.getCell(6 + i, 2).value)).sort();
    expect(ids).toEqual(report.units.filter((u) => u.kind === 'commune_party').map((u) => u.unitId).sort());
    // Names are NFC, sorted the Vietnamese way ("thị trấn" before "xã").
    expect(String(ws.getCell(6, 3).value)).toBe('Đảng bộ thị trấn Cao Thượng'.normalize('NFC'));
    // Protected sheet; input cells unlocked, headers and unit cells locked.
    expect((ws as unknown as { sheetProtection: { sheet: boolean } }).sheetProtection.sheet).toBe(true);
    expect(ws.getCell('D6').protection?.locked).toBe(false);
    expect(ws.getCell('D4').protection?.locked).not.toBe(false);
    expect(ws.getCell('B6').protection?.locked).not.toBe(false);
    // 0..max with at most two decimals, enforced by Excel on input.
    const dv = (ws as unknown as { dataValidations: { model: Record<string, ExcelJS.DataValidation> } }).dataValidations.model;
    const a1 = Object.entries(dv).find(([range]) => range.startsWith('D6'));
    expect(a1?.[1].type).toBe('custom');
    expect(a1?.[1].formulae[0]).toBe('AND(ISNUMBER(D6),D6>=0,D6<=20,ROUND(D6,2)=D6)');
    // The hidden sheet: year and rulebook hash.
    const meta = wb.getWorksheet(META_SHEET)!;
    expect(meta.getCell('B2').value).toBe(YEAR);
    expect(meta.getCell('B5').value).toBe(rb.ref.hash);
  });

  it('takes the roll from the report, or from the scoring state for a year nothing was assessed in yet', () => {
    const state = initialState();
    for (const r of recorded(fixtureHistory())) evolve(state, r);
    expect([...rollFromState(state, YEAR, rb)].sort()).toEqual([...roll].sort());
    const next = rollFromState(state, YEAR + 2, rb);
    expect(next.size).toBe(19); // every unit but the 4 villages
    expect(next.get('dbx-cao-xa')).toEqual({ kind: 'commune_party', name: 'Đảng bộ xã Cao Xá' });
    expect(rollFromReport(null).size).toBe(0);
  });

  it('can be limited to one kind, and refuses a kind without assessed criteria', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await template('mass_org')) as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.filter((w) => w.state === 'visible').map((w) => w.name)).toEqual(['Hướng dẫn', 'MTTQ, đoàn thể']);
    const t = await buildTemplate({ year: YEAR, kind: 'village', roll: rollOf(report), rulebook: rb });
    expect(E.isLeft(t) && t.left.message).toMatch(/no assessed criteria/);
  });
});

describe('reading a filled scoresheet', () => {
  it('turns every filled cell into a CriterionAssessed event with exactly those points', async () => {
    const r = await read(await fillTemplate(await template()));
    expect(r.problems).toEqual([]);
    expect(r.blank).toBe(2); // dbtt-cao-thuong A7 and tdv-hoang-hoa-tham B4
    const got: Record<string, Record<string, number>> = {};
    for (const e of r.events) {
      expect(E.isRight(parseEnvelope(e.event))).toBe(true);
      expect(e.event.type).toBe('CriterionAssessed');
      if (e.event.type !== 'CriterionAssessed') continue;
      expect(e.event.data).toMatchObject({ year: YEAR, role: 'official', assessorId: 'ban-dan-van' });
      expect(e.event.source).toBe('dvk-sheet');
      (got[e.unitId] ??= {})[e.criterionId] = e.event.data.points;
    }
    expect(got).toEqual(FIXTURE_POINTS);
    // occurredAt: the file's last-modified time (here the template's), in local time.
    expect(r.events[0]!.event.occurredAt).toBe('2020-01-05T09:00:00+07:00');
  });

  it('derives the same ids from the same cells, and other ids from other cells', async () => {
    const t = await template();
    const a = await read(await fillTemplate(t));
    const b = await read(await fillTemplate(t));
    expect(b.events.map((e) => e.event.id)).toEqual(a.events.map((e) => e.event.id));
    expect(new Set(a.events.map((e) => e.event.id)).size).toBe(a.events.length);
    const c = await read(await fillTemplate(t, { ...FIXTURE_POINTS, 'dbx-cao-xa': { A1: 19, A2: 20, A7: 10 } }));
    const changed = c.events.filter((e, i) => e.event.id !== a.events[i]!.event.id);
    expect(changed.map((e) => [e.unitId, e.criterionId, e.points])).toEqual([['dbx-cao-xa', 'A1', 19]]);
  });

  it('reads text numbers with a decimal comma', async () => {
    const r = await read(await fillTemplate(await template(), { 'dbx-cao-xa': { A1: '12,5', A2: ' 20 ' } }));
    expect(r.problems).toEqual([]);
    expect(r.events.map((e) => [e.criterionId, e.points])).toEqual([
      ['A1', 12.5],
      ['A2', 20],
    ]);
  });

  it('names the sheet, cell and reason of every bad cell, and keeps the good ones', async () => {
    const t = await template();
    const at = async (u: string, c: string) => (await cellOf(t, u, c)).cell;
    const bad = await fillTemplate(t, {
      ...FIXTURE_POINTS,
      'dbx-cao-xa': { A1: 20.5, A2: 19.125, A7: -1 },
      'dbx-lam-cot': { A1: 'hai mươi', A2: 19.75, A7: 9.5 },
    }, setCell('Đảng bộ xã, thị trấn', await at('dbx-viet-lap', 'A1'), { formula: 'A1+1' } as ExcelJS.CellFormulaValue));
    const r = await read(bad);
    const sheet = 'Đảng bộ xã, thị trấn';
    expect(r.problems.map((p) => [p.sheet, p.cell, p.code])).toEqual(
      expect.arrayContaining([
        [sheet, await at('dbx-cao-xa', 'A1'), 'above_max'],
        [sheet, await at('dbx-cao-xa', 'A2'), 'too_many_decimals'],
        [sheet, await at('dbx-cao-xa', 'A7'), 'negative'],
        [sheet, await at('dbx-lam-cot', 'A1'), 'not_a_number'],
        [sheet, await at('dbx-viet-lap', 'A1'), 'formula_without_value'],
      ]),
    );
    expect(r.problems).toHaveLength(5);
    const above = r.problems.find((p) => p.code === 'above_max')!;
    expect(above.reason).toBe('điểm 20,5 vượt quá điểm tối đa 20 của tiêu chí A1');
    expect(above).toMatchObject({ unitId: 'dbx-cao-xa', criterionId: 'A1', value: '20,5' });
    expect(r.problems.find((p) => p.code === 'too_many_decimals')!.reason).toBe('điểm 19,125 có quá 2 chữ số thập phân');
    expect(r.events).toHaveLength(49 - 5);
  });

  it('reports cells of units that are not on the roll of the year as unknown units', async () => {
    const shrunk = new Map(roll);
    shrunk.delete('dbx-phuc-hoa');
    const t = await template();
    const r = await read(await fillTemplate(t), { roll: () => shrunk });
    expect(r.problems.map((p) => [p.code, p.unitId, p.cell])).toEqual([
      ['unknown_unit', 'dbx-phuc-hoa', (await cellOf(t, 'dbx-phuc-hoa', 'A1')).cell],
      ['unknown_unit', 'dbx-phuc-hoa', (await cellOf(t, 'dbx-phuc-hoa', 'A2')).cell],
      ['unknown_unit', 'dbx-phuc-hoa', (await cellOf(t, 'dbx-phuc-hoa', 'A7')).cell],
    ]);
    expect(r.problems[0]!.reason).toMatch(/không có trong danh sách đánh giá năm 2019/);
  });

  it('rejects a template of another year or another rulebook, naming the cell of the hidden sheet', async () => {
    const filled = await fillTemplate(await template());
    const year = await rejected(filled, { year: 2020 });
    expect(year.problems.map((p) => [p.sheet, p.cell, p.code])).toEqual([[META_SHEET, 'B2', 'wrong_year']]);
    expect(year.problems[0]!.reason).toBe('mẫu phiếu của năm 2019, không phải năm 2020');
    const other = loadRulebook({ ...rb.file, version: 2 });
    if (E.isLeft(other)) throw new Error(other.left.message);
    const rule = await rejected(filled, { rulebookFor: (): Rulebook => other.right });
    expect(rule.problems.map((p) => [p.sheet, p.cell, p.code])).toEqual([[META_SHEET, 'B5', 'wrong_rulebook']]);
    expect(rule.problems[0]!.reason).toMatch(/tan-yen-2016 phiên bản 1 .* áp dụng bộ tiêu chí tan-yen-2016 phiên bản 2/);
  });

  it('rejects a file that is not a workbook, not a dvk template, or whose layout was altered', async () => {
    expect((await rejected(Buffer.from('not a zip'))).problems[0]!.code).toBe('not_xlsx');
    const plain = new ExcelJS.Workbook();
    plain.addWorksheet('Sheet1').getCell('A1').value = 1;
    expect((await rejected(Buffer.from((await plain.xlsx.writeBuffer()) as ArrayBuffer))).problems[0]!.code).toBe('not_a_template');
    const t = await template();
    const movedUnit = await rejected(await fillTemplate(t, FIXTURE_POINTS, setCell(META_SHEET, 'E20', 'dbx-other')));
    expect(movedUnit.problems[0]).toMatchObject({ sheet: META_SHEET, cell: 'B7', code: 'template_altered' });
    const visibleId = await rejected(await fillTemplate(t, FIXTURE_POINTS, setCell('Tổ dân vận', 'B6', 'tdv-khac')));
    expect(visibleId.problems[0]).toMatchObject({ sheet: 'Tổ dân vận', cell: 'B6', code: 'template_altered' });
    const renamed = await rejected(await fillTemplate(t, FIXTURE_POINTS, (wb) => (wb.getWorksheet('Khối dân vận')!.name = 'Khối')));
    expect(renamed.problems[0]).toMatchObject({ sheet: 'Khối dân vận', code: 'missing_sheet' });
  });

  it('reports values typed below the template rows', async () => {
    const r = await read(await fillTemplate(await template(), FIXTURE_POINTS, setCell('Khối dân vận', 'D12', 25)));
    expect(r.problems.map((p) => [p.sheet, p.cell, p.code])).toEqual([['Khối dân vận', 'D12', 'outside_template']]);
  });

  it('applies a scope check to every cell', async () => {
    const r = await read(await fillTemplate(await template('mass_org')), {
      authorize: (e: Envelope) => (e.type === 'CriterionAssessed' && e.data.unitId === 'mt-doan' ? 'unit mt-doan is outside the scope of source "x"' : null),
    });
    expect(r.problems.map((p) => [p.code, p.unitId])).toEqual([
      ['out_of_scope', 'mt-doan'],
      ['out_of_scope', 'mt-doan'],
      ['out_of_scope', 'mt-doan'],
    ]);
  });
});

describe('what the assessor already said', () => {
  const history = (m: Record<string, PriorAssessment>) => async () => E.right(new Map(Object.entries(m).map(([k, v]) => [priorKey(...(k.split('/') as [string, string])), v])));

  it('leaves unchanged cells out, and names the superseded assessment in the id of a changed one', async () => {
    const filled = await fillTemplate(await template('mass_org'));
    const plain = await read(filled);
    const r = await read(filled, {
      history: history({
        'mt-mttq/C1': { id: 'a-1', pointsH: 2400, retracted: false }, // same points: unchanged
        'mt-mttq/C2': { id: 'a-2', pointsH: 2300, retracted: false }, // 23 → 24: a correction
        'mt-mttq/C3': { id: 'a-3', pointsH: 1900, retracted: true }, // same points, but retracted: said again
      }),
    });
    expect(r.unchanged.map((c) => [c.unitId, c.criterionId])).toEqual([['mt-mttq', 'C1']]);
    const c2 = r.events.find((e) => e.unitId === 'mt-mttq' && e.criterionId === 'C2')!;
    const c3 = r.events.find((e) => e.unitId === 'mt-mttq' && e.criterionId === 'C3')!;
    expect(c2.supersedes).toBe('a-2');
    expect(c3.supersedes).toBe('a-3');
    const before = (u: string, c: string) => plain.events.find((e) => e.unitId === u && e.criterionId === c)!.event.id;
    expect(c2.event.id).not.toBe(before('mt-mttq', 'C2'));
    expect(r.events.find((e) => e.unitId === 'mt-doan' && e.criterionId === 'C1')!.event.id).toBe(before('mt-doan', 'C1'));
  });
});

describe('importing a scoresheet into a store', () => {
  const setup = async () => {
    const store = memoryEventStore();
    const t = await template();
    return { store, t, imp: (buf: Uint8Array, o: { partial?: boolean; dryRun?: boolean } = {}) => importSheet(store, buf, { ...opts(), ref: 'phieu.xlsx', ...o }) };
  };

  it('appends every cell once; the same file again appends nothing; a corrected file appends the correction; going back appends again', async () => {
    const { store, t, imp } = await setup();
    const good = await fillTemplate(t);
    const first = await imp(good);
    expect(E.isRight(first) && [first.right.appended, first.right.unchanged, first.right.blank]).toEqual([49, 0, 2]);
    const again = await imp(good);
    expect(E.isRight(again) && [again.right.appended, again.right.duplicates, again.right.unchanged]).toEqual([0, 0, 49]);
    const corrected = await fillTemplate(t, { ...FIXTURE_POINTS, 'mt-doan': { C1: 21, C2: 20, C3: 15 } });
    const fix = await imp(corrected);
    expect(E.isRight(fix) && [fix.right.appended, fix.right.unchanged]).toEqual([1, 48]);
    const back = await imp(good);
    expect(E.isRight(back) && [back.right.appended, back.right.unchanged]).toEqual([1, 48]);
    const stream = await store.readStream(unitStream('mt-doan'));
    const c1 = E.isRight(stream) ? stream.right.filter((s) => s.event.type === 'CriterionAssessed' && s.event.data.criterionId === 'C1') : [];
    expect(c1.map((s) => (s.event.type === 'CriterionAssessed' ? s.event.data.points : null))).toEqual([20, 21, 20]);
    // The history the importer reads back is the store's.
    const h = await storeHistory(store)({ year: YEAR, unitIds: ['mt-doan'], assessorId: 'ban-dan-van', role: 'official' });
    expect(E.isRight(h) && h.right.get(priorKey('mt-doan', 'C1'))?.pointsH).toBe(2000);
  });

  it('appends nothing from a file with one bad cell, and names that cell', async () => {
    const { store, t, imp } = await setup();
    const { sheet, cell } = await cellOf(t, 'tdv-trai-moi', 'B4');
    const r = await imp(await fillTemplate(t, FIXTURE_POINTS, setCell(sheet, cell, 31)));
    expect(E.isLeft(r)).toBe(true);
    if (E.isRight(r) || r.left._tag !== 'SheetRejected') return;
    expect(r.left.problems).toEqual([
      { sheet: 'Tổ dân vận', cell, code: 'above_max', reason: 'điểm 31 vượt quá điểm tối đa 30 của tiêu chí B4', unitId: 'tdv-trai-moi', criterionId: 'B4', value: '31' },
    ]);
    expect(r.left.validCells).toBe(48);
    const head = await store.head();
    expect(E.isRight(head) && head.right.position).toBe(0);
  });

  it('with partial, appends the valid cells; a dry run appends nothing', async () => {
    const { store, t, imp } = await setup();
    const { sheet, cell } = await cellOf(t, 'tdv-trai-moi', 'B4');
    const bad = await fillTemplate(t, FIXTURE_POINTS, setCell(sheet, cell, 31));
    const dry = await imp(bad, { partial: true, dryRun: true });
    expect(E.isRight(dry) && [dry.right.appended, dry.right.problems.length]).toEqual([0, 1]);
    expect(E.isRight(await store.head()) && ((await store.head()) as E.Right<{ position: number }>).right.position).toBe(0);
    const r = await imp(bad, { partial: true });
    expect(E.isRight(r) && [r.right.appended, r.right.problems.length, r.right.deadLettered]).toEqual([48, 1, 1]);
  });
});

import ExcelJS from 'exceljs';
import * as E from 'fp-ts/lib/Either.js';
import { UNIT_KINDS, digestOf, type RulebookRef, type UnitKind } from '@dvk/contracts';
import type { CriterionSpec, Rulebook } from '@dvk/scoring';
import { localIso } from './ids.js';
import { KIND_LABEL, KIND_SHEET, byVietnameseName } from './labels.js';

/**
 * Scoresheet templates (issue 9): an XLSX workbook with one sheet per unit kind, one row per unit
 * on the roll of the year and one column per assessed criterion of that kind. Header cells are
 * locked (sheet protection without a password: it prevents slips, it is not a security
 * boundary), input cells carry data validation (0..max, at most two decimals), and a very hidden
 * sheet `_dvk` records the year, the rulebook (id, version, hash) and the layout — which unit is
 * on which row, which criterion in which column — with a digest over all of it, so a returned
 * file can be checked cell by cell against what was handed out.
 */

export const SHEET_FORMAT = 'dvk.scoresheet/1';
export const META_SHEET = '_dvk';
export const GUIDE_SHEET = 'Hướng dẫn';
/** Row of the criterion headers, of the maximum points, and the first unit row. */
export const HEADER_ROW = 4;
export const MAX_ROW = 5;
export const FIRST_UNIT_ROW = 6;
/** Columns: number, unit id, unit name, then one per assessed criterion. */
export const COL_ID = 2;
export const COL_NAME = 3;
export const FIRST_CRITERION_COL = 4;

/** A unit on the roll of the year, as the read model's report lists it. */
export interface RollUnit {
  unitId: string;
  kind: UnitKind;
  name: string;
}

export interface SheetLayout {
  name: string;
  kind: UnitKind;
  columns: { col: number; criterionId: string }[];
  units: { row: number; unitId: string }[];
}

/** What the hidden sheet records. `digest` covers every other field. */
export interface TemplateMeta {
  format: string;
  year: number;
  rulebook: RulebookRef;
  generatedAt: string;
  sheets: SheetLayout[];
  digest: string;
}

export interface TemplateError {
  readonly _tag: 'TemplateError';
  readonly message: string;
}
const templateError = (message: string): TemplateError => ({ _tag: 'TemplateError', message });

export interface TemplateInput {
  year: number;
  /** Only this kind (one sheet); default: every kind with assessed criteria and units on the roll. */
  kind?: UnitKind;
  /** The units on the roll of the year (villages are ignored: they have no scoresheet). */
  roll: readonly RollUnit[];
  /** The rulebook in force for the year. */
  rulebook: Rulebook;
  /** When the template was made (recorded in the file; default: now). */
  generatedAt?: Date;
}

/** The assessed criteria of a kind under a rulebook, in rulebook order. */
export function assessedCriteria(rb: Rulebook, kind: UnitKind): CriterionSpec[] {
  return (rb.groupOfKind[kind]?.criteria ?? []).filter((c) => c.source.type === 'assessed');
}

export function metaDigest(m: Omit<TemplateMeta, 'digest'>): string {
  return digestOf({ format: m.format, year: m.year, rulebook: m.rulebook, generatedAt: m.generatedAt, sheets: m.sheets });
}

const GREY: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};
const FONT = 'Times New Roman';

const colLetter = (col: number): string => {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
};
export const address = (row: number, col: number): string => `${colLetter(col)}${row}`;
const pts = (h: number) => h / 100;

const SOURCE_TEXT: Record<string, string> = {
  assessed: 'Chấm điểm — nhập trên phiếu này',
  reporting: 'Tự động: báo cáo tình hình nhân dân hằng tháng đúng hạn',
  cases: 'Tự động: giải quyết khiếu nại, tố cáo, kiến nghị đúng hạn',
  dialogues: 'Tự động: số cuộc tiếp xúc, đối thoại với nhân dân',
  models: 'Tự động: mô hình “Dân vận khéo” được công nhận',
};

/** Builds the scoresheet workbook for a year (and optionally one kind). */
export async function buildTemplate(input: TemplateInput): Promise<E.Either<TemplateError, Buffer>> {
  const { year, rulebook: rb } = input;
  const kinds = input.kind ? [input.kind] : UNIT_KINDS.filter((k) => assessedCriteria(rb, k).length > 0);
  if (input.kind && assessedCriteria(rb, input.kind).length === 0)
    return E.left(templateError(`units of kind ${input.kind} have no assessed criteria under ${rb.ref.id} v${rb.ref.version}: there is nothing to fill in`));
  const generatedAt = localIso(input.generatedAt ?? new Date());

  const sheets: { layout: SheetLayout; criteria: CriterionSpec[]; units: RollUnit[] }[] = [];
  for (const kind of kinds) {
    const units = input.roll.filter((u) => u.kind === kind).sort(byVietnameseName);
    if (units.length === 0) continue;
    const criteria = assessedCriteria(rb, kind);
    sheets.push({
      criteria,
      units,
      layout: {
        name: KIND_SHEET[kind],
        kind,
        columns: criteria.map((c, i) => ({ col: FIRST_CRITERION_COL + i, criterionId: c.id })),
        units: units.map((u, i) => ({ row: FIRST_UNIT_ROW + i, unitId: u.unitId })),
      },
    });
  }
  if (sheets.length === 0)
    return E.left(templateError(`no unit${input.kind ? ` of kind ${input.kind}` : ''} with a scoresheet is on the roll of ${year}`));

  const base = { format: SHEET_FORMAT, year, rulebook: rb.ref, generatedAt, sheets: sheets.map((s) => s.layout) };
  const meta: TemplateMeta = { ...base, digest: metaDigest(base) };

  const wb = new ExcelJS.Workbook();
  wb.creator = 'dvk';
  wb.lastModifiedBy = 'dvk';
  wb.created = new Date(Date.parse(generatedAt));
  wb.modified = new Date(Date.parse(generatedAt));
  wb.title = `Phiếu chấm điểm công tác dân vận năm ${year}`;

  await addGuide(wb, year, rb, sheets.map((s) => s.layout.kind));
  for (const s of sheets) await addScoresheet(wb, year, rb, s.layout, s.criteria, s.units);
  addMeta(wb, meta);
  const buf = await wb.xlsx.writeBuffer();
  return E.right(Buffer.from(buf as ArrayBuffer));
}

async function addGuide(wb: ExcelJS.Workbook, year: number, rb: Rulebook, kinds: UnitKind[]): Promise<void> {
  const ws = wb.addWorksheet(GUIDE_SHEET, { properties: { tabColor: { argb: 'FF7F7F7F' } } });
  ws.columns = [{ width: 8 }, { width: 60 }, { width: 12 }, { width: 52 }];
  const title = ws.addRow([`HƯỚNG DẪN CHẤM ĐIỂM CÔNG TÁC DÂN VẬN NĂM ${year}`]);
  title.font = { name: FONT, bold: true, size: 14 };
  ws.mergeCells(1, 1, 1, 4);
  const lines = [
    `Bộ tiêu chí: ${rb.texts.title.vi}`,
    `Mã bộ tiêu chí: ${rb.ref.id}, phiên bản ${rb.ref.version} (${rb.ref.hash})`,
    'Mỗi trang tính là một loại đơn vị; mỗi dòng là một đơn vị có trong danh sách đánh giá năm; mỗi cột là một tiêu chí chấm điểm.',
    'Nhập điểm vào các ô nền trắng: từ 0 đến điểm tối đa của tiêu chí, nhiều nhất 2 chữ số thập phân. Để trống ô chưa chấm.',
    'Các ô nền xám (tiêu đề, mã và tên đơn vị) đã khóa. Không đổi tên, thêm hoặc xóa trang tính, dòng, cột: tệp sẽ bị từ chối khi nhập.',
    'Các tiêu chí tính tự động (báo cáo, khiếu nại, đối thoại, mô hình) không có trên phiếu.',
  ];
  for (const l of lines) {
    const r = ws.addRow([l]);
    ws.mergeCells(r.number, 1, r.number, 4);
    r.getCell(1).alignment = { wrapText: true, vertical: 'top' };
    r.height = 30;
    r.font = { name: FONT, size: 11 };
  }
  ws.addRow([]);
  for (const kind of kinds) {
    const g = rb.groupOfKind[kind];
    if (!g) continue;
    const h = ws.addRow([KIND_LABEL[kind]]);
    h.font = { name: FONT, bold: true, size: 12 };
    ws.mergeCells(h.number, 1, h.number, 4);
    const head = ws.addRow(['Mã', 'Tiêu chí', 'Điểm tối đa', 'Cách tính']);
    head.eachCell((c) => ((c.font = { name: FONT, bold: true }), (c.fill = GREY), (c.border = THIN)));
    for (const c of g.criteria) {
      const r = ws.addRow([c.id, c.name.vi, pts(c.maxH), SOURCE_TEXT[c.source.type] ?? c.source.type]);
      r.eachCell((x) => ((x.font = { name: FONT }), (x.border = THIN), (x.alignment = { wrapText: true, vertical: 'top' })));
    }
    ws.addRow([]);
  }
  await ws.protect('', { selectLockedCells: true, selectUnlockedCells: true, formatColumns: true, formatRows: true });
}

async function addScoresheet(wb: ExcelJS.Workbook, year: number, rb: Rulebook, layout: SheetLayout, criteria: CriterionSpec[], units: RollUnit[]): Promise<void> {
  const lastCol = FIRST_CRITERION_COL + criteria.length - 1;
  const ws = wb.addWorksheet(layout.name, {
    views: [{ state: 'frozen', xSplit: COL_NAME, ySplit: MAX_ROW }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${HEADER_ROW}:${MAX_ROW}` },
  });
  ws.getColumn(1).width = 6;
  ws.getColumn(COL_ID).width = 18;
  ws.getColumn(COL_NAME).width = 38;
  for (let c = FIRST_CRITERION_COL; c <= lastCol; c++) ws.getColumn(c).width = 20;

  const banner = (row: number, text: string, font: Partial<ExcelJS.Font>, height: number) => {
    ws.mergeCells(row, 1, row, lastCol);
    const cell = ws.getCell(row, 1);
    cell.value = text;
    cell.font = { name: FONT, ...font };
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    ws.getRow(row).height = height;
  };
  banner(1, `PHIẾU CHẤM ĐIỂM CÔNG TÁC DÂN VẬN NĂM ${year}`, { bold: true, size: 14 }, 24);
  banner(2, `Đối tượng: ${KIND_LABEL[layout.kind]} — Bộ tiêu chí ${rb.ref.id}, phiên bản ${rb.ref.version}`, { italic: true, size: 11 }, 18);
  banner(3, 'Nhập điểm vào ô nền trắng: từ 0 đến điểm tối đa, nhiều nhất 2 chữ số thập phân; để trống nếu chưa chấm.', { italic: true, size: 10 }, 30);

  const header = ws.getRow(HEADER_ROW);
  header.values = ['STT', 'Mã đơn vị', 'Tên đơn vị', ...criteria.map((c) => `${c.id}. ${c.name.vi}`)];
  header.height = 64;
  const maxRow = ws.getRow(MAX_ROW);
  maxRow.values = ['', '', 'Điểm tối đa', ...criteria.map((c) => pts(c.maxH))];
  for (const r of [header, maxRow])
    for (let c = 1; c <= lastCol; c++) {
      const cell = r.getCell(c);
      cell.font = { name: FONT, bold: true, size: 11 };
      cell.fill = GREY;
      cell.border = THIN;
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
    }

  units.forEach((u, i) => {
    const row = ws.getRow(FIRST_UNIT_ROW + i);
    row.values = [i + 1, u.unitId, u.name];
    for (let c = 1; c <= lastCol; c++) {
      const cell = row.getCell(c);
      cell.border = THIN;
      cell.font = { name: FONT, size: 11 };
      if (c < FIRST_CRITERION_COL) cell.fill = GREY;
      else {
        cell.protection = { locked: false };
        cell.numFmt = '0.##';
        cell.alignment = { horizontal: 'center' };
      }
    }
  });

  // One validation per criterion column; Excel reads the formula relative to the range's first cell.
  const lastRow = FIRST_UNIT_ROW + units.length - 1;
  const dv = (ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations;
  criteria.forEach((c, i) => {
    const col = FIRST_CRITERION_COL + i;
    const first = address(FIRST_UNIT_ROW, col);
    const max = pts(c.maxH);
    dv.add(`${first}:${address(lastRow, col)}`, {
      type: 'custom',
      allowBlank: true,
      formulae: [`AND(ISNUMBER(${first}),${first}>=0,${first}<=${max},ROUND(${first},2)=${first})`],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: `Điểm ${c.id} không hợp lệ`,
      error: `Điểm ${c.id} phải từ 0 đến ${String(max).replace('.', ',')}, nhiều nhất 2 chữ số thập phân.`,
      showInputMessage: true,
      promptTitle: `${c.id}: tối đa ${String(max).replace('.', ',')} điểm`,
      prompt: c.name.vi.slice(0, 250),
    });
  });

  await ws.protect('', {
    selectLockedCells: true,
    selectUnlockedCells: true,
    formatColumns: true,
    formatRows: true,
    formatCells: false,
    insertRows: false,
    insertColumns: false,
    deleteRows: false,
    deleteColumns: false,
    sort: false,
    autoFilter: false,
  });
}

function addMeta(wb: ExcelJS.Workbook, m: TemplateMeta): void {
  const ws = wb.addWorksheet(META_SHEET, { state: 'veryHidden' });
  ws.addRow(['format', m.format]);
  ws.addRow(['year', m.year]);
  ws.addRow(['rulebook.id', m.rulebook.id]);
  ws.addRow(['rulebook.version', m.rulebook.version]);
  ws.addRow(['rulebook.hash', m.rulebook.hash]);
  ws.addRow(['generatedAt', m.generatedAt]);
  ws.addRow(['digest', m.digest]);
  ws.addRow([]);
  ws.addRow(['sheet', 'kind', 'what', 'index', 'id']);
  for (const s of m.sheets) {
    for (const c of s.columns) ws.addRow([s.name, s.kind, 'column', c.col, c.criterionId]);
    for (const u of s.units) ws.addRow([s.name, s.kind, 'unit', u.row, u.unitId]);
  }
}

/** Meta rows (1-based) of the hidden sheet, for problem addresses. */
export const META_CELL = { format: 'B1', year: 'B2', rulebookId: 'B3', rulebookVersion: 'B4', rulebookHash: 'B5', generatedAt: 'B6', digest: 'B7' } as const;
export const META_TABLE_FIRST_ROW = 10;

import ExcelJS from 'exceljs';
import * as E from 'fp-ts/lib/Either.js';
import { UNIT_KINDS, hasAtMostTwoDecimals, parseEnvelope, type Envelope, type UnitKind } from '@dvk/contracts';
import type { StoreError } from '@dvk/event-store';
import type { Rulebook } from '@dvk/scoring';
import { priorKey, type AssessmentHistory, type PriorAssessment } from './history.js';
import { localIso, uuidOf } from './ids.js';
import { KIND_LABEL } from './labels.js';
import {
  COL_ID,
  HEADER_ROW,
  META_CELL,
  META_SHEET,
  META_TABLE_FIRST_ROW,
  SHEET_FORMAT,
  address,
  metaDigest,
  type SheetLayout,
  type TemplateMeta,
} from './template.js';

/**
 * Reading a returned scoresheet: every filled cell becomes a `CriterionAssessed` event, every
 * problem is reported with its sheet, cell address and reason. Pure apart from the injected
 * lookups (the roll of the year, the rulebook in force, what the assessor already said).
 *
 * Event ids are derived from the content of the cell — year, unit, criterion, points, role,
 * assessor, source, the file's timestamp — and from the assessment it supersedes, never from the
 * whole file: importing the same file again appends nothing (every cell is unchanged, or its
 * event is a duplicate), a corrected file appends only the corrected cells, and going back to an
 * earlier value (15 → 16 → 15) appends a new event, because it supersedes a different one.
 */

export type SheetProblemCode =
  | 'not_xlsx'
  | 'not_a_template'
  | 'template_altered'
  | 'missing_sheet'
  | 'wrong_year'
  | 'wrong_rulebook'
  | 'unknown_unit'
  | 'wrong_kind'
  | 'unknown_criterion'
  | 'not_a_number'
  | 'formula_without_value'
  | 'negative'
  | 'above_max'
  | 'too_many_decimals'
  | 'outside_template'
  | 'invalid_event'
  | 'out_of_scope';

/** Problems that make the whole file unusable (nothing can be imported, even with --partial). */
export const FILE_PROBLEMS: ReadonlySet<SheetProblemCode> = new Set([
  'not_xlsx',
  'not_a_template',
  'template_altered',
  'missing_sheet',
  'wrong_year',
  'wrong_rulebook',
]);

export interface SheetProblem {
  /** Worksheet name (`_dvk` for the hidden metadata sheet, '' for the file itself). */
  sheet: string;
  /** A1-style address, '' when the problem is the file or the sheet as a whole. */
  cell: string;
  code: SheetProblemCode;
  /** In Vietnamese, for whoever fills the sheet. */
  reason: string;
  unitId: string | null;
  criterionId: string | null;
  /** The cell's value as text, when there is one. */
  value: string | null;
}

export interface SheetCell {
  sheet: string;
  cell: string;
  unitId: string;
  criterionId: string;
  points: number;
}

export interface SheetEvent extends SheetCell {
  event: Envelope;
  /** The id of the same assessor's earlier assessment this one replaces, if any. */
  supersedes: string | null;
}

export interface SheetRead {
  meta: TemplateMeta;
  /** New assessments, in sheet, row, column order. */
  events: SheetEvent[];
  /** Filled cells equal to the assessor's current (not retracted) assessment: nothing to append. */
  unchanged: SheetCell[];
  /** Input cells left empty. */
  blank: number;
  problems: SheetProblem[];
}

/** The file cannot be imported: either it is not a usable template, or (without --partial) some cells are bad. */
export interface SheetRejected {
  readonly _tag: 'SheetRejected';
  readonly retriable: false;
  readonly problems: readonly SheetProblem[];
  /** Cells that were valid but not written because of the other problems. */
  readonly validCells: number;
  readonly message: string;
}

export function sheetRejected(problems: readonly SheetProblem[], validCells = 0): SheetRejected {
  const first = problems[0];
  return {
    _tag: 'SheetRejected',
    retriable: false,
    problems,
    validCells,
    message:
      `the scoresheet was rejected: ${problems.length} problem${problems.length === 1 ? '' : 's'}` +
      (first ? ` (first: ${formatAddress(first)} ${first.reason})` : ''),
  };
}

/** `'Tổ dân vận'!D7` — the address as Excel writes it. */
export function formatAddress(p: { sheet: string; cell: string }): string {
  if (!p.sheet) return '(tệp)';
  const sheet = /^[A-Za-z0-9_]+$/.test(p.sheet) ? p.sheet : `'${p.sheet.replace(/'/g, "''")}'`;
  return p.cell ? `${sheet}!${p.cell}` : sheet;
}

export interface RollEntry {
  kind: UnitKind;
  name: string;
}

export interface ReadSheetOptions {
  assessorId: string;
  role: 'self' | 'official';
  /** The `source` of the events (the authenticated source over HTTP). */
  source: string;
  /** The rulebook in force for a year: the template must have been made under it. */
  rulebookFor: (year: number) => Rulebook;
  /** The units on the roll of a year (every kind with a scoresheet). */
  roll: (year: number) => ReadonlyMap<string, RollEntry>;
  /** When given, the template must be of this year. */
  year?: number;
  /** What the assessor already said (see history.ts). Without it every filled cell is an event. */
  history?: AssessmentHistory;
  /** A scope check (HTTP, `--as-source`): null when allowed, else the reason. */
  authorize?: (e: Envelope) => string | null;
  /** `occurredAt` of the events; default: the file's last-modified time, else the template's. */
  occurredAt?: string;
}

const problem = (sheet: string, cell: string, code: SheetProblemCode, reason: string, extra: Partial<SheetProblem> = {}): SheetProblem => ({
  sheet,
  cell,
  code,
  reason,
  unitId: null,
  criterionId: null,
  value: null,
  ...extra,
});

const numText = (n: number): string => String(n).replace('.', ',');

/** Reads a returned scoresheet into events and problems. Never throws. */
export async function readSheet(buf: Uint8Array, opts: ReadSheetOptions): Promise<E.Either<SheetRejected | StoreError, SheetRead>> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength) as unknown as ExcelJS.Buffer);
  } catch (err) {
    return E.left(sheetRejected([problem('', '', 'not_xlsx', `tệp không phải bảng tính XLSX đọc được (${(err as Error).message})`)]));
  }
  const m = readMeta(wb);
  if (E.isLeft(m)) return E.left(sheetRejected(m.left));
  const meta = m.right;

  const fatal: SheetProblem[] = [];
  if (opts.year !== undefined && meta.year !== opts.year)
    fatal.push(problem(META_SHEET, META_CELL.year, 'wrong_year', `mẫu phiếu của năm ${meta.year}, không phải năm ${opts.year}`, { value: String(meta.year) }));
  const rb = opts.rulebookFor(meta.year);
  if (rb.ref.hash !== meta.rulebook.hash)
    fatal.push(
      problem(
        META_SHEET,
        META_CELL.rulebookHash,
        'wrong_rulebook',
        `mẫu phiếu lập theo bộ tiêu chí ${meta.rulebook.id} phiên bản ${meta.rulebook.version} (${meta.rulebook.hash.slice(0, 19)}…), ` +
          `nhưng năm ${meta.year} áp dụng bộ tiêu chí ${rb.ref.id} phiên bản ${rb.ref.version} (${rb.ref.hash.slice(0, 19)}…); hãy lấy mẫu phiếu mới`,
        { value: meta.rulebook.hash },
      ),
    );
  const sheets: { layout: SheetLayout; ws: ExcelJS.Worksheet }[] = [];
  for (const layout of meta.sheets) {
    const ws = wb.getWorksheet(layout.name);
    if (!ws) {
      fatal.push(problem(layout.name, '', 'missing_sheet', `không tìm thấy trang tính “${layout.name}” của mẫu phiếu (trang tính bị đổi tên hoặc bị xóa)`));
      continue;
    }
    for (const c of layout.columns) {
      const text = cellText(ws.getCell(HEADER_ROW, c.col).value);
      if (!text.startsWith(`${c.criterionId}.`))
        fatal.push(problem(layout.name, address(HEADER_ROW, c.col), 'template_altered', `cột này phải là tiêu chí ${c.criterionId} như khi lập mẫu`, { value: text, criterionId: c.criterionId }));
    }
    for (const u of layout.units) {
      const text = cellText(ws.getCell(u.row, COL_ID).value).trim();
      if (text !== u.unitId)
        fatal.push(problem(layout.name, address(u.row, COL_ID), 'template_altered', `dòng này phải là đơn vị ${u.unitId} như khi lập mẫu`, { value: text, unitId: u.unitId }));
    }
    sheets.push({ layout, ws });
  }
  if (fatal.length) return E.left(sheetRejected(fatal));

  const occurredAt = opts.occurredAt ?? fileTime(wb, meta);
  const roll = opts.roll(meta.year);
  const problems: SheetProblem[] = [];
  const valid: SheetCell[] = [];
  const envelopes = new Map<SheetCell, Omit<Envelope, 'id'>>();
  let blank = 0;

  for (const { layout, ws } of sheets) {
    const lastRow = Math.max(...layout.units.map((u) => u.row));
    for (const u of layout.units) {
      for (const c of layout.columns) {
        const cell = address(u.row, c.col);
        const at = { unitId: u.unitId, criterionId: c.criterionId };
        const parsed = cellNumber(ws.getCell(u.row, c.col).value);
        if (parsed.kind === 'blank') {
          blank++;
          continue;
        }
        const bad = (code: SheetProblemCode, reason: string) => problems.push(problem(layout.name, cell, code, reason, { ...at, value: parsed.text }));
        if (parsed.kind === 'bad') {
          bad(parsed.code, parsed.reason);
          continue;
        }
        const n = parsed.n;
        const unit = roll.get(u.unitId);
        if (!unit) {
          bad('unknown_unit', `đơn vị ${u.unitId} không có trong danh sách đánh giá năm ${meta.year} (chưa đăng ký, đã giải thể hoặc đã sáp nhập)`);
          continue;
        }
        if (unit.kind !== layout.kind) {
          bad('wrong_kind', `đơn vị ${u.unitId} là ${KIND_LABEL[unit.kind]}, không phải ${KIND_LABEL[layout.kind]}`);
          continue;
        }
        const spec = rb.groupOfKind[unit.kind]?.criteria.find((x) => x.id === c.criterionId);
        if (!spec || spec.source.type !== 'assessed') {
          bad('unknown_criterion', `tiêu chí ${c.criterionId} không phải tiêu chí chấm điểm của ${KIND_LABEL[unit.kind]}`);
          continue;
        }
        const max = spec.maxH / 100;
        if (n < 0) bad('negative', `điểm ${numText(n)} là số âm; điểm phải từ 0 đến ${numText(max)}`);
        else if (!hasAtMostTwoDecimals(n)) bad('too_many_decimals', `điểm ${numText(n)} có quá 2 chữ số thập phân`);
        else if (Math.round(n * 100) > spec.maxH) bad('above_max', `điểm ${numText(n)} vượt quá điểm tối đa ${numText(max)} của tiêu chí ${c.criterionId}`);
        else {
          const envelope = {
            type: 'CriterionAssessed' as const,
            schemaVersion: 1 as const,
            source: opts.source,
            occurredAt,
            data: { unitId: u.unitId, year: meta.year, criterionId: c.criterionId, points: n, role: opts.role, assessorId: opts.assessorId },
          };
          const checked = parseEnvelope({ id: '00000000-0000-8000-8000-000000000000', ...envelope });
          if (E.isLeft(checked)) {
            bad('invalid_event', checked.left.message);
            continue;
          }
          const denied = opts.authorize?.(checked.right);
          if (denied) {
            bad('out_of_scope', denied);
            continue;
          }
          const sc: SheetCell = { sheet: layout.name, cell, unitId: u.unitId, criterionId: c.criterionId, points: n };
          valid.push(sc);
          envelopes.set(sc, envelope);
        }
      }
    }
    // Anything typed below the template's rows (the sheet was unprotected) is reported, not lost.
    for (let row = lastRow + 1; row <= ws.rowCount; row++)
      for (const c of layout.columns) {
        const v = cellNumber(ws.getCell(row, c.col).value);
        if (v.kind !== 'blank')
          problems.push(problem(layout.name, address(row, c.col), 'outside_template', 'ô nằm ngoài vùng nhập điểm của mẫu phiếu (không có đơn vị ở dòng này)', { value: v.text }));
      }
  }

  let prior: ReadonlyMap<string, PriorAssessment> = new Map();
  if (opts.history && valid.length) {
    const h = await opts.history({ year: meta.year, unitIds: valid.map((v) => v.unitId), assessorId: opts.assessorId, role: opts.role });
    if (E.isLeft(h)) return h;
    prior = h.right;
  }
  const events: SheetEvent[] = [];
  const unchanged: SheetCell[] = [];
  for (const sc of valid) {
    const p = prior.get(priorKey(sc.unitId, sc.criterionId));
    const h = Math.round(sc.points * 100);
    if (p && !p.retracted && p.pointsH === h) {
      unchanged.push(sc);
      continue;
    }
    const body = envelopes.get(sc)!;
    const supersedes = p?.id ?? null;
    const id = uuidOf({ ns: SHEET_FORMAT, source: body.source, occurredAt: body.occurredAt, data: body.data, supersedes });
    events.push({ ...sc, event: { id, ...body } as Envelope, supersedes });
  }
  return E.right({ meta, events, unchanged, blank, problems });
}

/** The file's last-modified time (what Excel or LibreOffice wrote when saving), else the template's. */
function fileTime(wb: ExcelJS.Workbook, meta: TemplateMeta): string {
  const t = wb.modified instanceof Date ? wb.modified.getTime() : NaN;
  const floor = Date.parse(meta.generatedAt);
  return Number.isFinite(t) && t >= floor ? localIso(new Date(t)) : meta.generatedAt;
}

type Parsed =
  | { kind: 'blank' }
  | { kind: 'number'; n: number; text: string }
  | { kind: 'bad'; code: 'not_a_number' | 'formula_without_value'; reason: string; text: string };

/** Text of a cell whatever its type (rich text, hyperlinks and formulas included). */
export function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('result' in v && v.result !== undefined) return cellText(v.result as ExcelJS.CellValue);
    if ('error' in v) return String(v.error);
  }
  return '';
}

/** A number typed in a cell. Text such as "12,5" or "12.5" is read as a number too. */
export function cellNumber(v: ExcelJS.CellValue): Parsed {
  if (v === null || v === undefined) return { kind: 'blank' };
  if (typeof v === 'number') return Number.isFinite(v) ? { kind: 'number', n: v, text: numText(v) } : { kind: 'bad', code: 'not_a_number', reason: 'giá trị không phải là số', text: String(v) };
  if (typeof v === 'object' && !(v instanceof Date) && ('formula' in v || 'sharedFormula' in v)) {
    const r = (v as { result?: unknown }).result;
    if (typeof r === 'number') return cellNumber(r);
    return { kind: 'bad', code: 'formula_without_value', reason: 'ô chứa công thức chưa có giá trị tính sẵn; hãy nhập số điểm', text: `=${(v as { formula?: string }).formula ?? ''}` };
  }
  const text = cellText(v).trim();
  if (text === '') return { kind: 'blank' };
  if (/^-?\d+([.,]\d+)?$/.test(text)) {
    const n = Number(text.replace(',', '.'));
    return { kind: 'number', n, text };
  }
  return { kind: 'bad', code: 'not_a_number', reason: `“${text}” không phải là số điểm`, text };
}

function readMeta(wb: ExcelJS.Workbook): E.Either<SheetProblem[], TemplateMeta> {
  const ws = wb.getWorksheet(META_SHEET);
  const notTemplate = (why: string) =>
    E.left([problem(ws ? META_SHEET : '', ws ? META_CELL.format : '', 'not_a_template', `tệp không phải mẫu phiếu chấm điểm do dvk lập (${why}); hãy dùng \`dvk sheet template\``)]);
  if (!ws) return notTemplate('thiếu trang tính ẩn _dvk');
  const v = (cell: string) => cellText(ws.getCell(cell).value).trim();
  if (v(META_CELL.format) !== SHEET_FORMAT) return notTemplate(`định dạng “${v(META_CELL.format)}”`);
  const year = Number(v(META_CELL.year));
  const version = Number(v(META_CELL.rulebookVersion));
  const altered = (cell: string, why: string) => E.left([problem(META_SHEET, cell, 'template_altered', `thông tin kiểm tra của mẫu phiếu đã bị sửa (${why})`)]);
  if (!Number.isInteger(year)) return altered(META_CELL.year, 'năm');
  if (!Number.isInteger(version)) return altered(META_CELL.rulebookVersion, 'phiên bản bộ tiêu chí');
  const sheets = new Map<string, SheetLayout>();
  for (let row = META_TABLE_FIRST_ROW; row <= ws.rowCount; row++) {
    const [name, kind, what, index, id] = [1, 2, 3, 4, 5].map((c) => cellText(ws.getCell(row, c).value).trim()) as [string, string, string, string, string];
    if (!name && !kind && !what) continue;
    const at = Number(index);
    if (!(UNIT_KINDS as readonly string[]).includes(kind) || !Number.isInteger(at) || at < 1 || !id || (what !== 'unit' && what !== 'column'))
      return altered(`A${row}`, `dòng ${row}`);
    let s = sheets.get(name);
    if (!s) sheets.set(name, (s = { name, kind: kind as UnitKind, columns: [], units: [] }));
    if (s.kind !== kind) return altered(`B${row}`, `dòng ${row}`);
    if (what === 'column') s.columns.push({ col: at, criterionId: id });
    else s.units.push({ row: at, unitId: id });
  }
  const base = {
    format: SHEET_FORMAT,
    year,
    rulebook: { id: v(META_CELL.rulebookId), version, hash: v(META_CELL.rulebookHash) },
    generatedAt: v(META_CELL.generatedAt),
    sheets: [...sheets.values()],
  };
  const digest = v(META_CELL.digest);
  if (sheets.size === 0 || [...sheets.values()].some((s) => s.units.length === 0 || s.columns.length === 0)) return altered(`A${META_TABLE_FIRST_ROW}`, 'bảng bố cục');
  if (metaDigest(base) !== digest) return altered(META_CELL.digest, 'mã kiểm tra không khớp');
  return E.right({ ...base, digest });
}

import ExcelJS from 'exceljs';
import { RANK_LISTS, type Kpi, type LogDigest, type RankList, type UnitResult, type YearReport } from '@dvk/contracts';
import type { Rulebook } from '@dvk/scoring';
import { curly, kpiResultText, targetWords } from './wording.js';
import { KIND_LABEL, LIST_SHEET, LIST_TITLE, NOT_RATED, TIER_LABEL, TITLE_LABEL, VETO_SHORT } from './labels.js';

/**
 * Exports of a year's results: every unit's criteria, total, tier, titles, vetoes and rank, one
 * sheet (XLSX) or file (CSV) per rank list, and the KPIs. The XLSX is for people (Vietnamese
 * headers and labels, numbers as numbers); the CSV is for other systems (RFC 4180, UTF-8 with a
 * byte-order mark so spreadsheet programs read the diacritics, CRLF, comma separator, decimal
 * point, English column names and codes: `good`, `dan_van_kheo;tieu_bieu`).
 */

export type ExportFormat = 'xlsx' | 'csv';

export interface ExportFile {
  /** What the file holds: `xlsx`, or `kpis` / a rank list for CSV. */
  part: 'xlsx' | 'kpis' | RankList;
  /** A suggested file name suffix: `xlsx`, `kpis.csv`, `dvk_candidates.csv`. */
  suffix: string;
  mediaType: string;
  body: Buffer;
}

export interface ExportOptions {
  /** The rulebook of the report (criteria names and maxima, targets). */
  rulebook: Rulebook;
  logDigest?: LogDigest;
  reportDigest?: string;
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv; charset=utf-8';

const listsOf = (r: YearReport): RankList[] => RANK_LISTS.filter((l) => r.units.some((u) => u.list === l));
const byRank = (a: UnitResult, b: UnitResult) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0);
const criteriaOf = (rb: Rulebook, list: RankList) => rb.lists.find((l) => l.id === list)?.group.criteria ?? [];

export async function exportYear(report: YearReport, format: ExportFormat, o: ExportOptions): Promise<ExportFile[]> {
  if (format === 'csv') {
    const files: ExportFile[] = [{ part: 'kpis', suffix: 'kpis.csv', mediaType: CSV_TYPE, body: csv(kpiTable(report)) }];
    for (const list of listsOf(report)) files.push({ part: list, suffix: `${list}.csv`, mediaType: CSV_TYPE, body: csv(listTable(report, list, o.rulebook)) });
    return files;
  }
  return [{ part: 'xlsx', suffix: 'xlsx', mediaType: XLSX_TYPE, body: await xlsx(report, o) }];
}

// ---------------------------------------------------------------------------------------------
// CSV

type Cell = string | number | boolean | null;

export function kpiTable(r: YearReport): Cell[][] {
  const rows: Cell[][] = [['year', 'kpi', 'label', 'numerator', 'denominator', 'percent', 'count', 'target', 'met']];
  for (const [id, k] of Object.entries(r.kpis))
    rows.push([
      r.year,
      id,
      k.label,
      'numerator' in k ? k.numerator : null,
      'denominator' in k ? k.denominator : null,
      'percent' in k ? k.percent : null,
      'count' in k ? k.count : null,
      k.target,
      k.met,
    ]);
  return rows;
}

export function listTable(r: YearReport, list: RankList, rb: Rulebook): Cell[][] {
  const crit = criteriaOf(rb, list).map((c) => c.id);
  const rows: Cell[][] = [['year', 'list', 'rank', 'unitId', 'name', 'kind', ...crit, 'bonus', 'total', 'complete', 'missing', 'tier', 'titles', 'vetoes']];
  for (const u of r.units.filter((x) => x.list === list).sort(byRank))
    rows.push([
      r.year,
      list,
      u.rank,
      u.unitId,
      u.name,
      u.kind,
      ...crit.map((c) => u.criteria[c] ?? null),
      u.bonus,
      u.total,
      u.complete,
      u.missing.join(';'),
      u.tier,
      u.titles.join(';'),
      u.vetoes.join(';'),
    ]);
  return rows;
}

function csvField(v: Cell): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? v.normalize('NFC') : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csv(rows: readonly (readonly Cell[])[]): Buffer {
  return Buffer.from('\uFEFF' + rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n', 'utf8');
}

// ---------------------------------------------------------------------------------------------
// XLSX

const FONT = 'Times New Roman';
const GREY: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
const THIN: Partial<ExcelJS.Borders> = { top: { style: 'thin' }, left: { style: 'thin' }, bottom: { style: 'thin' }, right: { style: 'thin' } };

function styleHeader(row: ExcelJS.Row, cols: number): void {
  row.height = 48;
  for (let c = 1; c <= cols; c++) {
    const cell = row.getCell(c);
    cell.font = { name: FONT, bold: true };
    cell.fill = GREY;
    cell.border = THIN;
    cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  }
}

function titleRows(ws: ExcelJS.Worksheet, cols: number, lines: [string, Partial<ExcelJS.Font>][]): void {
  lines.forEach(([t, f], i) => {
    ws.mergeCells(i + 1, 1, i + 1, cols);
    const c = ws.getCell(i + 1, 1);
    c.value = t;
    c.font = { name: FONT, ...f };
    c.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
  });
}

const kpiVerdict = (k: Kpi) => (k.met === true ? 'Đạt' : k.met === false ? 'Chưa đạt' : 'Theo dõi');

async function xlsx(r: YearReport, o: ExportOptions): Promise<Buffer> {
  const rb = o.rulebook;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'dvk';
  wb.title = `Kết quả đánh giá, xếp loại công tác dân vận năm ${r.year}`;
  // Reproducible bytes: the workbook's dates are the end of the year, not the clock.
  wb.created = wb.modified = new Date(Date.UTC(r.year, 11, 31, 17, 0, 0));

  const k = wb.addWorksheet('Chỉ tiêu', { views: [{ state: 'frozen', ySplit: 3 }] });
  const kCols = ['Mã', 'Chỉ tiêu', 'Kết quả', 'Tử số', 'Mẫu số', 'Tỷ lệ (%)', 'Số lượng', 'Kế hoạch', 'Đánh giá'];
  titleRows(k, kCols.length, [[`CÁC CHỈ TIÊU CÔNG TÁC DÂN VẬN NĂM ${r.year} SO VỚI KẾ HOẠCH`, { bold: true, size: 13 }], [`Bộ tiêu chí ${r.rulebook.id} phiên bản ${r.rulebook.version}`, { italic: true }]]);
  const kh = k.getRow(3);
  kh.values = kCols;
  styleHeader(kh, kCols.length);
  [8, 58, 18, 10, 10, 10, 10, 18, 12].forEach((w, i) => (k.getColumn(i + 1).width = w));
  const specs = new Map(rb.file.kpis.map((s) => [s.id, s]));
  for (const [id, v] of Object.entries(r.kpis)) {
    const s = specs.get(id);
    const row = k.addRow([
      id,
      curly(v.label),
      kpiResultText(v),
      'numerator' in v ? v.numerator : null,
      'denominator' in v ? v.denominator : null,
      'percent' in v && v.percent !== null ? Number(v.percent) : null,
      'count' in v ? v.count : null,
      s ? targetWords(s.target, s.type === 'share') : v.target,
      kpiVerdict(v),
    ]);
    row.eachCell({ includeEmpty: true }, (c) => ((c.border = THIN), (c.font = { name: FONT }), (c.alignment = { vertical: 'top', wrapText: true })));
    row.getCell(6).numFmt = '0.0';
  }

  for (const list of listsOf(r)) {
    const crit = criteriaOf(rb, list);
    const tiers = rb.lists.find((l) => l.id === list)?.group.tiers !== null;
    const cols = [
      'Hạng',
      'Mã đơn vị',
      'Tên đơn vị',
      'Loại hình',
      ...crit.map((c) => `${c.id}. ${curly(c.name.vi)} (tối đa ${String(c.maxH / 100).replace('.', ',')})`),
      'Điểm thưởng',
      'Tổng điểm',
      'Xếp loại',
      'Danh hiệu',
      'Vi phạm',
      'Ghi chú',
    ];
    const ws = wb.addWorksheet(LIST_SHEET[list], {
      views: [{ state: 'frozen', xSplit: 3, ySplit: 3 }],
      pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    });
    titleRows(ws, cols.length, [[`KẾT QUẢ CHẤM ĐIỂM, XẾP HẠNG NĂM ${r.year}: ${LIST_TITLE[list].toLocaleUpperCase('vi')}`, { bold: true, size: 13 }], [`Bộ tiêu chí ${r.rulebook.id} phiên bản ${r.rulebook.version}`, { italic: true }]]);
    const h = ws.getRow(3);
    h.values = cols;
    styleHeader(h, cols.length);
    ws.getColumn(1).width = 7;
    ws.getColumn(2).width = 18;
    ws.getColumn(3).width = 36;
    ws.getColumn(4).width = 18;
    crit.forEach((_, i) => (ws.getColumn(5 + i).width = 14));
    const after = 5 + crit.length;
    [10, 10, 16, 22, 16, 24].forEach((w, i) => (ws.getColumn(after + i).width = w));
    for (const u of r.units.filter((x) => x.list === list).sort(byRank)) {
      const row = ws.addRow([
        u.rank,
        u.unitId,
        u.name,
        KIND_LABEL[u.kind],
        ...crit.map((c) => u.criteria[c.id] ?? null),
        u.bonus,
        u.total,
        !u.complete ? NOT_RATED : tiers && u.tier ? TIER_LABEL[u.tier] : '',
        u.titles.includes('tieu_bieu') ? TITLE_LABEL.tieu_bieu : u.titles.includes('dan_van_kheo') ? TITLE_LABEL.dan_van_kheo : '',
        u.vetoes.map((v) => VETO_SHORT[v]).join(', '),
        u.complete ? '' : `Thiếu điểm: ${u.missing.join(', ')}`,
      ]);
      row.eachCell({ includeEmpty: true }, (c) => ((c.border = THIN), (c.font = { name: FONT })));
      for (let c = 5; c < after + 2; c++) row.getCell(c).numFmt = '0.00';
    }
  }

  const info = wb.addWorksheet('Thông tin');
  info.getColumn(1).width = 30;
  info.getColumn(2).width = 80;
  const facts: [string, string | number][] = [
    ['Năm', r.year],
    ['Bộ tiêu chí', `${r.rulebook.id} phiên bản ${r.rulebook.version}`],
    ['Mã bộ tiêu chí (rulebook hash)', r.rulebook.hash],
  ];
  if (o.reportDigest) facts.push(['Mã báo cáo (report digest)', o.reportDigest]);
  if (o.logDigest)
    facts.push(
      ['Nhật ký đến vị trí', o.logDigest.position],
      ['Số sự kiện', o.logDigest.events],
      ['Log digest (root)', o.logDigest.root],
      ['Thứ tự nhật ký (order)', o.logDigest.order],
    );
  for (const f of facts) info.addRow(f).eachCell((c) => (c.font = { name: FONT }));

  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}

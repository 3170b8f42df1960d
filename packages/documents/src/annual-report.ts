import * as E from 'fp-ts/lib/Either.js';
import type { Kpi, LogDigest, RankList, Tier, UnitResult, YearReport } from '@dvk/contracts';
import type { KpiTarget, Rulebook } from '@dvk/scoring';
import { vietnameseDateLine, type DocumentOptions } from './document-options.js';
import { curly, kpiResultText, targetWords } from './wording.js';
import { KIND_IN_TEXT, KIND_LABEL, LIST_TITLE, NOT_RATED, TIER_LABEL, TITLE_LABEL, VETO_LABEL, VETO_SHORT, vn, vnPercent } from './labels.js';
import { MM, addPage, contentWidth, ensureSpace, finish, heading, left, measureTable, newDocument, para, table, type Column, type Doc, type TableOptions } from './pdf-layout.js';

/**
 * The annual report, "Báo cáo kết quả đánh giá, xếp loại công tác dân vận năm Y", laid out as a
 * Party document after the district plan in the seed: issuing body and number on the left, the
 * national party line and an italic place-and-date line on the right, a bold centred title,
 * numbered sections (the KPIs against the plan's targets, the tiers of every list, the units
 * awarded "Dân vận khéo" and "tiêu biểu", the units not rated and why), "Nơi nhận" bottom left
 * and the "T/M BAN THƯỜNG VỤ" signature block bottom right, then an appendix with every unit's
 * scores. Every page carries the log digest and the rulebook hash in its footer.
 *
 * The same data and options give the same bytes: the PDF's dates are the document's date.
 */

export interface AnnualReportData {
  report: YearReport;
  /** The rulebook the report was computed under (labels, targets, caps). */
  rulebook: Rulebook;
  /** The log digest at the position the year's figures were computed at. */
  logDigest: LogDigest;
  /** `sha256:` of the canonical JSON of the report (the read model's `report_digest`). */
  reportDigest: string;
  /** Whether the year was closed (YearClosed) by that position; if not, the figures are provisional. */
  closed: boolean;
}

export interface RulebookMismatch {
  readonly _tag: 'RulebookMismatch';
  readonly message: string;
}

export function checkReportData(d: AnnualReportData): E.Either<RulebookMismatch, AnnualReportData> {
  return d.rulebook.ref.hash === d.report.rulebook.hash
    ? E.right(d)
    : E.left({
        _tag: 'RulebookMismatch',
        message: `the report of ${d.report.year} was computed under ${d.report.rulebook.id} v${d.report.rulebook.version} (${d.report.rulebook.hash}), not under ${d.rulebook.ref.id} v${d.rulebook.ref.version}`,
      });
}

export const reportTitle = (year: number) => `Kết quả đánh giá, xếp loại công tác dân vận năm ${year}`;
const BLANK = '……';
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII'];

function kpiVerdict(k: Kpi): string {
  if (k.met === true) return 'Đạt';
  if (k.met === false) return 'Chưa đạt';
  return 'percent' in k && k.percent === null ? 'Không có đơn vị' : 'Theo dõi';
}

const unitsOf = (r: YearReport, list: RankList) => r.units.filter((u) => u.list === list);
const byRank = (a: UnitResult, b: UnitResult) => (a.rank ?? Infinity) - (b.rank ?? Infinity);
const pct = (n: number, d: number) => (d === 0 ? '—' : vnPercent(((Math.floor((2000 * n + d) / (2 * d)) / 10).toFixed(1))) + '%');
const titleText = (u: UnitResult) => (u.titles.includes('tieu_bieu') ? TITLE_LABEL.tieu_bieu : u.titles.includes('dan_van_kheo') ? TITLE_LABEL.dan_van_kheo : '');

function criterionName(rb: Rulebook, id: string): string {
  return curly(rb.criterion[id]?.spec.name.vi ?? id);
}

export async function renderAnnualReport(data: AnnualReportData, o: DocumentOptions): Promise<Buffer> {
  const { report: r, rulebook: rb, logDigest: ld } = data;
  const year = r.year;
  const date = o.date ? new Date(`${o.date}T08:00:00+07:00`) : new Date(`${year + 1}-01-01T00:00:00+07:00`);
  const doc = newDocument({
    Title: `Báo cáo kết quả đánh giá, xếp loại công tác dân vận năm ${year}`,
    Author: o.issuer ?? 'dvk',
    Subject: `Log digest ${ld.root} (position ${ld.position}); rulebook ${rb.ref.id} v${rb.ref.version} ${rb.ref.hash}`,
    Keywords: `dân vận; ${year}; ${ld.root}; ${rb.ref.hash}`,
    Creator: 'dvk',
    Producer: 'dvk (PDFKit)',
    CreationDate: date,
    ModDate: date,
  });

  header(doc, o);
  title(doc, year);
  body(doc, data, o);
  signature(doc, o);
  if (o.appendix) appendix(doc, data, o);
  decorate(doc, data, o);
  return finish(doc);
}

function header(doc: Doc, o: DocumentOptions): void {
  const x0 = left(doc);
  const W = contentWidth(doc);
  const lw = W * 0.46;
  const rx = x0 + W * 0.4;
  const rw = W * 0.6;
  let y = doc.page.margins.top;
  if (o.draft) {
    doc.font('B').fontSize(10);
    const t = 'DỰ THẢO';
    const tw = doc.widthOfString(t);
    doc.lineWidth(0.8).rect(x0, y - 4, tw + 12, 17).stroke();
    doc.text(t, x0 + 6, y, { lineBreak: false });
    y += 22;
  }
  const lines: [string, 'R' | 'B'][] = [];
  if (o.parentBody) lines.push([o.parentBody.toLocaleUpperCase('vi'), 'R']);
  lines.push([(o.issuer ?? BLANK).toLocaleUpperCase('vi'), 'B']);
  lines.push(['*', 'R']);
  const num = o.number ? (/^số\s/i.test(o.number) ? o.number : `Số ${o.number}`) : `Số ${BLANK}`;
  lines.push([num, 'R']);
  let ly = y;
  for (const [t, f] of lines) {
    doc.font(f).fontSize(12);
    doc.text(t, x0, ly, { width: lw, align: 'center' });
    ly = doc.y + 1;
  }
  const numberY = ly - doc.currentLineHeight(true) - 1;
  // The right column: the party line, underlined, and the date line level with the number.
  doc.font('B').fontSize(13);
  const party = 'ĐẢNG CỘNG SẢN VIỆT NAM';
  doc.text(party, rx, y, { width: rw, align: 'center' });
  const pw = doc.widthOfString(party);
  const lineY = doc.y + 1;
  doc.lineWidth(0.8).moveTo(rx + (rw - pw) / 2, lineY).lineTo(rx + (rw + pw) / 2, lineY).stroke();
  doc.font('I').fontSize(12).text(vietnameseDateLine(o.place, o.date), rx, Math.max(numberY, lineY + 6), { width: rw, align: 'center' });
  doc.x = x0;
  doc.y = Math.max(ly, doc.y) + 18;
}

function title(doc: Doc, year: number): void {
  para(doc, 'BÁO CÁO', { face: 'B', size: 15, align: 'center', gapAfter: 0 });
  para(doc, reportTitle(year), { face: 'B', size: 13, align: 'center', gapAfter: 0 });
  para(doc, '-----', { size: 12, align: 'center', gapAfter: 10 });
}

const INDENT = 10 * MM;
const P = (doc: Doc, text: string) => para(doc, text, { indent: INDENT, gapAfter: 5 });
const H1 = (doc: Doc, n: number, text: string) => heading(doc, `${ROMAN[n] ?? n + 1}- ${text}`, { indent: INDENT, keep: 80 });
const H2 = (doc: Doc, n: number, text: string, keep = 70) => heading(doc, `${n}- ${text}`, { indent: INDENT, keep });
/** How much of a table to keep with what introduces it: all of it when short, else its first rows. */
const keepFor = (doc: Doc, cols: readonly Column[], rows: readonly (readonly string[])[], o: TableOptions = {}) =>
  Math.min(measureTable(doc, cols, rows, o), (doc.page.height - doc.page.margins.top - doc.page.margins.bottom) / 2);
/** A paragraph that introduces a table stays on its page. */
function lead(doc: Doc, text: string, keep: number): void {
  doc.font('R').fontSize(12);
  ensureSpace(doc, doc.heightOfString(text, { width: contentWidth(doc), indent: INDENT, lineGap: 2 }) + 5 + keep);
  P(doc, text);
}

function body(doc: Doc, d: AnnualReportData, o: DocumentOptions): void {
  const { report: r, rulebook: rb } = d;
  const year = r.year;
  const candidates = unitsOf(r, 'dvk_candidates');
  const rated = r.units.filter((u) => u.complete).length;
  const kindCounts = Object.entries(KIND_IN_TEXT)
    .map(([k, label]) => [label, r.units.filter((u) => u.kind === k).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${vn(n)} ${label}`);

  P(
    doc,
    o.preamble ??
      `Căn cứ ${curly(rb.texts.title.vi)} (mã ${rb.ref.id}, phiên bản ${rb.ref.version}) và kết quả chấm điểm, tổng hợp các tiêu chí đánh giá năm ${year}, ` +
        `báo cáo kết quả đánh giá, xếp loại công tác dân vận năm ${year} như sau:`,
  );
  P(
    doc,
    `Năm ${year} có ${vn(r.units.length)} đơn vị thuộc diện chấm điểm, xếp loại (${kindCounts.join('; ')}); ` +
      `trong đó ${vn(rated)} đơn vị có đủ điểm các tiêu chí và được xếp loại, ${vn(r.units.length - rated)} đơn vị chưa được đánh giá.` +
      (d.closed ? '' : ` Năm ${year} chưa khóa sổ: số liệu trong báo cáo là số liệu tạm thời.`),
  );

  // I. KPIs against the plan's targets.
  H1(doc, 0, 'KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU THEO KẾ HOẠCH');
  const specs = new Map(rb.file.kpis.map((k) => [k.id, k]));
  const kpiRows = Object.entries(r.kpis).map(([id, k]) => {
    const spec = specs.get(id);
    return [id, curly(k.label), kpiResultText(k), spec ? targetWords(spec.target, spec.type === 'share') : k.target, kpiVerdict(k)];
  });
  const kpiCols: Column[] = [
    { header: 'Mã', width: 28, align: 'center' },
    { header: 'Chỉ tiêu', flex: true },
    { header: 'Kết quả năm ' + year, width: 92, align: 'center' },
    { header: 'Kế hoạch', width: 82, align: 'center' },
    { header: 'Đánh giá', width: 62, align: 'center' },
  ];
  table(doc, kpiCols, kpiRows, { size: 10 });
  const judged = Object.values(r.kpis).filter((k) => k.met !== null);
  const met = judged.filter((k) => k.met);
  const notMet = Object.entries(r.kpis).filter(([, k]) => k.met === false).map(([id]) => id);
  P(doc, `Đạt ${vn(met.length)}/${vn(judged.length)} chỉ tiêu có mục tiêu định lượng` + (notMet.length ? `; chưa đạt: ${notMet.join(', ')}.` : '.'));

  // II. Tiers of every list.
  H1(doc, 1, 'KẾT QUẢ XẾP LOẠI THEO TỪNG NHÓM ĐƠN VỊ');
  rb.lists.forEach((list, i) => {
    const units = unitsOf(r, list.id);
    if (units.length === 0) return;
    const n = units.length;
    const rows: string[][] = [];
    if (list.group.tiers) {
      const levels = list.group.tiers.levels;
      levels.forEach((l, k) => {
        const c = units.filter((u) => u.tier === l.id).length;
        const upper = levels[k - 1]?.minH;
        const range =
          upper === undefined ? `Từ ${vn(l.minH / 100)} điểm trở lên` : l.minH === 0 ? `Dưới ${vn(upper / 100)} điểm` : `Từ ${vn(l.minH / 100)} đến dưới ${vn(upper / 100)} điểm`;
        rows.push([TIER_LABEL[l.id as Tier] ?? l.label.vi, range, vn(c), pct(c, n)]);
      });
    } else {
      const tb = units.filter((u) => u.titles.includes('tieu_bieu')).length;
      const dvk = units.filter((u) => u.titles.includes('dan_van_kheo')).length;
      const none = units.filter((u) => u.complete && u.titles.length === 0).length;
      const t = rb.file.titles;
      rows.push([`Đạt “${TITLE_LABEL.dan_van_kheo}”`, `Từ ${vn(t.danVanKheo.minTotal)} điểm, không vi phạm, trong ${t.danVanKheo.capPercentOfRoll}% số đơn vị`, vn(dvk), pct(dvk, n)]);
      rows.push([`Trong đó: “${TITLE_LABEL.tieu_bieu}”`, `Từ ${vn(t.tieuBieu.minTotal)} điểm, tối đa ${t.tieuBieu.maxCount} đơn vị`, vn(tb), pct(tb, n)]);
      rows.push(['Không đạt danh hiệu', '', vn(none), pct(none, n)]);
    }
    const unrated = units.filter((u) => !u.complete).length;
    rows.push([NOT_RATED, 'Thiếu điểm tiêu chí', vn(unrated), pct(unrated, n)]);
    rows.push(['Tổng số', '', vn(n), '100%']);
    const cols: Column[] = [
      { header: 'Xếp loại', width: 150 },
      { header: 'Mức điểm, điều kiện', flex: true },
      { header: 'Số đơn vị', width: 60, align: 'center' },
      { header: 'Tỷ lệ', width: 60, align: 'center' },
    ];
    const opts = { boldRows: new Set([rows.length - 1]) };
    H2(doc, i + 1, LIST_TITLE[list.id] ?? curly(list.label.vi), keepFor(doc, cols, rows, opts));
    table(doc, cols, rows, opts);
  });

  // III. The units awarded "Dân vận khéo" and "tiêu biểu", and those that were eligible but not awarded.
  H1(doc, 2, 'ĐƠN VỊ ĐẠT DANH HIỆU “DÂN VẬN KHÉO”');
  const t = rb.file.titles;
  const awarded = candidates.filter((u) => u.titles.includes('dan_van_kheo')).sort(byRank);
  const tb = awarded.filter((u) => u.titles.includes('tieu_bieu'));
  const cap = Math.floor((t.danVanKheo.capPercentOfRoll * candidates.length) / 100);
  const awardedCols: Column[] = [
    { header: 'TT', width: 26, align: 'center' },
    { header: 'Tên đơn vị', flex: true },
    { header: 'Tổng điểm', width: 64, align: 'center' },
    { header: 'Xếp hạng', width: 62, align: 'center' },
    { header: 'Danh hiệu', width: 130 },
  ];
  const awardedRows = awarded.map((u, i) => [String(i + 1), u.name, vn(u.total, 2), String(u.rank ?? ''), titleText(u)]);
  if (awarded.length === 0) P(doc, `Năm ${year} không có đơn vị nào đạt danh hiệu “${TITLE_LABEL.dan_van_kheo}”.`);
  else {
    lead(
      doc,
      `Có ${vn(awarded.length)}/${vn(candidates.length)} đảng bộ xã, thị trấn và cơ quan, đơn vị đạt danh hiệu “${TITLE_LABEL.dan_van_kheo}” ` +
        `(${pct(awarded.length, candidates.length)}; số đơn vị được công nhận không quá ${t.danVanKheo.capPercentOfRoll}% = ${vn(cap)} đơn vị), ` +
        `trong đó ${vn(tb.length)} đơn vị đạt danh hiệu “${TITLE_LABEL.tieu_bieu}”:`,
      keepFor(doc, awardedCols, awardedRows),
    );
    table(doc, awardedCols, awardedRows);
  }
  const minTotal = t.danVanKheo.minTotal;
  const missed = candidates.filter((u) => u.complete && u.total >= minTotal && !u.titles.includes('dan_van_kheo')).sort(byRank);
  if (missed.length) {
    const cols: Column[] = [
      { header: 'TT', width: 26, align: 'center' },
      { header: 'Tên đơn vị', flex: true },
      { header: 'Tổng điểm', width: 64, align: 'center' },
      { header: 'Lý do', width: 180 },
    ];
    const rows = missed.map((u, i) => [
        String(i + 1),
        u.name,
        vn(u.total, 2),
      u.vetoes.length ? `Vi phạm: ${u.vetoes.map((v) => VETO_LABEL[v]).join('; ')}` : `Xếp hạng ${u.rank}, ngoài giới hạn ${vn(cap)} đơn vị (${t.danVanKheo.capPercentOfRoll}%)`,
    ]);
    lead(doc, `Các đơn vị đạt từ ${vn(minTotal)} điểm trở lên nhưng không được công nhận danh hiệu:`, keepFor(doc, cols, rows));
    table(doc, cols, rows);
  }

  // IV. Units not rated, and why; units whose tier or title a veto held back.
  H1(doc, 3, 'ĐƠN VỊ CHƯA ĐƯỢC ĐÁNH GIÁ, XẾP LOẠI VÀ ĐƠN VỊ VI PHẠM');
  const unrated = r.units.filter((u) => !u.complete);
  const unratedCols: Column[] = [
    { header: 'TT', width: 26, align: 'center' },
    { header: 'Tên đơn vị', width: 150 },
    { header: 'Loại hình', width: 90 },
    { header: 'Lý do', flex: true },
  ];
  const unratedRows = unrated.map((u, i) => [String(i + 1), u.name, KIND_LABEL[u.kind], `Chưa có điểm chính thức tiêu chí ${u.missing.map((c) => `${c} (${criterionName(rb, c)})`).join('; ')}`]);
  H2(doc, 1, 'Đơn vị chưa được đánh giá, xếp loại', unrated.length ? keepFor(doc, unratedCols, unratedRows) : 30);
  if (unrated.length === 0) P(doc, 'Tất cả các đơn vị đều có đủ điểm các tiêu chí và đã được xếp loại.');
  else table(doc, unratedCols, unratedRows);
  const vetoed = r.units.filter((u) => u.vetoes.length > 0);
  const vetoCols: Column[] = [
    { header: 'TT', width: 26, align: 'center' },
    { header: 'Tên đơn vị', width: 150 },
    { header: 'Vi phạm', width: 110 },
    { header: 'Ảnh hưởng đến kết quả', flex: true },
  ];
  const vetoRows = vetoed.map((u, i) => [
        String(i + 1),
        u.name,
        u.vetoes.map((v) => VETO_SHORT[v]).join(', '),
        u.list === 'dvk_candidates'
          ? `Không xét danh hiệu “${TITLE_LABEL.dan_van_kheo}”${u.complete ? ` (tổng điểm ${vn(u.total, 2)})` : ''}`
          : `Xếp loại không cao hơn “${TIER_LABEL[rb.groupOfKind[u.kind]?.tiers?.vetoCap ?? 'fair']}”${u.tier ? `; xếp loại: ${TIER_LABEL[u.tier]}` : ''}`,
  ]);
  H2(doc, 2, 'Đơn vị có điểm nóng, điểm phức tạp hoặc kỷ luật trong năm', vetoed.length ? keepFor(doc, vetoCols, vetoRows) : 30);
  if (vetoed.length === 0) P(doc, 'Không có đơn vị nào.');
  else table(doc, vetoCols, vetoRows);

  // V. Where the figures come from — kept on one page with the signature block that follows.
  const ld = d.logDigest;
  const headingV = `${ROMAN[4]}- NGUỒN SỐ LIỆU VÀ KIỂM CHỨNG`;
  const textV =
    `Số liệu của báo cáo được hệ thống dvk tính tự động từ nhật ký sự kiện đánh giá, theo bộ tiêu chí ${rb.ref.id} phiên bản ${rb.ref.version}; ` +
    `có thể đối chiếu bằng lệnh “dvk report --year ${year} --json” trên cùng nhật ký. Mã kiểm chứng:`;
  const vCols: Column[] = [{ header: 'Thông tin', width: 116 }, { header: 'Giá trị', flex: true }];
  const vRows = [
    ['Nhật ký sự kiện', `đến vị trí ${vn(ld.position)}: ${vn(ld.events)} sự kiện, ${vn(ld.streams)} luồng`],
    ['Log digest (root)', ld.root],
    ['Thứ tự nhật ký (order)', ld.order],
    ['Bộ tiêu chí', `${rb.ref.id} phiên bản ${rb.ref.version}: ${rb.ref.hash}`],
    ['Báo cáo năm (report digest)', d.reportDigest],
  ];
  const vOpts = { size: 8, pad: 2.5 };
  doc.font('B').fontSize(12);
  let h = doc.heightOfString(headingV, { width: contentWidth(doc) }) + 12;
  doc.font('R').fontSize(12);
  h += doc.heightOfString(textV, { width: contentWidth(doc), indent: INDENT, lineGap: 2 }) + 5;
  ensureSpace(doc, h + measureTable(doc, vCols, vRows, vOpts) + signatureHeight(doc, o));
  heading(doc, headingV, { indent: INDENT, keep: 0 });
  P(doc, textV);
  table(doc, vCols, vRows, vOpts);
}

function signatureHeight(doc: Doc, o: DocumentOptions): number {
  const W = contentWidth(doc);
  doc.font('R').fontSize(11);
  const recH = (o.recipients ?? [BLANK]).reduce((h, t) => h + doc.heightOfString(`- ${t}`, { width: W * 0.45 }), 20);
  return Math.max(recH, 140) + 16;
}

function signature(doc: Doc, o: DocumentOptions): void {
  const x0 = left(doc);
  const W = contentWidth(doc);
  const recipients = o.recipients ?? [BLANK];
  ensureSpace(doc, signatureHeight(doc, o));
  const y0 = doc.y + 6;
  // Left: "Nơi nhận:".
  doc.font('BI').fontSize(12).text('Nơi nhận:', x0, y0, { width: W * 0.45, underline: true });
  doc.font('R').fontSize(11);
  for (const t of recipients) doc.text(/^[-+]/.test(t) ? t : `- ${t}`, x0, doc.y, { width: W * 0.45 });
  const leftEnd = doc.y;
  // Right: on behalf of the standing board, the signer's title, room for the signature and seal, the name.
  const rx = x0 + W * 0.45;
  const rw = W * 0.55;
  doc.font('B').fontSize(13).text(o.onBehalfOf, rx, y0, { width: rw, align: 'center' });
  doc.text(o.signerTitle ?? BLANK, rx, doc.y, { width: rw, align: 'center' });
  doc.text(o.signer ?? BLANK, rx, doc.y + 72, { width: rw, align: 'center' });
  doc.x = x0;
  doc.y = Math.max(leftEnd, doc.y) + 10;
}

function appendix(doc: Doc, d: AnnualReportData, o: DocumentOptions): void {
  const { report: r, rulebook: rb } = d;
  addPage(doc, 'landscape');
  para(doc, 'PHỤ LỤC', { face: 'B', size: 13, align: 'center', gapAfter: 0 });
  para(doc, `Bảng điểm và xếp hạng chi tiết công tác dân vận năm ${r.year}`, { face: 'B', size: 12, align: 'center', gapAfter: 0 });
  const ref = o.number ? (/^số\s/i.test(o.number) ? o.number : `số ${o.number}`) : `số ${BLANK}`;
  const dateText = o.date ? o.date.split('-').reverse().join('/') : BLANK;
  para(doc, `(Kèm theo Báo cáo ${ref}, ngày ${dateText})`, { face: 'I', size: 11, align: 'center', gapAfter: 10 });
  rb.lists.forEach((list, li) => {
    const units = unitsOf(r, list.id).sort(byRank);
    if (units.length === 0) return;
    const crit = list.group.criteria;
    const cols: Column[] = [
      { header: 'Hạng', width: 34, align: 'center' },
      { header: 'Tên đơn vị', flex: true },
      ...crit.map((c): Column => ({ header: `${c.id}\n(${vn(c.maxH / 100)})`, width: 40, align: 'center' })),
      { header: 'Thưởng', width: 42, align: 'center' },
      { header: 'Tổng điểm', width: 46, align: 'center' },
      { header: list.group.tiers ? 'Xếp loại' : 'Danh hiệu', width: 112 },
      { header: 'Ghi chú', width: 80 },
    ];
    const rows = units.map((u) => [
      u.rank === null ? '—' : String(u.rank),
      u.name,
      ...crit.map((c) => {
        const v = u.criteria[c.id];
        return v === null || v === undefined ? '—' : vn(v);
      }),
      u.bonus ? vn(u.bonus) : '',
      vn(u.total, 2),
      !u.complete ? NOT_RATED : list.group.tiers ? (u.tier ? TIER_LABEL[u.tier] : '') : titleText(u),
      [!u.complete ? `thiếu ${u.missing.join(', ')}` : '', ...u.vetoes.map((v) => VETO_SHORT[v])].filter(Boolean).join('; '),
    ]);
    const topts = { size: 8.5, headerSize: 8.5, pad: 2.5 };
    heading(doc, `${li + 1}- ${LIST_TITLE[list.id] ?? curly(list.label.vi)}`, { keep: keepFor(doc, cols, rows, topts), size: 11 });
    table(doc, cols, rows, topts);
    const legend = crit.map((c) => `${c.id}: ${curly(c.name.vi)}`).join('; ') + '. Điểm tối đa ghi trong ngoặc; “—”: chưa có điểm.';
    doc.font('I').fontSize(8);
    ensureSpace(doc, doc.heightOfString(legend, { width: contentWidth(doc) }) + 4);
    para(doc, legend, { face: 'I', size: 8, align: 'left', gapAfter: 10 });
  });
}

/** Page numbers (from page 2, top centre) and the verification footer on every page. */
function decorate(doc: Doc, d: AnnualReportData, o: DocumentOptions): void {
  const range = doc.bufferedPageRange();
  const ld = d.logDigest;
  const rb = d.rulebook.ref;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const margins = { ...doc.page.margins };
    doc.page.margins = { ...margins, top: 0, bottom: 0 };
    const x0 = margins.left;
    const W = doc.page.width - margins.left - margins.right;
    if (i > range.start) doc.font('R').fontSize(11).text(String(i - range.start + 1), x0, 10 * MM, { width: W, align: 'center', lineBreak: false });
    const y = doc.page.height - 19 * MM;
    doc.lineWidth(0.4).moveTo(x0, y - 3).lineTo(x0 + W, y - 3).stroke();
    doc.fillColor('#333333');
    const lines = [
      `Nhật ký đến vị trí ${ld.position} (${ld.events} sự kiện, ${ld.streams} luồng) · log digest ${ld.root}`,
      `Bộ tiêu chí ${rb.id} v${rb.version} · rulebook hash ${rb.hash}`,
      `Thứ tự nhật ký · order ${ld.order} · trang ${i - range.start + 1}/${range.count}${o.draft ? ' · DỰ THẢO' : ''}`,
    ];
    lines.forEach((t, k) => {
      let size = 6.5;
      while (size > 4.5 && doc.font('R').fontSize(size).widthOfString(t) > W) size -= 0.25;
      doc.text(t, x0, y + k * 8.5, { width: W, align: 'left', lineBreak: false });
    });
    doc.fillColor('#000000');
    doc.page.margins = margins;
  }
}

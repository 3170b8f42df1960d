import ExcelJS from 'exceljs';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { defaultRulebook, loadRulebook } from '@dvk/scoring';
import {
  checkReportData,
  exportYear,
  parseDocumentConfig,
  renderAnnualReport,
  resolveDocumentOptions,
  targetWords,
  vietnameseDateLine,
  type DocumentOptions,
} from '../src/index.js';
import { CONFIG, DATA, YEAR, fixtureAssessments, fixtureHistory, reportOf } from './fixture.js';

const rb = defaultRulebook();
const report = reportOf([...fixtureHistory(), ...fixtureAssessments()]);
const { logDigest } = DATA;
const options = (extra: object = {}, draft = false): DocumentOptions => {
  const c = parseDocumentConfig({ ...CONFIG, ...extra });
  if (E.isLeft(c)) throw new Error(c.left.message);
  const o = resolveDocumentOptions([c.right], { draft });
  if (E.isLeft(o)) throw new Error(o.left.message);
  return o.right;
};

describe('document options', () => {
  it('never fills in a missing name or number: it says which are missing', () => {
    const o = resolveDocumentOptions([{ issuer: 'HUYỆN ỦY TÂN YÊN', place: 'Tân Yên' }]);
    expect(E.isLeft(o) && o.left.missing).toEqual(['number', 'date', 'signer', 'signerTitle', 'recipients']);
    const draft = resolveDocumentOptions([{ issuer: 'HUYỆN ỦY TÂN YÊN' }], { draft: true });
    expect(E.isRight(draft) && [draft.right.signer, draft.right.number, draft.right.onBehalfOf]).toEqual([null, null, 'T/M BAN THƯỜNG VỤ']);
  });

  it('lets later layers win, normalises to NFC and refuses unknown fields and bad dates', () => {
    const nfd = 'Tân Yên'.normalize('NFD');
    const c = parseDocumentConfig({ place: nfd });
    expect(E.isRight(c) && c.right.place).toBe('Tân Yên'.normalize('NFC'));
    const o = resolveDocumentOptions([{ ...CONFIG }, { number: '7-BC/HU' }]);
    expect(E.isRight(o) && o.right.number).toBe('7-BC/HU');
    expect(E.isLeft(parseDocumentConfig({ signor: 'x' }))).toBe(true);
    expect(E.isLeft(parseDocumentConfig({ date: '2020-02-30' }))).toBe(true);
  });

  it('writes the date line the administrative way', () => {
    expect(vietnameseDateLine('Tân Yên', '2020-01-05')).toBe('Tân Yên, ngày 05 tháng 01 năm 2020');
    expect(vietnameseDateLine('Tân Yên', '2020-12-15')).toBe('Tân Yên, ngày 15 tháng 12 năm 2020');
    expect(vietnameseDateLine(null, null)).toBe('……, ngày …… tháng …… năm ……');
  });

  it('words the targets of the plan', () => {
    const words = rb.file.kpis.map((k) => targetWords(k.target, k.type === 'share'));
    expect(words).toEqual(['Trên 70%', 'Trên 75%', '100%', 'Từ 25% đến 30%', 'Từ 3 đến 5', '100%', 'Theo dõi', 'Không để phát sinh (0)']);
  });
});

describe('annual report PDF', () => {
  it('is a PDF, and the same data and options give the same bytes', async () => {
    const a = await renderAnnualReport(DATA, options());
    const b = await renderAnnualReport(DATA, options());
    expect(a.subarray(0, 5).toString()).toBe('%PDF-');
    expect(a.equals(b)).toBe(true);
    const other = await renderAnnualReport(DATA, options({ number: '126-BC/HU' }));
    expect(other.equals(a)).toBe(false);
  });

  it('refuses data whose report was computed under another rulebook', () => {
    const v2 = loadRulebook({ ...rb.file, version: 2 });
    if (E.isLeft(v2)) throw new Error(v2.left.message);
    const r = checkReportData({ ...DATA, rulebook: v2.right });
    expect(E.isLeft(r) && r.left._tag).toBe('RulebookMismatch');
  });

  it('renders a draft with blanks', async () => {
    const o = resolveDocumentOptions([{ issuer: 'HUYỆN ỦY TÂN YÊN' }], { draft: true });
    if (E.isLeft(o)) throw new Error(o.left.message);
    const pdf = await renderAnnualReport(DATA, o.right);
    expect(pdf.length).toBeGreaterThan(10_000);
  });
});

describe('exports', () => {
  it('XLSX: the KPIs, one sheet per list with every unit, and the verification facts', async () => {
    const [f] = await exportYear(report, 'xlsx', { rulebook: rb, logDigest, reportDigest: DATA.reportDigest });
    expect(f!.mediaType).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(f!.body as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Chỉ tiêu', 'Đảng bộ, cơ quan', 'Tổ dân vận', 'Khối dân vận', 'MTTQ, đoàn thể', 'Thông tin']);
    const k = wb.getWorksheet('Chỉ tiêu')!;
    expect([4, 5, 6, 7].map((c) => k.getRow(4).getCell(c).value)).toEqual([2, 4, 50, null]); // K1: 2/4, 50.0 %
    const ws = wb.getWorksheet('Đảng bộ, cơ quan')!;
    const rows = ws.getRows(4, ws.rowCount - 3)!.map((r) => r.values as unknown[]);
    expect(rows).toHaveLength(10);
    const top = rows[0]!;
    // [_, rank, id, name, kind, A1..A7, bonus, total, tier, title, vetoes, note]
    expect(top.slice(1, 17)).toEqual([1, 'dbx-cao-xa', 'Đảng bộ xã Cao Xá', 'Đảng bộ xã, thị trấn', 20, 20, 10, 15, 5, 20, 10, 0, 100, '', 'Dân vận khéo tiêu biểu', '']);
    const vetoed = rows.find((r) => r[2] === 'dbx-ngoc-thien')!;
    expect(vetoed[16]).toBe('điểm nóng');
    const unrated = rows.find((r) => r[2] === 'dbtt-cao-thuong')!;
    // No rank, no A7 (empty cells), not rated, and why.
    expect([unrated[1], unrated[11], unrated[14], unrated[17]]).toEqual([undefined, undefined, 'Chưa đánh giá', 'Thiếu điểm: A7']);
    const info = wb.getWorksheet('Thông tin')!;
    const facts = Object.fromEntries(info.getRows(1, info.rowCount)!.map((r) => [r.getCell(1).value, r.getCell(2).value]));
    expect(facts['Mã bộ tiêu chí (rulebook hash)']).toBe(rb.ref.hash);
    expect(facts['Log digest (root)']).toBe(logDigest.root);
  });

  it('CSV: one file per list and one for the KPIs, UTF-8 with BOM, RFC 4180 quoting, codes', async () => {
    const files = await exportYear(report, 'csv', { rulebook: rb });
    expect(files.map((f) => f.suffix)).toEqual(['kpis.csv', 'dvk_candidates.csv', 'mobilization_team.csv', 'mobilization_bloc.csv', 'mass_org.csv']);
    const text = (i: number) => files[i]!.body.toString('utf8');
    expect(text(0).charCodeAt(0)).toBe(0xfeff);
    const kpis = text(0).slice(1).split('\r\n');
    expect(kpis[0]).toBe('year,kpi,label,numerator,denominator,percent,count,target,met');
    expect(kpis[1]).toBe('2019,K1,Tỷ lệ tổ dân vận xếp loại “Hoạt động tốt”,2,4,50.0,,> 70%,false');
    expect(kpis[5]).toBe('2019,K5,Số đơn vị “Dân vận khéo tiêu biểu”,,,,2,3 – 5,false');
    const lines = text(1).slice(1).split('\r\n');
    expect(lines[0]).toBe('year,list,rank,unitId,name,kind,A1,A2,A3,A4,A5,A6,A7,bonus,total,complete,missing,tier,titles,vetoes');
    expect(lines[1]).toBe('2019,dvk_candidates,1,dbx-cao-xa,Đảng bộ xã Cao Xá,commune_party,20,20,10,15,5,20,10,0,100,true,,,dan_van_kheo;tieu_bieu,');
    expect(lines).toContain('2019,dvk_candidates,,dbtt-cao-thuong,Đảng bộ thị trấn Cao Thượng,commune_party,18,18,10,15,5,12,,0,78,false,A7,,,');
    const team = text(2).slice(1).split('\r\n');
    expect(team[1]).toBe('2019,mobilization_team,1,tdv-trai-moi,Tổ dân vận thôn Trại Mới,mobilization_team,29,20,12,29.5,0,90.5,true,,good,,');
    expect(YEAR).toBe(2019);
  });
});

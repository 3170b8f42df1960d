import { streamOf, type Envelope, type EventData, type EventType, type RecordedEvent, type UnitKind, type YearReport } from '@dvk/contracts';
import { buildContext, defaultRulebook, evaluateYear, evolve, initialState, yearReport } from '@dvk/scoring';
import ExcelJS from 'exceljs';
import { digestOf, type LogDigest } from '@dvk/contracts';
import { uuidOf } from '../src/ids.js';
import type { AnnualReportData } from '../src/annual-report.js';
import { COL_ID, FIRST_CRITERION_COL, FIRST_UNIT_ROW, GUIDE_SHEET, HEADER_ROW } from '../src/template.js';

/**
 * A small district for the tests of issue 9 (also used by services/cli/test): 10 candidates for
 * "Dân vận khéo" (8 commune party committees, 2 agencies: cap 3), 4 mobilisation teams, 2 blocs,
 * 3 mass organisations and 4 villages, with the 2019 activity that feeds the automatic criteria
 * (monthly reports, dialogues, models, a hotspot). The assessed points are in FIXTURE_POINTS: the
 * tests write them into a scoresheet and import it.
 *
 * Expected 2019 outcome (RULEBOOK.md): cao-xa 100 and lam-cot 98.75 "tiêu biểu"; nha-nam 89
 * "Dân vận khéo"; ngoc-thien 97 vetoed (hotspot); lien-chung 86.5 eligible but beyond the cap;
 * cao-thuong and the team hoang-hoa-tham not rated (a criterion left blank).
 */

export const YEAR = 2019;

interface U {
  id: string;
  kind: UnitKind;
  name: string;
  parentId?: string;
}

export const UNITS: U[] = [
  { id: 'dbx-cao-xa', kind: 'commune_party', name: 'Đảng bộ xã Cao Xá' },
  { id: 'dbx-lam-cot', kind: 'commune_party', name: 'Đảng bộ xã Lam Cốt' },
  { id: 'dbx-lien-chung', kind: 'commune_party', name: 'Đảng bộ xã Liên Chung' },
  { id: 'dbx-ngoc-thien', kind: 'commune_party', name: 'Đảng bộ xã Ngọc Thiện' },
  { id: 'dbx-viet-lap', kind: 'commune_party', name: 'Đảng bộ xã Việt Lập' },
  { id: 'dbx-phuc-hoa', kind: 'commune_party', name: 'Đảng bộ xã Phúc Hòa' },
  { id: 'dbtt-nha-nam', kind: 'commune_party', name: 'Đảng bộ thị trấn Nhã Nam' },
  { id: 'dbtt-cao-thuong', kind: 'commune_party', name: 'Đảng bộ thị trấn Cao Thượng' },
  { id: 'cq-tai-nguyen', kind: 'agency', name: 'Phòng Tài nguyên và Môi trường huyện' },
  { id: 'cq-y-te', kind: 'agency', name: 'Trung tâm Y tế huyện' },
  { id: 'thon-dong-lac', kind: 'village', name: 'Thôn Đồng Lạc', parentId: 'dbx-cao-xa' },
  { id: 'thon-hop-tien', kind: 'village', name: 'Thôn Hợp Tiến', parentId: 'dbx-lam-cot' },
  { id: 'thon-trai-moi', kind: 'village', name: 'Thôn Trại Mới', parentId: 'dbx-lien-chung' },
  { id: 'kp-hoang-hoa-tham', kind: 'village', name: 'Khu phố Hoàng Hoa Thám', parentId: 'dbtt-nha-nam' },
  { id: 'tdv-dong-lac', kind: 'mobilization_team', name: 'Tổ dân vận thôn Đồng Lạc', parentId: 'thon-dong-lac' },
  { id: 'tdv-hop-tien', kind: 'mobilization_team', name: 'Tổ dân vận thôn Hợp Tiến', parentId: 'thon-hop-tien' },
  { id: 'tdv-trai-moi', kind: 'mobilization_team', name: 'Tổ dân vận thôn Trại Mới', parentId: 'thon-trai-moi' },
  { id: 'tdv-hoang-hoa-tham', kind: 'mobilization_team', name: 'Tổ dân vận khu phố Hoàng Hoa Thám', parentId: 'kp-hoang-hoa-tham' },
  { id: 'kdv-cao-xa', kind: 'mobilization_bloc', name: 'Khối dân vận Đảng ủy xã Cao Xá', parentId: 'dbx-cao-xa' },
  { id: 'kdv-lam-cot', kind: 'mobilization_bloc', name: 'Khối dân vận Đảng ủy xã Lam Cốt', parentId: 'dbx-lam-cot' },
  { id: 'mt-mttq', kind: 'mass_org', name: 'Ủy ban Mặt trận Tổ quốc Việt Nam huyện' },
  { id: 'mt-phu-nu', kind: 'mass_org', name: 'Hội Liên hiệp Phụ nữ huyện' },
  { id: 'mt-doan', kind: 'mass_org', name: 'Huyện đoàn Tân Yên' },
];

/** Official points of the assessed criteria for 2019; a missing criterion is left blank. */
export const FIXTURE_POINTS: Record<string, Record<string, number>> = {
  'dbx-cao-xa': { A1: 20, A2: 20, A7: 10 },
  'dbx-lam-cot': { A1: 19.5, A2: 19.75, A7: 9.5 },
  'dbx-lien-chung': { A1: 18, A2: 17.5, A7: 9 },
  'dbx-ngoc-thien': { A1: 19, A2: 19, A7: 9 },
  'dbx-viet-lap': { A1: 17, A2: 16.25, A7: 8 },
  'dbx-phuc-hoa': { A1: 15, A2: 15, A7: 7 },
  'dbtt-nha-nam': { A1: 19, A2: 18.5, A7: 9.5 },
  'dbtt-cao-thuong': { A1: 18, A2: 18 },
  'cq-tai-nguyen': { A1: 18, A2: 18, A7: 9 },
  'cq-y-te': { A1: 16, A2: 17, A7: 8 },
  'tdv-dong-lac': { B1: 28, B4: 27 },
  'tdv-hop-tien': { B1: 25, B4: 26 },
  'tdv-trai-moi': { B1: 29, B4: 29.5 },
  'tdv-hoang-hoa-tham': { B1: 24 },
  'kdv-cao-xa': { B1: 28, B4: 28 },
  'kdv-lam-cot': { B1: 22, B4: 24 },
  'mt-mttq': { C1: 24, C2: 24, C3: 19 },
  'mt-phu-nu': { C1: 25, C2: 24.5, C3: 19.5 },
  'mt-doan': { C1: 20, C2: 20, C3: 15 },
};

/** Model levels recognised in 2019, by owner. */
const MODELS: [owner: string, level: 'commune' | 'district' | 'province' | null][] = [
  ['dbx-cao-xa', 'province'],
  ['dbx-lam-cot', 'province'],
  ['dbx-lien-chung', 'district'],
  ['dbx-ngoc-thien', 'province'],
  ['dbx-viet-lap', 'commune'],
  ['dbtt-nha-nam', 'district'],
  ['dbtt-cao-thuong', 'district'],
  ['cq-tai-nguyen', 'district'],
  ['cq-y-te', 'commune'],
  ['thon-dong-lac', null],
  ['thon-hop-tien', null],
  ['thon-trai-moi', null],
  ['tdv-dong-lac', 'commune'],
  ['tdv-hop-tien', 'commune'],
  ['tdv-trai-moi', 'district'],
  ['kdv-cao-xa', 'district'],
  ['mt-mttq', 'district'],
  ['mt-phu-nu', 'province'],
  ['mt-doan', 'commune'],
];

class Log {
  readonly envelopes: Envelope[] = [];
  add<T extends EventType>(type: T, data: EventData<T>, occurredAt = '2019-12-31T09:00:00+07:00'): string {
    const id = uuidOf({ fixture: 'dvk-issue-9', n: this.envelopes.length });
    this.envelopes.push({ id, type, schemaVersion: 1, source: 'fixture', occurredAt, data } as Envelope);
    return id;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The registrations and the 2019 activity, without any assessment. */
export function fixtureHistory(): Envelope[] {
  const log = new Log();
  for (const u of UNITS)
    log.add('UnitRegistered', { unitId: u.id, kind: u.kind, name: u.name, effectiveFrom: '2016-01-01', ...(u.parentId ? { parentId: u.parentId } : {}) }, '2016-01-01T08:00:00+07:00');
  for (const u of UNITS) {
    if (u.kind === 'village') continue;
    for (let m = 1; m <= 12; m++) {
      const late = u.id === 'dbx-phuc-hoa' && m === 3;
      const submitted = m === 12 ? `${YEAR + 1}-01-03T08:00:00+07:00` : `${YEAR}-${pad(m + 1)}-${late ? '20' : '03'}T08:00:00+07:00`;
      log.add('MonthlyReportSubmitted', { unitId: u.id, year: YEAR, month: m, submittedAt: submitted }, submitted);
    }
  }
  for (const u of UNITS.filter((x) => x.kind === 'commune_party' || x.kind === 'agency')) {
    const n = u.id === 'cq-tai-nguyen' ? 1 : 2;
    for (let i = 0; i < n; i++) log.add('DialogueHeld', { unitId: u.id, heldAt: `${YEAR}-0${4 + i * 3}-15T08:00:00+07:00`, participants: 40 + i * 10 });
  }
  MODELS.forEach(([owner, level], i) => {
    const modelId = `mh-${YEAR}-${pad(i + 1)}`;
    log.add('ModelRegistered', { unitId: owner, modelId, title: `Mô hình “Dân vận khéo” số ${i + 1}`, field: 'new_rural_development', registeredAt: `${YEAR}-03-01T08:00:00+07:00` });
    if (level) log.add('ModelRecognized', { unitId: owner, modelId, year: YEAR, level });
  });
  log.add('HotspotReported', { unitId: 'dbx-ngoc-thien', hotspotId: 'dn-2019-01', reportedAt: `${YEAR}-08-10T10:00:00+07:00`, summary: 'Tranh chấp đất đai kéo dài' });
  return log.envelopes;
}

/** CriterionAssessed events for FIXTURE_POINTS (what importing the filled sheet produces, ids aside). */
export function fixtureAssessments(): Envelope[] {
  const out: Envelope[] = [];
  for (const [unitId, pts] of Object.entries(FIXTURE_POINTS))
    for (const [criterionId, points] of Object.entries(pts))
      out.push({
        id: uuidOf({ fixture: 'dvk-issue-9/assessment', unitId, criterionId }),
        type: 'CriterionAssessed',
        schemaVersion: 1,
        source: 'fixture',
        occurredAt: '2020-01-10T08:00:00+07:00',
        data: { unitId, year: YEAR, criterionId, points, role: 'official', assessorId: 'ban-dan-van' },
      });
  return out;
}

export function recorded(envelopes: readonly Envelope[]): RecordedEvent[] {
  const revs = new Map<string, number>();
  return envelopes.map((event, i) => {
    const stream = streamOf(event);
    const revision = revs.get(stream) ?? 0;
    revs.set(stream, revision + 1);
    return { position: i + 1, stream, revision, event };
  });
}

/** The 2019 report of a history, computed by the scoring core in memory. */
export function reportOf(envelopes: readonly Envelope[], year = YEAR): YearReport {
  const state = initialState();
  for (const r of recorded(envelopes)) evolve(state, r);
  return yearReport(evaluateYear(state, defaultRulebook(), year, buildContext(state)));
}

/** The roll of a report as the template and the reader want it. */
export function rollOf(report: YearReport) {
  return report.units.map((u) => ({ unitId: u.unitId, kind: u.kind, name: u.name }));
}

/**
 * Fills a scoresheet template the way a commune office would (here: a script), with `points`
 * (unit → criterion → points), then applies `edit` (to put in a bad cell, say). No file I/O.
 */
export async function fillTemplate(
  template: Uint8Array,
  points: Record<string, Record<string, number | string>> = FIXTURE_POINTS,
  edit?: (wb: ExcelJS.Workbook) => void,
): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(template) as unknown as ExcelJS.Buffer);
  for (const ws of wb.worksheets) {
    if (ws.state !== 'visible' || ws.name === GUIDE_SHEET) continue;
    for (let row = FIRST_UNIT_ROW; row <= ws.rowCount; row++) {
      const unitId = String(ws.getCell(row, COL_ID).value);
      for (let col = FIRST_CRITERION_COL; ws.getCell(HEADER_ROW, col).value; col++) {
        const criterionId = String(ws.getCell(HEADER_ROW, col).value).split('.')[0]!;
        const p = points[unitId]?.[criterionId];
        if (p !== undefined) ws.getCell(row, col).value = p;
      }
    }
  }
  edit?.(wb);
  return Buffer.from((await wb.xlsx.writeBuffer()) as ArrayBuffer);
}

/** The address of a unit's cell for a criterion in a filled template (e.g. `E7`). */
export async function cellOf(template: Uint8Array, unitId: string, criterionId: string): Promise<{ sheet: string; cell: string }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(template) as unknown as ExcelJS.Buffer);
  for (const ws of wb.worksheets) {
    if (ws.state !== 'visible' || ws.name === GUIDE_SHEET) continue;
    for (let row = FIRST_UNIT_ROW; row <= ws.rowCount; row++) {
      if (String(ws.getCell(row, COL_ID).value) !== unitId) continue;
      for (let col = FIRST_CRITERION_COL; ws.getCell(HEADER_ROW, col).value; col++)
        if (String(ws.getCell(HEADER_ROW, col).value).startsWith(`${criterionId}.`)) return { sheet: ws.name, cell: ws.getCell(row, col).address };
    }
  }
  throw new Error(`no cell for ${unitId} ${criterionId}`);
}

/** The 2019 report with every assessment, and made-up (but well-formed) digests: what the document tests render. */
const fullReport = reportOf([...fixtureHistory(), ...fixtureAssessments()]);
const logDigest: LogDigest = { position: 355, events: 355, streams: 23, root: `sha256:${'1'.repeat(64)}`, order: `sha256:${'2'.repeat(64)}` };
export const DATA: AnnualReportData = { report: fullReport, rulebook: defaultRulebook(), logDigest, reportDigest: digestOf(fullReport), closed: true };

/** Test values of the document's issuing body, number, signer… (dvk never invents them). */
export const CONFIG = {
  parentBody: 'ĐẢNG BỘ TỈNH BẮC GIANG',
  issuer: 'HUYỆN ỦY TÂN YÊN',
  number: '125-BC/HU',
  place: 'Tân Yên',
  date: '2020-01-15',
  signer: 'Người Ký Thử',
  signerTitle: 'BÍ THƯ',
  recipients: ['Thường trực Tỉnh ủy (b/c),', 'Ban Dân vận Tỉnh ủy (b/c),', 'Các chi, đảng bộ trực thuộc Huyện ủy,', 'Lưu VT.'],
};

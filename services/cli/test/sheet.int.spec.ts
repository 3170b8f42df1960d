import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex, type YearReport } from '@dvk/contracts';
import { generateLines } from '@dvk/sample';
import { defaultRulebook } from '@dvk/scoring';
import { cellOf, fillTemplate } from '../../../packages/documents/test/fixture.js';

/**
 * Issue 9 through the real `dvk` command on the sample district (seed 2016, 2016–2020, the last
 * year open): scoresheet template → filled by a script → import → `dvk report --json` shows
 * exactly those points; a second import appends nothing; a file with one bad cell names that
 * cell and appends nothing; then the annual report PDF (pages as images in test-results/cli/,
 * text checked with pdftotext) and the exports.
 */

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'services/cli/src/main.ts');
const SHOTS = join(ROOT, 'test-results/cli');
const YEAR = 2020;
const rb = defaultRulebook();

let dir: string;
let db: string;

function dvk(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(TSX, [CLI, '--db', db, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, DVK_LOG_LEVEL: 'error' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const ok = (args: string[]) => {
  const r = dvk(args);
  if (r.status !== 0) throw new Error(`dvk ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
  return r.stdout;
};
const report = (): YearReport => JSON.parse(ok(['report', '--year', String(YEAR), '--json'])) as YearReport;

/** Deterministic points for every assessed cell: between 70% and 100% of the max, in hundredths. */
function pointsFor(r: YearReport): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const u of r.units)
    for (const c of rb.groupOfKind[u.kind]?.criteria ?? []) {
      if (c.source.type !== 'assessed') continue;
      const f = parseInt(sha256Hex(`${u.unitId}|${c.id}`).slice(0, 8), 16) / 0xffffffff;
      (out[u.unitId] ??= {})[c.id] = Math.round(c.maxH * (0.7 + 0.3 * f)) / 100;
    }
  return out;
}

let points: Record<string, Record<string, number>>;
let filledCells = 0;
let template: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dvk-cli-sheet-'));
  db = join(dir, 'dvk.sqlite');
  const ndjson = join(dir, 'sample.ndjson');
  let text = '';
  for (const line of generateLines({ seed: 2016, years: 5 })) text += line + '\n';
  writeFileSync(ndjson, text);
  ok(['import', ndjson, '--json']);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dvk sheet: template → filled by a script → import → report', () => {
  it('writes a template with one row per unit on the roll and one column per assessed criterion', () => {
    const out = join(dir, 'phieu-2020.xlsx');
    const s = JSON.parse(ok(['sheet', 'template', '--year', String(YEAR), '--out', out, '--json'])) as {
      sheets: { kind: string; units: number; criteria: string[] }[];
      cells: number;
      rulebook: { hash: string };
    };
    const r = report();
    for (const sh of s.sheets) {
      expect(sh.units).toBe(r.units.filter((u) => u.kind === sh.kind).length);
      expect(sh.criteria).toEqual(rb.groupOfKind[sh.kind as 'agency']!.criteria.filter((c) => c.source.type === 'assessed').map((c) => c.id));
    }
    expect(s.sheets.reduce((n, x) => n + x.units, 0)).toBe(r.units.length);
    expect(s.rulebook.hash).toBe(r.rulebook.hash);
    template = readFileSync(out);
    points = pointsFor(r);
    filledCells = Object.values(points).reduce((n, p) => n + Object.keys(p).length, 0);
    expect(filledCells).toBe(s.cells);
  });

  it('rejects a file with one bad cell as a whole, naming that cell', async () => {
    const unit = Object.keys(points).sort()[0]!;
    const { sheet, cell } = await cellOf(template, unit, Object.keys(points[unit]!)[0]!);
    const bad = join(dir, 'phieu-loi.xlsx');
    writeFileSync(bad, await fillTemplate(template, points, (wb) => (wb.getWorksheet(sheet)!.getCell(cell).value = 99.5)));
    const before = report();
    const r = dvk(['sheet', 'import', bad, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`'${sheet}'!${cell}  [above_max] điểm 99,5 vượt quá điểm tối đa`);
    expect(r.stdout).toContain(`${filledCells - 1} ô hợp lệ chưa được ghi`);
    const j = JSON.parse(dvk(['sheet', 'import', bad, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--json']).stdout);
    expect(j).toMatchObject({ rejected: true, validCells: filledCells - 1, problems: [{ sheet, cell, code: 'above_max', unitId: unit }] });
    expect(report()).toEqual(before);
  });

  it('imports every filled cell; `dvk report --json` shows exactly those points; a second import appends nothing', async () => {
    const filled = join(dir, 'phieu-2020-da-cham.xlsx');
    writeFileSync(filled, await fillTemplate(template, points));
    const first = JSON.parse(ok(['sheet', 'import', filled, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--year', String(YEAR), '--json']));
    expect(first).toMatchObject({ rejected: false, year: YEAR, filled: filledCells, appended: filledCells, problems: [] });
    const r = report();
    let checked = 0;
    for (const u of r.units)
      for (const [c, p] of Object.entries(points[u.unitId] ?? {})) {
        expect(u.criteria[c], `${u.unitId} ${c}`).toBe(p);
        checked++;
      }
    expect(checked).toBe(filledCells);
    const again = JSON.parse(ok(['sheet', 'import', filled, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--json']));
    expect(again).toMatchObject({ appended: 0, unchanged: filledCells });
    expect(report()).toEqual(r);
    const text = ok(['sheet', 'import', filled, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official']);
    expect(text).toContain('thêm mới (appended):    0');
  });

  it('a corrected file appends only the correction', async () => {
    const unit = Object.keys(points).sort()[1]!;
    const crit = Object.keys(points[unit]!)[0]!;
    const corrected = { ...points, [unit]: { ...points[unit]!, [crit]: 1.25 } };
    const file = join(dir, 'phieu-2020-sua.xlsx');
    writeFileSync(file, await fillTemplate(template, corrected));
    const s = JSON.parse(ok(['sheet', 'import', file, '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--json']));
    expect(s).toMatchObject({ appended: 1, unchanged: filledCells - 1 });
    expect(report().units.find((u) => u.unitId === unit)!.criteria[crit]).toBe(1.25);
    // Back to the original file: the original value is said again.
    const back = JSON.parse(ok(['sheet', 'import', join(dir, 'phieu-2020-da-cham.xlsx'), '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--json']));
    expect(back).toMatchObject({ appended: 1, unchanged: filledCells - 1 });
    expect(report().units.find((u) => u.unitId === unit)!.criteria[crit]).toBe(points[unit]![crit]);
  });

  it('refuses a template of another year', () => {
    const r = dvk(['sheet', 'import', join(dir, 'phieu-2020-da-cham.xlsx'), '--assessor', 'hoi-dong-tham-dinh', '--role', 'official', '--year', '2019']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('_dvk!B2  [wrong_year] mẫu phiếu của năm 2020, không phải năm 2019');
  });
});

describe('dvk document and dvk export', () => {
  const hasPoppler = ['pdftoppm', 'pdftotext'].every((t) => existsSync(`/usr/bin/${t}`));
  if (!hasPoppler && process.env.DVK_CI_STRICT === '1') throw new Error('DVK_CI_STRICT=1 (CI) but pdftoppm/pdftotext (poppler-utils) are missing');

  it('stops and names what is missing rather than inventing it', () => {
    const r = dvk(['document', '--year', String(YEAR), '--out', join(dir, 'x.pdf'), '--issuer', 'HUYỆN ỦY TÂN YÊN']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('số, ký hiệu văn bản (--number)');
    expect(r.stderr).toContain('họ tên người ký (--signer)');
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false);
  });

  it.skipIf(!hasPoppler)('writes the annual report PDF: pages as images, text with the title, awarded units and KPI figures', () => {
    const cfg = join(dir, 'van-ban.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        parentBody: 'ĐẢNG BỘ TỈNH BẮC GIANG',
        issuer: 'HUYỆN ỦY TÂN YÊN',
        number: '01-BC/HU',
        place: 'Tân Yên',
        date: '2021-01-20',
        signerTitle: 'BÍ THƯ',
        recipients: ['Thường trực Tỉnh ủy (b/c),', 'Ban Dân vận Tỉnh ủy (b/c),', 'Lưu VT.'],
      }),
    );
    mkdirSync(SHOTS, { recursive: true });
    for (const f of readdirSync(SHOTS)) if (/^bao-cao-2020-\d+\.png$/.test(f)) rmSync(join(SHOTS, f));
    const pdf = join(SHOTS, 'bao-cao-2020.pdf');
    const s = JSON.parse(ok(['document', '--year', String(YEAR), '--config', cfg, '--signer', 'Người Ký Thử', '--out', pdf, '--json']));
    const r = report();
    expect(s.rulebook.hash).toBe(r.rulebook.hash);

    execFileSync('pdftoppm', ['-r', '80', '-png', pdf, join(SHOTS, 'bao-cao-2020')]);
    const pngs = readdirSync(SHOTS).filter((f) => /^bao-cao-2020-\d+\.png$/.test(f));
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))![1]);
    expect(pngs).toHaveLength(pages);
    for (const p of pngs) expect(statSync(join(SHOTS, p)).size).toBeGreaterThan(10_000);

    const layout = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
    const flat = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(flat.toLocaleLowerCase('vi')).toContain(`báo cáo kết quả đánh giá, xếp loại công tác dân vận năm ${YEAR}`);
    expect(layout).toContain('ĐẢNG CỘNG SẢN VIỆT NAM');
    expect(layout).toContain('Tân Yên, ngày 20 tháng 01 năm 2021');
    expect(layout).toContain('T/M BAN THƯỜNG VỤ');
    expect(layout).toContain('Người Ký Thử');
    const awarded = r.units.filter((u) => u.titles.includes('dan_van_kheo'));
    expect(awarded.length).toBeGreaterThan(0);
    for (const u of awarded) expect(flat, u.name).toContain(u.name);
    const lines = layout.split('\n');
    for (const [id, k] of Object.entries(r.kpis)) {
      const line = lines.find((l) => new RegExp(`^\\s*${id}\\s`).test(l));
      expect(line, id).toBeDefined();
      if ('count' in k) expect(line).toMatch(new RegExp(`\\s${k.count}\\s`));
      else expect(line).toContain(`${k.numerator}/${k.denominator} (${k.percent!.replace('.', ',')}%)`);
    }
    expect(layout).toContain(s.logDigest.root);
    expect(layout).toContain(r.rulebook.hash);
  });

  it('exports XLSX and CSV with every unit of every list and the KPIs', () => {
    const base = join(dir, 'ket-qua-2020');
    const x = JSON.parse(ok(['export', '--year', String(YEAR), '--format', 'xlsx', '--out', `${base}.xlsx`, '--json']));
    expect(x.files).toHaveLength(1);
    expect(readFileSync(`${base}.xlsx`).subarray(0, 2).toString()).toBe('PK');
    const c = JSON.parse(ok(['export', '--year', String(YEAR), '--format', 'csv', '--out', `${base}.csv`, '--json']));
    const r = report();
    const parts = Object.fromEntries((c.files as { part: string; path: string }[]).map((f) => [f.part, readFileSync(f.path, 'utf8')]));
    expect(Object.keys(parts).sort()).toEqual(['dvk_candidates', 'kpis', 'mass_org', 'mobilization_bloc', 'mobilization_team']);
    for (const list of ['dvk_candidates', 'mobilization_team', 'mobilization_bloc', 'mass_org'])
      expect(parts[list]!.trim().split('\r\n')).toHaveLength(1 + r.units.filter((u) => u.list === list).length);
    expect(parts.kpis!.trim().split('\r\n')).toHaveLength(1 + Object.keys(r.kpis).length);
    const top = r.units.find((u) => u.list === 'dvk_candidates' && u.rank === 1)!;
    expect(parts.dvk_candidates!.split('\r\n')[1]).toContain(`,1,${top.unitId},`);
  });
});

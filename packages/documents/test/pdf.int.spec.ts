import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { renderAnnualReport, resolveDocumentOptions, vnPercent, type DocumentOptions } from '../src/index.js';
import { CONFIG, DATA } from './fixture.js';

/**
 * The annual report as a reader gets it: rendered to a PDF file, turned into page images with
 * pdftoppm and into text with pdftotext (Debian's poppler-utils). The images are kept in
 * test-results/documents/ (git-ignored) for a human to look at.
 */

const OUT = resolve(import.meta.dirname, '../../../test-results/documents');
const has = (tool: string) => existsSync(`/usr/bin/${tool}`);
const poppler = has('pdftoppm') && has('pdftotext') && has('pdffonts');
if (!poppler) console.warn('skipping the PDF tests: pdftoppm, pdftotext or pdffonts is missing (apt-get install poppler-utils)');

const options = (draft = false, extra: object = {}): DocumentOptions => {
  const o = resolveDocumentOptions(draft ? [{ issuer: CONFIG.issuer, ...extra }] : [{ ...CONFIG, ...extra }], { draft });
  if (E.isLeft(o)) throw new Error(o.left.message);
  return o.right;
};

async function renderToFiles(name: string, o: DocumentOptions): Promise<{ pdf: string; pngs: string[]; text: string; raw: string }> {
  mkdirSync(OUT, { recursive: true });
  const page = new RegExp(`^${name}-\\d+\\.png$`);
  for (const f of readdirSync(OUT)) if (page.test(f)) rmSync(join(OUT, f));
  const pdf = join(OUT, `${name}.pdf`);
  writeFileSync(pdf, await renderAnnualReport(DATA, o));
  execFileSync('pdftoppm', ['-r', '100', '-png', pdf, join(OUT, name)]);
  const pngs = readdirSync(OUT)
    .filter((f) => page.test(f))
    .sort()
    .map((f) => join(OUT, f));
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
  const raw = execFileSync('pdftotext', ['-raw', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
  return { pdf, pngs, text, raw };
}

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

if (!poppler && process.env.DVK_CI_STRICT === '1') throw new Error('DVK_CI_STRICT=1 (CI) but pdftoppm/pdftotext (poppler-utils) are missing');

describe.skipIf(!poppler)('annual report PDF, rendered and read back', () => {
  it('renders every page to an image and reads back the title, awarded units, KPIs and verification footer', async () => {
    const { pdf, pngs, text, raw } = await renderToFiles('annual-report-2019', options());
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(info).toMatch(/Page size:\s+595\.2\d* x 841\.8\d* pts \(A4\)/);
    expect(pngs).toHaveLength(pages);
    for (const p of pngs) expect(statSync(p).size).toBeGreaterThan(15_000); // not blank pages

    // Vietnamese text comes back exactly (NFC, every diacritic), no replacement characters.
    expect(text).not.toMatch(/\uFFFD/);
    expect(text.normalize('NFC')).toBe(text);
    const all = flat(raw);
    expect(all.toLocaleLowerCase('vi')).toContain('báo cáo kết quả đánh giá, xếp loại công tác dân vận năm 2019');
    expect(text).toContain('BÁO CÁO');
    expect(text).toContain('Kết quả đánh giá, xếp loại công tác dân vận năm 2019');
    expect(text).toContain('ĐẢNG CỘNG SẢN VIỆT NAM');
    expect(text).toContain('ĐẢNG BỘ TỈNH BẮC GIANG');
    expect(text).toContain('HUYỆN ỦY TÂN YÊN');
    expect(text).toContain('Số 125-BC/HU');
    expect(text).toContain('Tân Yên, ngày 15 tháng 01 năm 2020');
    expect(text).toContain('Nơi nhận:');
    expect(text).toContain('T/M BAN THƯỜNG VỤ');
    expect(text).toContain('BÍ THƯ');
    expect(text).toContain('Người Ký Thử');

    // Every awarded unit, and the "tiêu biểu" ones as such.
    const awarded = DATA.report.units.filter((u) => u.titles.includes('dan_van_kheo'));
    expect(awarded.map((u) => u.unitId)).toEqual(['dbx-cao-xa', 'dbx-lam-cot', 'dbtt-nha-nam']);
    for (const u of awarded) {
      expect(all).toContain(u.name);
      const title = u.titles.includes('tieu_bieu') ? 'Dân vận khéo tiêu biểu' : 'Dân vận khéo';
      expect(text.split('\n').some((l) => l.includes(u.name) && l.includes(title))).toBe(true);
    }
    // Units not rated, with the missing criterion.
    for (const u of DATA.report.units.filter((x) => !x.complete)) {
      expect(all).toContain(u.name.split(' ').slice(0, 4).join(' '));
      for (const c of u.missing) expect(all).toContain(`tiêu chí ${c}`);
    }

    // The KPI figures of `dvk report --json`, on the line of their KPI.
    const lines = text.split('\n');
    for (const [id, k] of Object.entries(DATA.report.kpis)) {
      const line = lines.find((l) => new RegExp(`^\\s*${id}\\s`).test(l));
      expect(line, `the line of ${id}`).toBeDefined();
      if ('count' in k) expect(line).toMatch(new RegExp(`\\s${k.count}\\s`));
      else expect(line).toContain(`${k.numerator}/${k.denominator} (${vnPercent(k.percent!)}%)`);
    }

    // The verification footer on every page: log digest and rulebook hash.
    const pagesText = text.split('\f').filter((p) => p.trim());
    expect(pagesText).toHaveLength(pages);
    for (const p of pagesText) {
      expect(p).toContain(DATA.logDigest.root);
      expect(p).toContain(DATA.rulebook.ref.hash);
    }
    expect(all).toContain(DATA.reportDigest);

    // The bundled fonts are embedded (subsets), so any reader shows the same glyphs.
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThanOrEqual(3);
    for (const f of fonts) expect(f).toMatch(/NotoSerif.*\byes\s+yes\s+yes\b/);
  });

  it('renders a draft with visible blanks and the DỰ THẢO mark', async () => {
    const { pngs, text } = await renderToFiles('annual-report-2019-draft', options(true));
    expect(pngs.length).toBeGreaterThanOrEqual(4);
    expect(text).toContain('DỰ THẢO');
    expect(text).toContain('Số ……');
    expect(text).toContain('……, ngày …… tháng …… năm ……');
  });
});

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { readModelQueries, type ReadModelQueries } from '@dvk/projections';
import { createServiceApp } from '@dvk/service-kit';
import { apiRoutes, buildApi, type V1Context } from '../src/index.js';
import { buildSampleDb, type SampleDb } from './fixture.js';

/**
 * The dashboard in Debian's Chromium (driven by playwright-core, never a downloaded browser):
 * the KPI cards show the API's values, the year picker changes them, a unit page shows the
 * explanation with the events' ids; at desktop and phone size, with the token option, and with
 * the export links. Screenshots go to services/api/test-results/dashboard-*.png.
 */

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(import.meta.dirname, '..', 'test-results');
const log = pino({ level: 'silent' });
const TOKEN = 'e2e-token-0123456789abcdef';

const hasChromium = existsSync(CHROMIUM);
/** In-page callbacks run in the browser; the repo's tsconfig has no DOM lib, so they name what they use. */
type WithData = { dataset: Record<string, string | undefined> };
if (!hasChromium && process.env.DVK_CI_STRICT === '1') throw new Error(`DVK_CI_STRICT=1 (CI) but ${CHROMIUM} is missing`);
if (!hasChromium) console.warn(`dashboard e2e skipped: ${CHROMIUM} not found (apt-get install -y chromium, or run scripts/ensure-system-deps.mjs)`);

interface Kpi {
  label: string;
  numerator?: number;
  denominator?: number;
  percent?: string | null;
  count?: number;
  target: string;
  met: boolean | null;
}

let sample: SampleDb;
let store: SqliteEventStore;
let queries: ReadModelQueries;
let app: FastifyInstance;
let base: string;
let browser: Browser;

async function api<T = any>(path: string): Promise<T> {
  const r = await app.inject({ url: `/${path}` });
  expect(r.statusCode, path).toBe(200);
  return JSON.parse(r.body) as T;
}

/** What a KPI card must show for the API's value. */
function shown(k: Kpi): string {
  if (k.count !== undefined) return String(k.count);
  return k.percent === null || k.percent === undefined ? '—' : `${k.percent.replace('.', ',')}%`;
}
const verdict = (k: Kpi) => (k.met === true ? 'Đạt' : k.met === false ? 'Chưa đạt' : k.target === '—' ? 'Theo dõi' : 'Không áp dụng');

/** A page that records what must not happen: script errors, CSP violations, requests leaving the server. */
async function openPage(size: { width: number; height: number }, mobile = false) {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: mobile ? 2 : 1, isMobile: mobile, hasTouch: mobile, locale: 'vi-VN' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console: ${m.text()}`);
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`external request: ${u}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !/\/export\.(xlsx|csv)$/.test(r.url())) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return { page, problems, close: () => context.close() };
}

async function ready(page: Page, year: number) {
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction((y) => (globalThis as any).document.querySelector('#year-heading')?.textContent === `Kết quả đánh giá năm ${y}`, year);
  await page.waitForSelector('.kpi-chart canvas');
  await page.waitForSelector('.panel:not([hidden]) table.ranking tbody tr');
}

async function expectKpiCards(page: Page, year: number) {
  const { kpis } = await api<{ kpis: Record<string, Kpi> }>(`v1/years/${year}/kpis`);
  const cards = await page.$$eval('[data-kpi]', (els) =>
    els.map((el) => ({
      id: (el as unknown as WithData).dataset.kpi!,
      met: (el as unknown as WithData).dataset.met!,
      value: el.querySelector('.kpi-value')!.textContent!,
      raw: (el.querySelector('.kpi-value') as unknown as WithData).dataset.value!,
      frac: (el.querySelector('.kpi-frac') as unknown as WithData).dataset,
      verdict: el.querySelector('.verdict')!.textContent!.trim(),
      target: el.querySelector('.kpi-target')!.textContent!,
      label: el.querySelector('.kpi-label')!.textContent!,
    })),
  );
  expect(cards.map((c) => c.id)).toEqual(Object.keys(kpis));
  for (const c of cards) {
    const k = kpis[c.id]!;
    expect(c.value, `${year} ${c.id}`).toBe(shown(k));
    expect(c.raw).toBe(k.count !== undefined ? String(k.count) : (k.percent ?? ''));
    expect(c.met).toBe(String(k.met));
    expect(c.verdict.endsWith(verdict(k)), `${c.id}: ${c.verdict}`).toBe(true);
    expect(c.label).toBe(k.label);
    expect(c.target).toContain(k.target === '—' ? 'theo dõi' : k.target);
    if (k.numerator !== undefined) expect([Number(c.frac.numerator), Number(c.frac.denominator)]).toEqual([k.numerator, k.denominator]);
  }
  return kpis;
}

describe.skipIf(!hasChromium)('the dashboard in Chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sample = buildSampleDb();
    store = openSqliteEventStore({ path: sample.db });
    queries = readModelQueries(store.db);
    app = await buildApi({ queries, store, log });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await store?.close();
    sample?.cleanup();
  });

  it('shows the KPIs of the API, changes them with the year picker, explains a unit (desktop)', async () => {
    const { page, problems, close } = await openPage({ width: 1366, height: 900 });
    try {
      await page.goto(`${base}/`);
      await ready(page, 2020);
      const k2020 = await expectKpiCards(page, 2020);
      expect(await page.textContent('#kpi-summary')).toMatch(/^Đạt \d\/\d chỉ tiêu có mục tiêu$/);
      // the export block stays hidden while the endpoints answer 404
      expect(await page.isHidden('#exports')).toBe(true);
      // the first ranking: the API's order, badges, the histogram
      const ranking = await api<{ content: { entries: { unitId: string; name: string; total: number; titles: string[] }[] } }>('v1/years/2020/rankings/dvk_candidates');
      const rows = await page.$$eval('.panel:not([hidden]) table.ranking tbody tr', (trs) => trs.map((tr) => (tr as unknown as WithData).dataset.unit));
      expect(rows).toEqual(ranking.content.entries.map((e) => e.unitId));
      expect(await page.locator('.panel:not([hidden]) .badge--title-tieu_bieu').count()).toBe(ranking.content.entries.filter((e) => e.titles.includes('tieu_bieu')).length);
      expect(await page.locator('.panel:not([hidden]) .hist canvas').count()).toBe(1);
      await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-2020.png') });
      await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-2020-full.png'), fullPage: true });

      // pick another year
      await page.selectOption('#year', '2017');
      await ready(page, 2017);
      expect(page.url()).toMatch(/#\/year\/2017/);
      const k2017 = await expectKpiCards(page, 2017);
      expect(Object.keys(k2017).some((id) => shown(k2017[id]!) !== shown(k2020[id]!))).toBe(true);

      // filter a ranking list, then another list
      await page.click('#tab-mobilization_team');
      const teams = await api<{ content: { entries: unknown[] } }>('v1/years/2017/rankings/mobilization_team');
      await expect.poll(() => page.locator('#panel-mobilization_team table.ranking tbody tr').count()).toBe(teams.content.entries.length);
      await page.fill('#filter-mobilization_team', 'cao thuong');
      const filtered = await page.$$eval('#panel-mobilization_team table.ranking tbody tr td.unit a', (as) => as.map((a) => a.textContent));
      expect(filtered.length).toBeGreaterThan(0);
      expect(filtered.length).toBeLessThan(teams.content.entries.length);
      for (const name of filtered) expect(name).toMatch(/Cao Thượng/);
      await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-2017-teams.png') });

      // open a unit from the ranking: its explanation, with the events' ids
      await page.click('#tab-dvk_candidates');
      const first = page.locator('#panel-dvk_candidates table.ranking tbody tr td.unit a').first();
      const unitId = await page.locator('#panel-dvk_candidates table.ranking tbody tr').first().getAttribute('data-unit');
      await first.click();
      await page.waitForSelector('.crit-card');
      expect(page.url()).toContain(`#/unit/${unitId}/2017`);
      const x = await api<any>(`v1/years/2017/units/${unitId}`);
      expect(await page.textContent('#unit-heading')).toBe(x.scorecard.name);
      expect(await page.getAttribute('[data-total]', 'data-total')).toBe(String(x.scorecard.total));
      for (const c of x.scorecard.criteria) {
        const card = page.locator(`.crit-card[data-criterion="${c.id}"]`);
        await expect.poll(() => card.locator('.crit-points').textContent()).toContain(`/ ${c.max}`);
        expect(await card.locator('.rule').textContent()).toBe(c.rule.text);
        expect(await card.locator('.computation').textContent()).toBe(c.computation.text);
        expect(await card.locator('.ev--used').count()).toBe(c.used.length);
        expect(await card.locator('.ev--ignored').count()).toBe(c.ignored.length);
      }
      const shownIds = await page.$$eval('.crit-card .ev', (lis) => lis.map((li) => (li as unknown as WithData).dataset.eventId));
      const expectedIds = x.scorecard.criteria.flatMap((c: any) => [...c.used, ...c.ignored].map((n: any) => x.events[String(n.position)].eventId));
      expect(shownIds).toEqual(expectedIds);
      expect(expectedIds.length).toBeGreaterThan(10);
      // ids are visible text, not only attributes
      const firstId = expectedIds[0] as string;
      await expect.poll(() => page.locator('.ev-id', { hasText: firstId }).count()).toBeGreaterThan(0);
      await page.locator('.crit-card .ev-meta summary').first().click();
      await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-unit.png'), fullPage: true });

      // search, diacritics-insensitive
      await page.fill('#search', 'dan van huyen');
      await page.waitForSelector('#search-results:not([hidden]) [role="option"]');
      expect(await page.textContent('#search-results')).toContain('Ban Dân vận Huyện ủy');
      await page.screenshot({ path: join(SHOTS, 'dashboard-desktop-search.png') });
      await page.locator('#search-results [data-unit="bdv-huyen-uy"]').dispatchEvent('mousedown');
      await page.waitForFunction(() => (globalThis as any).document.querySelector('#unit-heading')?.textContent === 'Ban Dân vận Huyện ủy');
      expect(page.url()).toContain('#/unit/bdv-huyen-uy/2017');

      // the auditors' page
      await page.goto(`${base}/#/rejected`);
      await page.waitForSelector('#rejected-heading');
      expect(await page.locator('table.rejected tbody tr').count()).toBe(queries.rejectedCount());
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('is usable on a phone (390×844): no sideways scrolling, same values', async () => {
    const { page, problems, close } = await openPage({ width: 390, height: 844 }, true);
    try {
      await page.goto(`${base}/#/year/2020`);
      await ready(page, 2020);
      await expectKpiCards(page, 2020);
      const overflow = () => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).document.documentElement.clientWidth);
      expect(await overflow()).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, 'dashboard-phone-2020.png') });
      await page.locator('#rank-heading').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'dashboard-phone-ranking.png') });
      await page.goto(`${base}/#/unit/xa-cao-thuong/2020`);
      await page.waitForSelector('.crit-card');
      expect(await overflow()).toBeLessThanOrEqual(0);
      expect(await page.locator('.crit-card').count()).toBe(7);
      await page.screenshot({ path: join(SHOTS, 'dashboard-phone-unit.png') });
      // a village has no scoresheet: the page says why instead of failing
      const village = store.db.prepare("SELECT unit_id AS id FROM rm_units WHERE kind = 'village' LIMIT 1").get() as { id: string };
      await page.goto(`${base}/#/unit/${village.id}/2020`);
      await page.waitForSelector('.notice');
      expect(await page.textContent('.notice')).toContain('Thôn, khu phố không có phiếu chấm điểm');
      expect(problems.filter((p) => !p.includes(`/v1/years/2020/units/${village.id}`))).toEqual([]);
    } finally {
      await close();
    }
  });

  it('asks once for the read token when the API requires one', async () => {
    const locked = await buildApi({ queries, store, log, readToken: TOKEN });
    const lockedBase = await locked.listen({ host: '127.0.0.1', port: 0 });
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    try {
      await page.goto(`${lockedBase}/`);
      await page.waitForSelector('#token-dialog[open]');
      await page.screenshot({ path: join(SHOTS, 'dashboard-token.png') });
      await page.fill('#token-input', 'wrong-token-0000000000');
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector('#token-dialog[open]');
      expect(await page.textContent('#token-hint')).toContain('không đúng');
      await page.fill('#token-input', TOKEN);
      await page.click('#token-form button[type="submit"]');
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('[data-kpi="K1"] .kpi-value');
      expect(await page.evaluate(() => (globalThis as any).sessionStorage.getItem('dvk.readToken'))).toBe(TOKEN);
      // navigating further does not ask again
      await page.goto(`${lockedBase}/#/unit/xa-cao-thuong/2019`);
      await page.waitForSelector('.crit-card');
      expect(await page.isVisible('#token-dialog[open]')).toBe(false);
    } finally {
      await context.close();
      await locked.close();
    }
  });

  it('shows the export links once the export endpoints exist', async () => {
    // what the lead will add from the documents package: here a stand-in for the CSV only
    const { app: host } = await createServiceApp({ name: 'all-in-one', log });
    const exportsCsv: FastifyPluginAsync<V1Context> = async (v1) => {
      v1.get('/years/:year/export.csv', async (req, reply) => reply.type('text/csv; charset=utf-8').send(`year\n${(req.params as { year: string }).year}\n`));
    };
    await host.register(apiRoutes, { queries, store, log, extraRoutes: [exportsCsv] });
    const hostBase = await host.listen({ host: '127.0.0.1', port: 0 });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    try {
      await page.goto(`${hostBase}/#/year/2019`);
      await page.waitForSelector('#exports:not([hidden]) a');
      const links = await page.$$eval('#exports a', (as) => as.map((a) => [a.getAttribute('href'), a.textContent]));
      expect(links).toEqual([['v1/years/2019/export.csv', '⬇ Dữ liệu CSV (.csv)']]);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#exports a')]);
      expect(download.suggestedFilename()).toBe('dan-van-2019.csv');
      await page.locator('#exports').screenshot({ path: join(SHOTS, 'dashboard-exports.png') });
    } finally {
      await context.close();
      await host.close();
    }
  });
});

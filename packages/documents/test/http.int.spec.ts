import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { SourceRegistry, type UnitLookup } from '@dvk/ingestion';
import { defaultRulebook } from '@dvk/scoring';
import { XLSX_TYPE, buildTemplate, exportsRoute, rollFromReport, sheetsRoute, type SheetImportSummary, type SheetProblem } from '../src/index.js';
import { DATA, UNITS, YEAR, cellOf, fillTemplate, fixtureHistory, reportOf, rollOf } from './fixture.js';

/** `POST /v1/sheets` and the export downloads, over a real SQLite store, through fastify's inject. */

const rb = defaultRulebook();
const report = reportOf(fixtureHistory());
let dir: string;
let store: SqliteEventStore;
let app: FastifyInstance;
let tokens: Record<'all' | 'caoXa' | 'reportsOnly', string>;
let template: Buffer;
let appendedCalls = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dvk-sheets-'));
  store = openSqliteEventStore({ path: join(dir, 'dvk.sqlite') });
  const h = await store.appendMany(fixtureHistory());
  if (E.isLeft(h)) throw new Error(h.left.message);
  const sources = new SourceRegistry(store.db);
  tokens = {
    all: sources.add('ban-dan-van', { units: '*', descendants: false, kinds: '*', types: '*' }),
    caoXa: sources.add('xa-cao-xa', { units: ['dbx-cao-xa'], descendants: true, kinds: '*', types: ['CriterionAssessed'] }),
    reportsOnly: sources.add('van-phong', { units: '*', descendants: false, kinds: '*', types: ['MonthlyReportSubmitted'] }),
  };
  const units = new Map(UNITS.map((u) => [u.id, { kind: u.kind, parentId: u.parentId ?? null }]));
  const lookup: UnitLookup = (id) => units.get(id) ?? null;
  app = Fastify();
  await app.register(
    sheetsRoute({
      store,
      sources,
      scopeLookup: lookup,
      roll: () => rollFromReport(report),
      rulebookFor: () => rb,
      afterAppend: () => void appendedCalls++,
    }),
  );
  await app.register(exportsRoute({ data: async (y) => (y === YEAR ? { report: DATA.report, rulebook: rb, reportDigest: DATA.reportDigest } : null) }), { prefix: '/v1' });
  await app.ready();
  const t = await buildTemplate({ year: YEAR, roll: rollOf(report), rulebook: rb, generatedAt: new Date('2020-01-05T02:00:00Z') });
  if (E.isLeft(t)) throw new Error(t.left.message);
  template = t.right;
});

afterAll(async () => {
  await app?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: Buffer, query: string, token: string | null, type = XLSX_TYPE) =>
  app.inject({
    method: 'POST',
    url: `/v1/sheets?${query}`,
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    payload: body,
  });
const head = async () => {
  const h = await store.head();
  if (E.isLeft(h)) throw new Error(h.left.message);
  return h.right.position;
};

describe('POST /v1/sheets', () => {
  it('needs a valid source token, the XLSX media type and valid parameters', async () => {
    const filled = await fillTemplate(template);
    const anon = await post(filled, 'assessor=ban-dan-van&role=official', null);
    expect(anon.statusCode).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/Bearer/);
    expect((await post(filled, 'assessor=ban-dan-van&role=official', 'dvk_not-a-token')).statusCode).toBe(401);
    const text = await post(filled, 'assessor=ban-dan-van&role=official', tokens.all, 'text/plain');
    expect(text.statusCode).toBe(415);
    const noRole = await post(filled, 'assessor=ban-dan-van', tokens.all);
    expect(noRole.statusCode).toBe(400);
    expect(noRole.json().issues[0].path).toBe('role');
    expect((await post(filled, 'assessor=ban-dan-van&role=official', tokens.reportsOnly)).statusCode).toBe(403);
  });

  it('imports every cell once: a second import appends nothing', async () => {
    const filled = await fillTemplate(template);
    const before = await head();
    const first = await post(filled, 'assessor=ban-dan-van&role=official', tokens.all);
    expect(first.statusCode).toBe(200);
    const s = first.json<SheetImportSummary>();
    expect([s.appended, s.blank, s.problems.length]).toEqual([49, 2, 0]);
    expect(await head()).toBe(before + 49);
    const evt = await store.readAt([before + 1]);
    expect(E.isRight(evt) && evt.right[0]!.event.source).toBe('ban-dan-van'); // the authenticated source
    expect(appendedCalls).toBe(1);
    const again = await post(filled, 'assessor=ban-dan-van&role=official', tokens.all);
    expect(again.json<SheetImportSummary>()).toMatchObject({ appended: 0, unchanged: 49 });
    expect(await head()).toBe(before + 49);
    expect(appendedCalls).toBe(1);
  });

  it('rejects a file with a bad cell as a whole (422), naming the cell', async () => {
    const { sheet, cell } = await cellOf(template, 'mt-phu-nu', 'C3');
    const bad = await fillTemplate(template, undefined, (wb) => (wb.getWorksheet(sheet)!.getCell(cell).value = 20.001));
    const before = await head();
    const r = await post(bad, 'assessor=to-tham-dinh&role=official', tokens.all);
    expect(r.statusCode).toBe(422);
    const body = r.json<{ error: string; problems: SheetProblem[]; validCells: number }>();
    expect(body.error).toBe('sheet_rejected');
    expect(body.problems).toEqual([expect.objectContaining({ sheet: 'MTTQ, đoàn thể', cell, code: 'too_many_decimals', unitId: 'mt-phu-nu', criterionId: 'C3' })]);
    expect(body.validCells).toBe(48);
    expect(await head()).toBe(before);
    const other = await post(await fillTemplate(template), 'assessor=ban-dan-van&role=official&year=2020', tokens.all);
    expect(other.statusCode).toBe(422);
    expect(other.json().problems[0]).toMatchObject({ sheet: '_dvk', cell: 'B2', code: 'wrong_year' });
  });

  it("checks every cell against the source's scope: 403 when nothing else is wrong; with partial, appends what it may", async () => {
    const filled = await fillTemplate(template);
    const before = await head();
    const all = await post(filled, 'assessor=xa-cao-xa&role=self', tokens.caoXa);
    expect(all.statusCode).toBe(403);
    expect(all.json().problems.every((p: SheetProblem) => p.code === 'out_of_scope')).toBe(true);
    const partial = await post(filled, 'assessor=xa-cao-xa&role=self&partial=true', tokens.caoXa);
    expect(partial.statusCode).toBe(200);
    const s = partial.json<SheetImportSummary>();
    // dbx-cao-xa itself (A1, A2, A7) and the units below it: kdv-cao-xa, and tdv-dong-lac of its village (B1, B4 each).
    expect(s.appended).toBe(7);
    expect(s.deadLettered).toBe(42);
    expect(await head()).toBe(before + 7);
    const dl = await store.listDeadLetters({ channel: 'sheet' });
    expect(E.isRight(dl) && dl.right.length).toBe(42);
    expect(E.isRight(dl) && dl.right[0]!.source).toBe('xa-cao-xa');
    expect(E.isRight(dl) && dl.right[0]!.reason).toMatch(/^'.+'![A-Z]+\d+: unit .* is outside the scope of source "xa-cao-xa"$/);
  });
});

describe('export downloads', () => {
  it('serves the XLSX and the CSV parts of a year', async () => {
    const x = await app.inject({ method: 'GET', url: `/v1/years/${YEAR}/export.xlsx` });
    expect(x.statusCode).toBe(200);
    expect(x.headers['content-type']).toBe(XLSX_TYPE);
    expect(x.headers['content-disposition']).toBe('attachment; filename="dvk-2019.xlsx"');
    expect(x.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const k = await app.inject({ method: 'GET', url: `/v1/years/${YEAR}/export/kpis.csv` });
    expect(k.statusCode).toBe(200);
    expect(k.headers['content-disposition']).toBe('attachment; filename="dvk-2019.kpis.csv"');
    expect(k.rawPayload.toString('utf8')).toMatch(/^\uFEFFyear,kpi,label/);
    expect((await app.inject({ method: 'GET', url: `/v1/years/${YEAR}/export/mass_org.csv` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/v1/years/${YEAR}/export/villages.csv` })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/years/2031/export.xlsx' })).statusCode).toBe(404);
  });
});

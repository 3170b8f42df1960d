import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RANK_LISTS, RankingContent, RankingMessage, YearReport, digestOf, type RankingContent as Content, type YearReport as Report } from '@dvk/contracts';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { readModelQueries, type ReadModelQueries } from '@dvk/projections';
import { renderer } from '@dvk/messages';
import { createServiceApp } from '@dvk/service-kit';
import { apiRoutes, buildApi, loadApiConfig, type V1Context } from '../src/index.js';
import { buildSampleDb, dvk, type SampleDb } from './fixture.js';

/**
 * The read API over the sample district (built with the real `dvk import`), through fastify's
 * inject: every endpoint, its errors, the token option, the OpenAPI document, and the equality of
 * the API's KPIs and rankings with `dvk report --json` for every year.
 */

const log = pino({ level: 'silent' });
const TOKEN = 'test-token-0123456789abcdef';

let sample: SampleDb;
let store: SqliteEventStore;
let queries: ReadModelQueries;
let app: FastifyInstance;
let years: number[];
const reports = new Map<number, Report>();
const reportText = new Map<number, string>();

const get = async (url: string, headers: Record<string, string> = {}) => {
  const r = await app.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, headers: r.headers, body: r.body, json: () => JSON.parse(r.body) as Record<string, unknown> & any };
};

/** A ranking published by the ranking service (its outbox table), as the read model keeps it. */
function publish(year: number, list: string, version: number, status: string, content: Content, position: number) {
  const message = {
    schema: 'dvk.ranking/1',
    year,
    list,
    status,
    version,
    position,
    logDigest: { position, events: position, streams: 10, root: `sha256:${'a'.repeat(64)}`, order: `sha256:${'b'.repeat(64)}` },
    rulebook: content.rulebook,
    contentDigest: digestOf(content),
    content,
  };
  RankingMessage.parse(message);
  store.db
    .prepare('INSERT INTO rm_published (year, list, version, status, position, content_digest, message, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(year, list, version, status, position, message.contentDigest, JSON.stringify(message), '2021-01-20T03:00:00.000Z');
  return message;
}

beforeAll(async () => {
  sample = buildSampleDb();
  store = openSqliteEventStore({ path: sample.db });
  queries = readModelQueries(store.db);
  app = await buildApi({ queries, store, log });
  years = queries.years().map((y) => y.year);
  for (const y of years) {
    const text = dvk(['--db', sample.db, 'report', '--year', String(y), '--json']);
    reportText.set(y, text);
    reports.set(y, YearReport.parse(JSON.parse(text)));
  }
}, 180_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  sample?.cleanup();
});

describe('the sample district', () => {
  it('has the years 2016–2020 with results', () => {
    expect(years).toEqual([2016, 2017, 2018, 2019, 2020]);
  });
});

describe('equality with dvk report --json', () => {
  it('serves the report byte for byte', async () => {
    for (const y of years) {
      const r = await get(`/v1/years/${y}/report`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.body + '\n').toBe(reportText.get(y));
    }
  });

  it("KPIs of every year equal the report's", async () => {
    for (const y of years) {
      const r = await get(`/v1/years/${y}/kpis`);
      expect(r.status).toBe(200);
      const body = r.json();
      expect(body.kpis).toStrictEqual(reports.get(y)!.kpis);
      expect(body.rulebook).toStrictEqual(reports.get(y)!.rulebook);
    }
    // and the history endpoint the dashboard charts from
    const h = (await get('/v1/kpis')).json();
    expect(h.years.map((x: { year: number }) => x.year)).toEqual(years);
    for (const x of h.years) expect(x.kpis).toStrictEqual(reports.get(x.year)!.kpis);
  });

  it("rankings of every year and list equal the report's units, in rank order", async () => {
    for (const y of years) {
      const report = reports.get(y)!;
      for (const list of RANK_LISTS) {
        const r = await get(`/v1/years/${y}/rankings/${list}`);
        expect(r.status, `${y}/${list}`).toBe(200);
        const content = RankingContent.parse(r.json().content);
        const units = report.units.filter((u) => u.list === list);
        const ranked = units.filter((u) => u.rank !== null).sort((a, b) => a.rank! - b.rank!);
        expect(content.entries).toStrictEqual(
          ranked.map((u) => ({ rank: u.rank, unitId: u.unitId, name: u.name, kind: u.kind, total: u.total, criteria: u.criteria, bonus: u.bonus, tier: u.tier, titles: u.titles, vetoes: u.vetoes })),
        );
        expect(content.unrated).toStrictEqual(units.filter((u) => u.rank === null).map((u) => ({ unitId: u.unitId, name: u.name, kind: u.kind, missing: u.missing })));
        expect(content.rulebook).toStrictEqual(report.rulebook);
      }
    }
  });
});

describe('GET /v1/years', () => {
  it('lists years with position, closed position and rulebook', async () => {
    const r = await get('/v1/years');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-cache');
    const body = r.json();
    expect(body.years).toHaveLength(5);
    const [first, last] = [body.years[0], body.years.at(-1)];
    expect(first).toMatchObject({ year: 2016, closed: true, rulebook: { id: 'tan-yen-2016', version: 1 } });
    expect(first.closedPosition).toBeGreaterThan(0);
    expect(last).toMatchObject({ year: 2020, closed: false, closedPosition: null });
    expect(body.checkpoint.position).toBe(queries.checkpoint()!.position);
    for (const y of body.years) expect(y.position).toBeLessThanOrEqual(body.checkpoint.position);
  });
});

describe('GET /v1/years/:year/kpis', () => {
  it('adds the rule and the units counted of each KPI', async () => {
    const body = (await get('/v1/years/2020/kpis')).json();
    expect(Object.keys(body.explain)).toEqual(Object.keys(body.kpis));
    const k1 = body.kpis.K1;
    expect(body.explain.K1.rule).toMatchObject({ code: 'rule.kpi.tiers', params: { kpi: 'K1', year: 2020, kinds: ['mobilization_team'], tiers: ['good'] } });
    expect(body.explain.K1.rule.text).toMatch(/^K1: số tổ dân vận trong danh sách đánh giá năm 2020 xếp loại “Hoạt động tốt”/);
    expect(body.explain.K1.computation).toMatchObject({ code: 'calc.kpi.share', params: { numerator: k1.numerator, denominator: k1.denominator } });
    expect(body.explain.K1.counted).toHaveLength(k1.numerator);
    expect(body.explain.K1.of).toHaveLength(k1.denominator);
    expect(body.explain.K5.counted).toHaveLength(body.kpis.K5.count);
    expect(body).toMatchObject({ year: 2020, closed: false });
  });
});

describe('GET /v1/years/:year/rankings/:list', () => {
  it('is "unpublished" while the ranking service has published nothing', async () => {
    const body = (await get('/v1/years/2018/rankings/mass_org')).json();
    const current = queries.rankingContent(2018, 'mass_org')!;
    expect(body).toMatchObject({ status: 'unpublished', version: null, logDigest: null, versions: [], current: true, position: current.position, contentDigest: current.digest });
    expect(body.contentDigest).toBe(digestOf(body.content));
  });

  it('serves the latest published message, and older versions with ?version=N', async () => {
    const current = queries.rankingContent(2019, 'mass_org')!.content;
    const older = { ...current, entries: current.entries.slice(0, -1) };
    const v1 = publish(2019, 'mass_org', 1, 'final', older, 31_000);
    const v2 = publish(2019, 'mass_org', 2, 'revised', current, 39_000);
    const latest = (await get('/v1/years/2019/rankings/mass_org')).json();
    expect(latest).toMatchObject({ status: 'revised', version: 2, versions: [1, 2], current: true, position: 39_000, contentDigest: v2.contentDigest, logDigest: v2.logDigest });
    expect(latest.content).toStrictEqual(current);
    const { versions, current: isCurrent, ...message } = latest;
    expect(message).toStrictEqual(RankingMessage.parse(JSON.parse(queries.latestPublished(2019, 'mass_org')!.json)));
    expect([versions, isCurrent]).toEqual([[1, 2], true]);
    const first = (await get('/v1/years/2019/rankings/mass_org?version=1')).json();
    expect(first).toMatchObject({ status: 'final', version: 1, versions: [1, 2], current: false, contentDigest: v1.contentDigest });
    expect(first.content.entries).toHaveLength(current.entries.length - 1);
    const missing = await get('/v1/years/2019/rankings/mass_org?version=3');
    expect(missing.status).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: expect.stringContaining('no published version 3') });
  });
});

describe('GET /v1/years/:year/units/:unitId', () => {
  it('explains every figure with the events behind it', async () => {
    const r = await get('/v1/years/2020/units/xa-cao-thuong');
    expect(r.status).toBe(200);
    const body = r.json();
    const card = queries.scorecard(2020, 'xa-cao-thuong')!;
    expect(body.scorecard).toStrictEqual(renderer('vi').withText(card));
    // every message keeps its code and parameters, and reads in Vietnamese (or English when asked)
    expect(body.scorecard.criteria[0].computation.text).toMatch(/^\d+(,\d+)? \/ 20 điểm$/);
    const en = (await get('/v1/years/2020/units/xa-cao-thuong?lang=en')).json();
    expect(en.scorecard.criteria[0].computation.text).toMatch(/^\d+(\.\d+)? \/ 20 points$/);
    const accept = await app.inject({ method: 'GET', url: '/v1/years/2020/units/xa-cao-thuong', headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(accept.json().scorecard.totalRule.text).toBe(en.scorecard.totalRule.text);
    expect(body.unit).toMatchObject({ unitId: 'xa-cao-thuong', kind: 'commune_party' });
    expect(body.years).toEqual([2016, 2017, 2018, 2019, 2020]);
    const positions = [...card.criteria.flatMap((c) => [...c.used, ...c.ignored]), ...card.bonus.used, ...card.bonus.ignored, ...card.vetoes.flatMap((v) => v.events)].map((n) => n.position);
    expect(positions.length).toBeGreaterThan(10);
    const stored = await store.readAt(positions);
    if (stored._tag === 'Left') throw new Error(stored.left.message);
    for (const e of stored.right) {
      expect(body.events[String(e.position)]).toMatchObject({ position: e.position, eventId: e.event.id, type: e.event.type, source: e.event.source });
      expect(body.events[String(e.position)].data.unitId).toBe('xa-cao-thuong');
    }
    // the total the page shows is the report's
    expect(body.scorecard.total).toBe(reports.get(2020)!.units.find((u) => u.unitId === 'xa-cao-thuong')!.total);
  });

  it('lists the events of that unit and year kept out of scoring', async () => {
    const rejected = queries.rejected().filter((r) => r.year !== null && queries.scorecard(r.year, r.unitId));
    expect(rejected.length).toBeGreaterThan(0);
    for (const fact of rejected) {
      const body = (await get(`/v1/years/${fact.year}/units/${fact.unitId}`)).json();
      expect(body.rejected).toContainEqual(
        expect.objectContaining({ position: fact.position, code: fact.code, reason: renderer('vi').withText(fact.reason), eventId: expect.stringMatching(/^[0-9a-f-]{36}$/) }),
      );
    }
  });

  it('answers 404 for an unknown unit, a unit without a scorecard, an unknown year', async () => {
    const unknown = await get('/v1/years/2020/units/no-such-unit');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'unknown unit no-such-unit' });
    const village = store.db.prepare("SELECT unit_id AS id FROM rm_units WHERE kind = 'village' LIMIT 1").get() as { id: string };
    const v = await get(`/v1/years/2020/units/${village.id}`);
    expect(v.status).toBe(404);
    expect(v.json().message).toMatch(/villages have no scoresheet/);
    const year = await get('/v1/years/2031/units/xa-cao-thuong');
    expect(year.status).toBe(404);
    expect(year.json().message).toMatch(/no results for year 2031/);
  });
});

describe('GET /v1/units', () => {
  it('searches names diacritics-insensitively: "dan van" finds "Dân vận"', async () => {
    for (const q of ['dan van', 'DÂN VẬN', 'Dân vận'.normalize('NFD'), '  dan   van ']) {
      const body = (await get(`/v1/units?q=${encodeURIComponent(q)}`)).json();
      expect(body.units.map((u: { name: string }) => u.name)).toContain('Ban Dân vận Huyện ủy');
      for (const u of body.units) expect(`${u.name.normalize('NFD').replace(/\p{Mn}/gu, '').replace(/[đĐ]/g, 'd').toLowerCase()} ${u.unitId}`).toMatch(/dan van|dan-van/);
    }
  });

  it('finds by id, honours limit, and says so when nothing matches', async () => {
    expect((await get('/v1/units?q=xa-cao-thuong')).json().units[0].unitId).toBe('xa-cao-thuong');
    expect((await get('/v1/units?q=a&limit=3')).json().units).toHaveLength(3);
    expect((await get('/v1/units?q=zzzzqqq')).json()).toEqual({ query: 'zzzzqqq', units: [] });
  });

  it('GET /v1/units/:unitId gives the unit and its results per year', async () => {
    const body = (await get('/v1/units/xa-cao-thuong')).json();
    expect(body.unit.name).toBe('Đảng bộ xã Cao Thượng');
    expect(body.years.map((y: { year: number }) => y.year)).toEqual(years);
    for (const y of body.years) expect(y.total).toBe(reports.get(y.year)!.units.find((u) => u.unitId === 'xa-cao-thuong')!.total);
    expect((await get('/v1/units/nope')).status).toBe(404);
  });
});

describe('GET /v1/rejected', () => {
  it('pages through the rejected facts with their event ids', async () => {
    const all = (await get('/v1/rejected')).json();
    expect(all.total).toBe(queries.rejectedCount());
    expect(all.items).toHaveLength(all.total);
    for (const x of all.items) expect(x.eventId).toMatch(/^[0-9a-f-]{36}$/);
    const page = (await get('/v1/rejected?limit=2&offset=1')).json();
    expect(page).toMatchObject({ total: all.total, offset: 1, limit: 2 });
    expect(page.items).toStrictEqual(all.items.slice(1, 3));
    const y2017 = (await get('/v1/rejected?year=2017')).json();
    expect(y2017.items.every((x: { year: number }) => x.year === 2017)).toBe(true);
    expect(y2017.total).toBe(queries.rejectedCount(2017));
  });
});

describe('errors', () => {
  it.each([
    ['/v1/years/abc/kpis', /params\/year/],
    ['/v1/years/20201/kpis', /params\/year/],
    ['/v1/years/2020/rankings/mass_org?version=0', /querystring\/version/],
    ['/v1/years/2020/rankings/mass_org?version=x', /querystring\/version/],
    ['/v1/years/2020/units/bad%20id', /params\/unitId/],
    ['/v1/units', /querystring\/q/],
    ['/v1/units?q=', /querystring\/q/],
    [`/v1/units?q=${'x'.repeat(101)}`, /querystring\/q/],
    ['/v1/units?q=a&limit=0', /querystring\/limit/],
    ['/v1/rejected?limit=-1', /querystring\/limit/],
  ])('400 for %s', async (url, message) => {
    const r = await get(url);
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(message) });
  });

  it.each([
    ['/v1/years/2031/kpis', /no results for year 2031/],
    ['/v1/years/2031/report', /no results for year 2031/],
    ['/v1/years/2031/rankings/mass_org', /no results for year 2031/],
    ['/v1/years/2020/rankings/villages', /unknown ranking list "villages"/],
    ['/v1/nothing-here', /no endpoint GET \/v1\/nothing-here/],
  ])('404 for %s', async (url, message) => {
    const r = await get(url);
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({ error: 'not_found', message: expect.stringMatching(message) });
  });
});

describe('the read token option', () => {
  let locked: FastifyInstance;
  beforeAll(async () => {
    locked = await buildApi({ queries, store, log, readToken: TOKEN });
  });
  afterAll(async () => {
    await locked.close();
  });
  const lockedGet = (url: string, headers: Record<string, string> = {}) => locked.inject({ method: 'GET', url, headers });

  it('requires Authorization: Bearer on every /v1 endpoint', async () => {
    for (const url of ['/v1/years', '/v1/kpis', '/v1/years/2020/kpis', '/v1/years/2020/report', '/v1/years/2020/rankings/mass_org', '/v1/years/2020/units/xa-cao-thuong', '/v1/units?q=dan', '/v1/units/xa-cao-thuong', '/v1/rejected', '/v1/nothing']) {
      const none = await lockedGet(url);
      expect(none.statusCode, url).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="dvk"');
      expect(JSON.parse(none.body)).toEqual({ error: 'unauthorized', message: 'this API requires Authorization: Bearer <token>' });
      const wrong = await lockedGet(url, { authorization: `Bearer ${TOKEN}x` });
      expect(wrong.statusCode).toBe(401);
      expect(JSON.parse(wrong.body).message).toBe('the bearer token is not valid');
      const right = await lockedGet(url, { authorization: `Bearer ${TOKEN}` });
      expect(right.statusCode, url).toBe(url === '/v1/nothing' ? 404 : 200);
      if (right.statusCode === 200) expect(right.headers['cache-control']).toBe('private, no-store');
    }
  });

  it('keeps the page, its assets, health, metrics and the OpenAPI document open', async () => {
    for (const url of ['/', '/assets/app.js', '/assets/app.css', '/assets/vendor/uPlot.esm.js', '/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await lockedGet(url)).statusCode, url).toBe(200);
    }
    const doc = JSON.parse((await lockedGet('/openapi.json')).body);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it('also guards and documents the /v1 routes other packages add (extraRoutes)', async () => {
    const exportsPlugin: FastifyPluginAsync<V1Context> = async (v1, ctx) => {
      v1.get('/years/:year/export.csv', { schema: { summary: 'The year as CSV' } }, async (req, reply) => {
        const year = Number((req.params as { year: string }).year);
        if (!ctx.queries.report(year)) return reply.code(404).send({ error: 'not_found', message: `no results for year ${year}` });
        return reply.type('text/csv; charset=utf-8').send('unitId,total\n');
      });
    };
    const withExports = await buildApi({ queries, store, log, readToken: TOKEN, extraRoutes: [exportsPlugin] });
    expect((await withExports.inject({ url: '/v1/years/2020/export.csv' })).statusCode).toBe(401);
    const ok = await withExports.inject({ url: '/v1/years/2020/export.csv', headers: { authorization: `Bearer ${TOKEN}` } });
    expect([ok.statusCode, ok.body]).toEqual([200, 'unitId,total\n']);
    expect((await withExports.inject({ method: 'HEAD', url: '/v1/years/2031/export.csv', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    const doc = JSON.parse((await withExports.inject({ url: '/openapi.json' })).body);
    expect(doc.paths['/v1/years/{year}/export.csv'].get.summary).toBe('The year as CSV');
    await withExports.close();
  });

  it('is configured by DVK_API_READ_TOKEN (at least 16 characters)', () => {
    expect(loadApiConfig({ DVK_API_READ_TOKEN: TOKEN }).readToken).toBe(TOKEN);
    expect(loadApiConfig({}).readToken).toBeUndefined();
    expect(() => loadApiConfig({ DVK_API_READ_TOKEN: 'short' })).toThrow(/DVK_API_READ_TOKEN .*at least 16/);
    expect(loadApiConfig({ DVK_API_PORT: '0', DVK_DB: '/x/y.sqlite' })).toMatchObject({ host: '127.0.0.1', port: 0, db: '/x/y.sqlite', rateLimitPerMinute: 1200 });
    expect(() => loadApiConfig({ DVK_API_PORT: 'http' })).toThrow(/DVK_API_PORT/);
  });
});

describe('service endpoints', () => {
  it('has health, readiness and Prometheus metrics', async () => {
    expect((await get('/healthz')).json()).toEqual({ status: 'ok', service: 'api' });
    expect((await get('/readyz')).json()).toEqual({ status: 'ready', checks: { 'read-model': 'ok' } });
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.body).toMatch(/dvk_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/years\/:year\/kpis"/);
  });

  it('is not ready on an empty read model', async () => {
    const empty = openSqliteEventStore({ path: ':memory:' });
    const a = await buildApi({ queries: readModelQueries(empty.db), store: empty, log });
    const r = await a.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(JSON.parse(r.body).checks['read-model']).toMatch(/empty/);
    expect(JSON.parse((await a.inject({ url: '/v1/years' })).body)).toEqual({ years: [], checkpoint: null });
    await a.close();
    await empty.close();
  });

  it('answers 429 with a JSON error past the rate limit', async () => {
    const limited = await buildApi({ queries, store, log, rateLimitPerMinute: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await limited.inject({ url: '/v1/years' })).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const r = await limited.inject({ url: '/v1/years' });
    expect(JSON.parse(r.body)).toEqual({ error: 'too_many_requests', message: expect.any(String) });
    await limited.close();
  });

  it('serves the page and assets under the strict CSP, uPlot from node_modules', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'/);
    expect(csp).toMatch(/script-src-attr 'none'/);
    expect(csp).not.toMatch(/upgrade-insecure-requests/); // the office network is often plain HTTP
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(page.body).not.toMatch(/<style|style=/); // no inline style
    expect(page.body).not.toMatch(/https?:\/\//); // no CDN
    const uplot = await get('/assets/vendor/uPlot.esm.js');
    expect(uplot.headers['content-type']).toMatch(/javascript/);
    expect(uplot.body).toMatch(/export \{ uPlot as default \}|export default/);
    for (const f of ['app.js', 'api.js', 'charts.js', 'dom.js', 'labels.js', 'overview.js', 'unit.js', 'rejected.js', 'app.css']) {
      const r = await get(`/assets/${f}`);
      expect(r.status, f).toBe(200);
      expect(r.body).not.toMatch(/https?:\/\/(?!json-schema)/);
    }
  });
});

describe('OpenAPI', () => {
  const API_ROUTES = [
    '/v1/years',
    '/v1/kpis',
    '/v1/years/{year}/report',
    '/v1/years/{year}/kpis',
    '/v1/years/{year}/rankings/{list}',
    '/v1/years/{year}/units/{unitId}',
    '/v1/units',
    '/v1/units/{unitId}',
    '/v1/rejected',
  ];

  it('is generated from the zod schemas and lists every route', async () => {
    const r = await get('/openapi.json');
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([...API_ROUTES, '/healthz', '/readyz', '/metrics'].sort());
    for (const p of API_ROUTES) {
      const op = doc.paths[p].get;
      expect(op.summary, p).toBeTruthy();
      expect(op.responses['200'].content['application/json'].schema, p).toBeTruthy();
      expect(op.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    // the contracts' published shapes are named components
    for (const name of ['YearReport', 'Kpi', 'RankingContent', 'PublishedRanking', 'UnpublishedRanking', 'RankingView', 'ScorecardView', 'RejectedFact', 'Error'])
      expect(doc.components.schemas[name], name).toBeTruthy();
    expect(doc.paths['/v1/years/{year}/report'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/YearReport' });
    // every reference resolves
    const refs = [...r.body.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeTruthy();
    // parameters say where they come from
    const ranking = doc.paths['/v1/years/{year}/rankings/{list}'].get.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort();
    expect(ranking).toEqual(['path:list', 'path:year', 'query:version']);
  });

  it('documents every route apiRoutes registers (as the lead mounts it)', async () => {
    const { app: host } = await createServiceApp({ name: 'all-in-one', log });
    const routes: string[] = [];
    host.addHook('onRoute', (r) => {
      if (r.method === 'GET' || (Array.isArray(r.method) && r.method.includes('GET'))) routes.push(r.url);
    });
    await host.register(apiRoutes, { queries, store, log });
    await host.ready();
    const doc = JSON.parse((await host.inject({ url: '/openapi.json' })).body);
    const documented = Object.keys(doc.paths).map((p) => p.replace(/\{(\w+)\}/g, ':$1'));
    const apiRoutesSeen = routes.filter((u) => u.startsWith('/v1/') && u !== '/v1/*');
    expect(apiRoutesSeen.sort()).toEqual(documented.sort());
    expect(routes).toEqual(expect.arrayContaining(['/', '/openapi.json', '/assets/app.js', '/assets/vendor/uPlot.esm.js']));
    expect((await host.inject({ url: '/v1/years/2020/kpis' })).statusCode).toBe(200);
    await host.close();
  });
});

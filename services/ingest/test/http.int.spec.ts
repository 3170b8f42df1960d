import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import type { Envelope } from '@dvk/contracts';
import { storeUnavailable } from '@dvk/event-store';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { ScoringProjection, catchUp, readModelQueries } from '@dvk/projections';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { createServiceApp } from '@dvk/service-kit';
import { startIngest, type BatchAnswer, type IngestService } from '../src/index.js';
import { assessed, dialogue, envelope, monthly, ndjson, registered, tempDir, testConfig } from './helpers.js';

/** POST /v1/events against a real SQLite file: fastify's inject, and a real listener for concurrency. */

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const log = pino({ level: process.env.DVK_TEST_LOG ?? 'silent' });
let n = 0;
const open: IngestService[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function service(over: Record<string, unknown> = {}) {
  const db = tmp.file(`http-${++n}.sqlite`);
  const svc = await startIngest({ config: testConfig({ db, ...over }), log });
  open.push(svc);
  const tokens = {
    bdv: svc.ingestor.sources.add('ban-dan-van', { units: '*', descendants: false, kinds: '*', types: '*' }),
    xaA: svc.ingestor.sources.add('xa-a', { units: ['xa-a'], descendants: true, kinds: '*', types: '*' }),
    assessor: svc.ingestor.sources.add('ban-dan-van-danh-gia', { units: '*', descendants: false, kinds: '*', types: ['CriterionAssessed', 'AssessmentRetracted'] }),
  };
  const post = (body: string | Buffer, o: { token?: string | null; type?: string; auth?: string } = {}) =>
    svc.app.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: {
        ...(o.type === '' ? {} : { 'content-type': o.type ?? 'application/x-ndjson' }),
        ...(o.auth !== undefined ? { authorization: o.auth } : o.token === null ? {} : { authorization: `Bearer ${o.token ?? tokens.bdv}` }),
      },
      payload: body,
    });
  const count = async () => {
    const h = await svc.store.head();
    return E.isRight(h) ? h.right.events : -1;
  };
  const deadLetters = async () => {
    const d = await svc.store.listDeadLetters();
    return E.isRight(d) ? d.right : [];
  };
  return { svc, tokens, post, count, deadLetters, db };
}

describe('POST /v1/events: authentication', () => {
  it('answers 401 with a JSON error, and appends nothing, without a valid bearer token', async () => {
    const { svc, post, count, tokens } = await service();
    const body = ndjson([registered('xa-a', 'commune_party', 'ban-dan-van')]);
    for (const o of [{ token: null }, { token: 'dvk_not-a-token' }, { auth: `Basic ${tokens.bdv}` }, { auth: 'Bearer' }, { auth: `Bearer ${tokens.bdv} extra` }]) {
      const r = await post(body, o);
      expect(r.statusCode, JSON.stringify(o)).toBe(401);
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(r.json()).toMatchObject({ error: 'unauthorized' });
      expect(r.body).not.toContain(tokens.bdv);
    }
    svc.ingestor.sources.revoke('ban-dan-van');
    const revoked = await post(body);
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().message).toMatch(/revoked/);
    expect(await count()).toBe(0);
    const metrics = await svc.app.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/dvk_ingest_auth_failures_total\{[^}]*\} 6/);
  });

  it('checks the token before reading a body, even an oversized one', async () => {
    const { post } = await service({ maxBodyBytes: 2048 });
    const r = await post('x'.repeat(10_000), { token: 'nope' });
    expect(r.statusCode).toBe(401);
  });
});

describe('POST /v1/events: formats', () => {
  it('takes NDJSON: each line appended, duplicate or rejected on its own, with its line number and reason', async () => {
    const { post, count, deadLetters } = await service();
    const good = registered('xa-a', 'commune_party', 'ban-dan-van');
    const bad = envelope('MonthlyReportSubmitted', 'ban-dan-van', { unitId: 'xa-a', year: 2019, month: 13, submittedAt: '2019-12-01T00:00:00+07:00' });
    const other = envelope('DialogueHeld', 'ban-to-chuc', { unitId: 'xa-a', heldAt: '2019-10-15T08:00:00+07:00', participants: 3 });
    const body = '\uFEFF' + ndjson([good, '{"id": "oops",', '', bad, '   ', other, good, dialogue('xa-a', 'ban-dan-van')]).replace(/\n/g, '\r\n');
    const r = await post(body);
    expect(r.statusCode).toBe(200);
    const a = r.json<BatchAnswer>();
    expect(a).toMatchObject({ appended: 2, duplicates: 1, rejected: 3 });
    expect(a.results.map((x) => [x.index, x.line, x.status, x.code ?? null])).toEqual([
      [0, 1, 'appended', null],
      [1, 2, 'rejected', 'malformed_json'],
      [2, 4, 'rejected', 'schema'],
      [3, 6, 'rejected', 'source_mismatch'],
      [4, 7, 'duplicate', null],
      [5, 8, 'appended', null],
    ]);
    expect(a.results[0]).toMatchObject({ id: good.id, position: 1 });
    expect(a.results[4]).toMatchObject({ id: good.id, position: 1 });
    expect(a.results[1]!.reason).toMatch(/^not valid JSON/);
    expect(a.results[2]).toMatchObject({ id: bad.id, reason: 'data.month: must be between 1 and 12' });
    expect(a.results[3]!.reason).toMatch(/must be the authenticated source "ban-dan-van" \(got "ban-to-chuc"\)/);
    expect(await count()).toBe(2);
    const dl = await deadLetters();
    expect(dl.map((d) => [d.channel, d.source, d.ref])).toEqual([
      ['http', 'ban-dan-van', 'POST /v1/events#2'],
      ['http', 'ban-dan-van', 'POST /v1/events#4'],
      ['http', 'ban-dan-van', 'POST /v1/events#6'],
    ]);
    expect(dl[0]!.raw).toBe('{"id": "oops",');
    expect(dl[1]!.eventId).toBe(bad.id);
  });

  it('takes application/jsonl the same way', async () => {
    const { post } = await service();
    const r = await post(ndjson([registered('xa-a', 'commune_party', 'ban-dan-van')]), { type: 'application/jsonl; charset=utf-8' });
    expect(r.json()).toMatchObject({ appended: 1 });
  });

  it('takes a JSON array of envelopes, or one envelope', async () => {
    const { post, deadLetters } = await service();
    const u = registered('xa-a', 'commune_party', 'ban-dan-van');
    const r = await post(JSON.stringify([u, { ...assessed('xa-a', 'ban-dan-van'), id: 'not-a-uuid' }, dialogue('xa-a', 'ban-dan-van')]), { type: 'application/json' });
    expect(r.statusCode).toBe(200);
    const a = r.json<BatchAnswer>();
    expect(a.results.map((x) => [x.index, x.line, x.status])).toEqual([
      [0, 1, 'appended'],
      [1, 2, 'rejected'],
      [2, 3, 'appended'],
    ]);
    expect(a.results[1]!.reason).toMatch(/^id: must be a UUID/);
    expect((await deadLetters())[0]).toMatchObject({ ref: 'POST /v1/events#2', channel: 'http' });
    const one = await post(JSON.stringify(monthly('xa-a', 'ban-dan-van')), { type: 'application/json; charset=UTF-8' });
    expect(one.json()).toMatchObject({ appended: 1, results: [{ index: 0, line: 1, status: 'appended' }] });
  });

  it('answers 400, appending nothing, for a JSON body that is not JSON, not an envelope or array, or empty', async () => {
    const { post, count } = await service();
    const u = registered('xa-a', 'commune_party', 'ban-dan-van');
    const broken = await post(JSON.stringify([u]).slice(0, -1), { type: 'application/json' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toMatchObject({ error: 'malformed_json' });
    expect(broken.json().message).toMatch(/not valid JSON/);
    expect((await post('42', { type: 'application/json' })).statusCode).toBe(400);
    expect((await post(Buffer.from([0x5b, 0xff, 0x5d]), { type: 'application/json' })).json()).toMatchObject({ error: 'malformed_json' });
    expect((await post('[]', { type: 'application/json' })).json()).toMatchObject({ error: 'empty_batch' });
    expect((await post('\n\n')).json()).toMatchObject({ error: 'empty_batch' });
    expect((await post('')).statusCode).toBe(400);
    expect(await count()).toBe(0);
  });

  it('answers 415 for other content types', async () => {
    const { post } = await service();
    const body = ndjson([registered('xa-a', 'commune_party', 'ban-dan-van')]);
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1']) {
      const r = await post(body, { type });
      expect(r.statusCode, type).toBe(415);
      expect(r.json()).toMatchObject({ error: 'unsupported_media_type' });
    }
  });

  it('answers 413, appending nothing, beyond the batch size or the body size', async () => {
    const { post, count } = await service({ maxBatchEvents: 3, maxBodyBytes: 4096 });
    const events = Array.from({ length: 4 }, () => dialogue('xa-a', 'ban-dan-van'));
    const many = await post(ndjson(events));
    expect(many.statusCode).toBe(413);
    expect(many.json()).toMatchObject({ error: 'too_many_events' });
    const arr = await post(JSON.stringify(events), { type: 'application/json' });
    expect(arr.statusCode).toBe(413);
    expect(arr.json().message).toMatch(/at most 3 events \(got 4\)/);
    const big = await post(ndjson([{ ...dialogue('xa-a', 'ban-dan-van'), pad: 'x'.repeat(5000) }]));
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ error: 'payload_too_large' });
    expect(await count()).toBe(0);
    expect((await post(ndjson(events.slice(0, 3)))).json()).toMatchObject({ appended: 3 });
  });

  it('rejects an over-long line alone', async () => {
    const { post } = await service({ maxLineBytes: 512 });
    const r = await post(ndjson([dialogue('xa-a', 'ban-dan-van'), { ...dialogue('xa-a', 'ban-dan-van'), pad: 'x'.repeat(600) }]));
    expect(r.json<BatchAnswer>().results.map((x) => x.code ?? x.status)).toEqual(['appended', 'framing']);
  });
});

describe('POST /v1/events: scopes', () => {
  it('lets a commune office emit for its commune and the units below it; rejects the rest alone, with the reason', async () => {
    const { post, tokens, svc } = await service();
    // The registry comes from the Ban Dân vận (all units).
    const reg = await post(ndjson([registered('xa-a', 'commune_party', 'ban-dan-van'), registered('xa-b', 'commune_party', 'ban-dan-van'), registered('thon-a1', 'village', 'ban-dan-van', 'xa-a')]));
    expect(reg.json()).toMatchObject({ appended: 3 });
    // The commune office registers a team under its village and reports for it in the same batch.
    const r = await post(
      ndjson([
        monthly('xa-a', 'xa-a'),
        registered('tdv-a1', 'mobilization_team', 'xa-a', 'thon-a1'),
        monthly('tdv-a1', 'xa-a'),
        monthly('xa-b', 'xa-a'),
        registered('xa-c', 'commune_party', 'xa-a'),
        dialogue('thon-a1', 'xa-a'),
        envelope('YearClosed', 'xa-a', { year: 2019, closedAt: '2020-01-20T08:00:00+07:00' }),
      ]),
      { token: tokens.xaA },
    );
    const a = r.json<BatchAnswer>();
    expect(a.results.map((x) => x.status)).toEqual(['appended', 'appended', 'appended', 'rejected', 'rejected', 'appended', 'rejected']);
    expect(a.results[3]).toMatchObject({ code: 'scope', reason: 'unit xa-b is outside the scope of source "xa-a"' });
    expect(a.results[4]!.reason).toMatch(/unit xa-c is outside the scope/);
    expect(a.results[6]!.reason).toMatch(/may not close a year/);
    // The next batch sees the team in the unit index (the read model followed).
    expect((await post(ndjson([dialogue('tdv-a1', 'xa-a')]), { token: tokens.xaA })).json()).toMatchObject({ appended: 1 });
    await svc.ingestor.syncReadModel();
    expect(readModelQueries(svc.store.db).unit('tdv-a1')).toMatchObject({ kind: 'mobilization_team', parentId: 'thon-a1' });
  });

  it('counts units registered by another writer of the same file (the unit index is caught up on a miss)', async () => {
    const { post, tokens, db } = await service();
    const other = openSqliteEventStore({ path: db });
    const regs = [registered('xa-a', 'commune_party', 'ban-dan-van'), registered('thon-a9', 'village', 'ban-dan-van', 'xa-a')];
    expect(E.isRight(await other.appendMany(regs as unknown as Envelope[]))).toBe(true);
    await other.close();
    const r = (await post(ndjson([dialogue('thon-a9', 'xa-a')]), { token: tokens.xaA })).json<BatchAnswer>();
    expect(r.results[0]).toMatchObject({ status: 'appended' });
  });

  it('lets the assessment source emit assessments for every unit, and nothing else', async () => {
    const { post, tokens } = await service();
    await post(ndjson([registered('xa-a', 'commune_party', 'ban-dan-van'), registered('cq-b', 'agency', 'ban-dan-van')]));
    const src = 'ban-dan-van-danh-gia';
    const r = await post(ndjson([assessed('xa-a', src), assessed('cq-b', src, 12, 'A2'), registered('xa-z', 'commune_party', src), dialogue('xa-a', src)]), { token: tokens.assessor });
    const a = r.json<BatchAnswer>();
    expect(a.results.map((x) => x.status)).toEqual(['appended', 'appended', 'rejected', 'rejected']);
    expect(a.results[2]!.reason).toMatch(/may not emit UnitRegistered events/);
    expect(a.results.every((x) => x.status !== 'rejected' || x.code === 'scope')).toBe(true);
  });
});

describe('POST /v1/events: retries and idempotency', () => {
  it('appends nothing twice when the same batch is sent again, and dead-letters its bad lines once', async () => {
    const { post, count, deadLetters } = await service();
    const body = ndjson([registered('xa-a', 'commune_party', 'ban-dan-van'), '{bad', dialogue('xa-a', 'ban-dan-van'), monthly('xa-a', 'ban-dan-van', 2)]);
    const first = (await post(body)).json<BatchAnswer>();
    const again = (await post(body)).json<BatchAnswer>();
    const third = (await post(body)).json<BatchAnswer>();
    expect(first).toMatchObject({ appended: 3, duplicates: 0, rejected: 1 });
    for (const r of [again, third]) {
      expect(r).toMatchObject({ appended: 0, duplicates: 3, rejected: 1 });
      expect(r.results.map((x) => x.position)).toEqual(first.results.map((x) => x.position));
    }
    expect(await count()).toBe(3);
    expect(await deadLetters()).toHaveLength(1);
  });

  it('rejects an id reused with other content, and keeps the first', async () => {
    const { post, count, svc } = await service();
    const d = dialogue('xa-a', 'ban-dan-van', 10);
    await post(ndjson([d]));
    const r = (await post(ndjson([{ ...d, data: { ...(d.data as object), participants: 11 } }]))).json<BatchAnswer>();
    expect(r.results[0]).toMatchObject({ status: 'rejected', code: 'id_conflict', id: d.id });
    expect(r.results[0]!.reason).toMatch(/id reused with a different payload/);
    expect(await count()).toBe(1);
    const stored = await svc.store.findById(d.id as string);
    expect(E.isRight(stored) && (stored.right?.event.data as { participants: number }).participants).toBe(10);
  });

  it('answers 503 and writes nothing when the store fails, so the same batch can be retried', async () => {
    const db = tmp.file(`http-${++n}.sqlite`);
    const real = openSqliteEventStore({ path: db });
    let failing = true;
    const store = { ...real, appendMany: (...args: Parameters<typeof real.appendMany>) => (failing ? Promise.resolve(E.left(storeUnavailable('disk I/O error'))) : real.appendMany(...args)) };
    const svc = await startIngest({ config: testConfig({ db }), log, store });
    open.push(svc);
    const token = svc.ingestor.sources.add('ban-dan-van', { units: '*', descendants: false, kinds: '*', types: '*' });
    const body = ndjson([registered('xa-a', 'commune_party', 'ban-dan-van'), '{bad']);
    const send = () => svc.app.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${token}` }, payload: body });
    const r = await send();
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.json()).toMatchObject({ error: 'store_unavailable' });
    failing = false;
    expect((await send()).json()).toMatchObject({ appended: 1, rejected: 1 });
    await real.close();
  });
});

describe('POST /v1/events: concurrent clients over a real socket', () => {
  it('appends every event exactly once when many clients send overlapping batches at once', async () => {
    const { svc, tokens, count } = await service();
    const url = new URL(svc.url!);
    expect(url.hostname).toBe('127.0.0.1');
    const units = Array.from({ length: 8 }, (_, i) => `xa-${i}`);
    await svc.app.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tokens.bdv}` },
      payload: ndjson(units.map((u) => registered(u, 'commune_party', 'ban-dan-van'))),
    });
    // 40 batches of 25 events; each batch is sent by two clients at once (a retry racing the original).
    const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 25 }, (_, i) => dialogue(units[(b + i) % units.length]!, 'ban-dan-van', b * 100 + i + 1)));
    const send = (body: string) =>
      new Promise<BatchAnswer>((resolve, reject) => {
        const req = request(
          { host: url.hostname, port: url.port, path: '/v1/events', method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tokens.bdv}`, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text) as BatchAnswer) : reject(new Error(`${res.statusCode}: ${text}`))));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const answers = await Promise.all(batches.flatMap((b) => [send(ndjson(b)), send(ndjson(b))]));
    const appended = answers.reduce((s, a) => s + a.appended, 0);
    const duplicates = answers.reduce((s, a) => s + a.duplicates, 0);
    expect(appended).toBe(1000);
    expect(duplicates).toBe(1000);
    expect(await count()).toBe(1000 + units.length);
    // Each pair of answers agrees on the positions.
    for (let b = 0; b < batches.length; b++) expect(answers[2 * b]!.results.map((x) => x.position)).toEqual(answers[2 * b + 1]!.results.map((x) => x.position));
  });
});

describe('POST /v1/events: rate limit', () => {
  it('answers 429 beyond DVK_RATE_LIMIT_PER_MINUTE requests a minute from one client', async () => {
    const { post } = await service({ rateLimitPerMinute: 2 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) codes.push((await post(ndjson([dialogue('xa-a', 'ban-dan-van', i + 1)]))).statusCode);
    expect(codes).toEqual([200, 200, 429]);
  });
});

describe('health, readiness and metrics', () => {
  it('serves /healthz, /readyz and Prometheus metrics of appended, duplicates, rejected by reason and batch latency', async () => {
    const { svc, post } = await service();
    const u = registered('xa-a', 'commune_party', 'ban-dan-van');
    await post(ndjson([u, '{', dialogue('nowhere', 'elsewhere')]));
    await post(ndjson([u]));
    const app = svc.app.app;
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok' });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { store: 'ok' } });
    const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(m).toMatch(/dvk_ingest_events_appended_total\{[^}]*channel="http"[^}]*\} 1/);
    expect(m).toMatch(/dvk_ingest_events_duplicate_total\{[^}]*channel="http"[^}]*\} 1/);
    expect(m).toMatch(/dvk_ingest_events_rejected_total\{[^}]*reason="malformed_json"[^}]*\} 1/);
    expect(m).toMatch(/dvk_ingest_events_rejected_total\{[^}]*reason="source_mismatch"[^}]*\} 1/);
    expect(m).toMatch(/dvk_ingest_batch_duration_seconds_count\{[^}]*channel="http"[^}]*\} 2/);
  });

  it('reports the read model position at every scrape, also when another component keeps the read model', async () => {
    const { svc, post, db } = await service();
    await post(ndjson([registered('xa-a', 'commune_party', 'ban-dan-van'), dialogue('xa-a', 'ban-dan-van', 1)]));
    expect(await svc.ingestor.syncReadModel()).toBe(true);
    const gauge = async (s: typeof svc) => /dvk_ingest_read_model_position\{[^}]*\} (\d+)/.exec((await s.app.app.inject({ method: 'GET', url: '/metrics' })).body)?.[1];
    expect(await gauge(svc)).toBe('2');
    await svc.close();
    // restarted with the read model kept by another component (the scoring service, as in pnpm start)
    const again = await startIngest({ config: testConfig({ db, projection: 'off' }), log });
    open.push(again);
    expect(await gauge(again)).toBe('2');
  });
});

describe('mounted in a host app (pnpm start)', () => {
  it('adds its routes and metrics to the host without changing how the host parses bodies', async () => {
    const db = tmp.file(`host-${++n}.sqlite`);
    const store = openSqliteEventStore({ path: db });
    const host = await createServiceApp({ name: 'dvk', log });
    host.app.post('/echo', async (req) => ({ got: req.body }));
    const svc = await startIngest({ config: testConfig({ db }), log, store, app: host, projection: null });
    expect(svc.url).toBeNull();
    const token = svc.ingestor.sources.add('ban-dan-van', { units: '*', descendants: false, kinds: '*', types: '*' });
    const echo = await host.app.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(echo.json()).toEqual({ got: { a: 1 } });
    const r = await host.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify([registered('xa-a', 'commune_party', 'ban-dan-van')]),
    });
    expect(r.json()).toMatchObject({ appended: 1 });
    expect((await host.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/dvk_ingest_events_appended_total/);
    // projection: null leaves the read model to the host's scoring service.
    expect(readModelQueries(store.db).unit('xa-a')).toBeNull();
    // A scoped source's event for that unit waits for the host's projection to catch up.
    const xaA = svc.ingestor.sources.add('xa-a', { units: ['xa-a'], descendants: false, kinds: ['commune_party'], types: '*' });
    setTimeout(() => void catchUp(store, new ScoringProjection({ db: store.db, rulebooks: rulebookSet([defaultRulebook()]), log })), 300);
    const scoped = await host.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${xaA}` },
      payload: ndjson([dialogue('xa-a', 'xa-a')]),
    });
    expect(scoped.json()).toMatchObject({ appended: 1 });
    await svc.close();
    await host.app.close();
    await store.close();
  });
});

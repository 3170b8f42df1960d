import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, parseEnvelope } from '@dvk/contracts';
import type { IngestService, BatchAnswer } from '@dvk/svc-ingest';
import { ALL, allEvents, rawRequest, sleep, startTestIngest, tempDir } from '../support.js';
import { anyValidEnvelope, mutationOf, type Mutation, type Obj } from './arbitraries.js';
import { CaseCounter, runs } from './counts.js';

/**
 * Hostile clients of `POST /v1/events`, through fastify's inject and through a real listening
 * server on 127.0.0.1: random batches mixing valid events with every kind of bad line, wrong
 * content types and charsets, malformed JSON bodies, slow bodies and slow headers, oversize
 * bodies, huge headers, floods beyond the rate limit, and all of it at once from concurrent
 * clients. Every refusal is clear (status, code, reason, line) and recorded (dead letter or
 * counter); the service keeps answering; and the store holds exactly the valid events.
 */

const counter = new CaseCounter('http');
const tmp = tempDir('dvk-fuzz-http-');
let svc: IngestService;
let url: string;
const tokens: Record<string, string> = {};
/** What the store must hold: id → canonical JSON of the envelope. */
const expected = new Map<string, string>();
const UNITS = ['xa-a', 'xa-a-thon-1', 'xa-b', 'xa-b-thon-1'];

const env = (over: Obj = {}, data: Obj = {}): Obj => ({
  id: randomUUID(),
  type: 'DialogueHeld',
  schemaVersion: 1,
  source: 'ban-dan-van',
  occurredAt: '2019-10-15T08:00:00+07:00',
  ...over,
  data: { unitId: 'xa-a', heldAt: '2019-10-15T08:00:00+07:00', participants: 12, ...data },
});

function remember(e: Obj): void {
  const p = parseEnvelope(JSON.parse(JSON.stringify(e)));
  if (E.isLeft(p)) throw new Error(`not valid: ${p.left.message}`);
  expected.set(p.right.id, canonicalJson(p.right));
}

async function post(body: string | Buffer, o: { token?: string; type?: string | null } = {}) {
  return svc.app.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: {
      authorization: `Bearer ${o.token ?? tokens.bdv}`,
      ...(o.type === null ? {} : { 'content-type': o.type ?? 'application/x-ndjson' }),
    },
    payload: body,
  });
}

async function expectStoreExact(): Promise<void> {
  const events = await allEvents(svc.store);
  const got = new Map(events.map((e) => [e.event.id, canonicalJson(e.event)]));
  expect(got.size).toBe(events.length); // every id once
  expect(got.size).toBe(expected.size);
  for (const [id, json] of expected) expect(got.get(id), id).toBe(json);
}

beforeAll(async () => {
  svc = await startTestIngest(tmp.file('fuzz-http.sqlite'), { maxBodyBytes: 256 << 10, maxBatchEvents: 300, maxLineBytes: 8192, requestTimeoutMs: 1500 });
  url = svc.url!;
  tokens.bdv = svc.ingestor.sources.add('ban-dan-van', ALL);
  tokens.xaA = svc.ingestor.sources.add('xa-a', { ...ALL, units: ['xa-a'], descendants: true });
  const reg = [
    env({ type: 'UnitRegistered' }, { unitId: 'xa-a', kind: 'commune_party', name: 'Xã A', effectiveFrom: '2016-01-01', heldAt: undefined, participants: undefined }),
    env({ type: 'UnitRegistered' }, { unitId: 'xa-a-thon-1', kind: 'village', name: 'Thôn 1', parentId: 'xa-a', effectiveFrom: '2016-01-01', heldAt: undefined, participants: undefined }),
    env({ type: 'UnitRegistered' }, { unitId: 'xa-b', kind: 'commune_party', name: 'Xã B', effectiveFrom: '2016-01-01', heldAt: undefined, participants: undefined }),
    env({ type: 'UnitRegistered' }, { unitId: 'xa-b-thon-1', kind: 'village', name: 'Thôn 1 B', parentId: 'xa-b', effectiveFrom: '2016-01-01', heldAt: undefined, participants: undefined }),
  ].map((e) => JSON.parse(JSON.stringify(e)) as Obj);
  const r = await post(reg.map((e) => JSON.stringify(e)).join('\n'));
  expect(r.statusCode).toBe(200);
  reg.forEach(remember);
  await svc.ingestor.syncReadModel();
});
afterAll(async () => {
  counter.report();
  await svc?.close();
  tmp.cleanup();
});

// --- random batches through inject ------------------------------------------------------------------

const MUTABLE = ['DialogueHeld', 'CriterionAssessed', 'ContestPrizeAwarded', 'UnitsMerged', 'MonthlyReportSubmitted'] as const;
type MutableType = (typeof MUTABLE)[number];

type Item =
  | { kind: 'valid'; e: Obj; as: 'bdv' | 'xaA' }
  | { kind: 'out-of-scope'; e: Obj }
  | { kind: 'source-mismatch'; e: Obj }
  | { kind: 'duplicate' }
  | { kind: 'id-conflict' }
  | { kind: 'mutated'; t: MutableType; m: Mutation }
  | { kind: 'bytes'; bytes: Buffer; why: string };

const badBytes = fc.oneof(
  fc.constantFrom<[Buffer, string]>(
    [Buffer.from([0xff, 0xfe, 0x7b]), 'invalid UTF-8'],
    [Buffer.from('{"id": "oops",'), 'truncated'],
    [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]), 'BOM not at the start'],
    [Buffer.from('x'.repeat(9000)), 'over-long'],
    [Buffer.from('['.repeat(20_000) + ']'.repeat(20_000)), 'deep nesting (over-long)'],
    [Buffer.from('['.repeat(4000) + ']'.repeat(4000)), 'deep nesting'],
    [Buffer.from('{"__proto__":{"isAdmin":true},"id":"5f0c2d3e-8b1a-4c2d-9e8f-0123456789ab"}'), '__proto__'],
    [Buffer.from('{"constructor":{"prototype":{"x":1}}}'), 'constructor.prototype'],
    [Buffer.from('null'), 'null'],
    [Buffer.from('"a string"'), 'string'],
  ),
  // random bytes (never a newline; never blank: a blank line is skipped, not refused)
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b): [Buffer, string] => [Buffer.concat([Buffer.from('!'), Buffer.from(b.map((x) => (x === 0x0a ? 0x20 : x)))]), 'random bytes']),
);

const item: fc.Arbitrary<Item> = fc.oneof(
  { weight: 5, arbitrary: anyValidEnvelope.map((e): Item => ({ kind: 'valid', e: { ...e, source: 'ban-dan-van' }, as: 'bdv' })) },
  { weight: 2, arbitrary: fc.constantFrom('xa-a', 'xa-a-thon-1').map((u): Item => ({ kind: 'valid', e: env({ source: 'xa-a' }, { unitId: u }), as: 'xaA' })) },
  { weight: 1, arbitrary: fc.constantFrom('xa-b', 'xa-b-thon-1').map((u): Item => ({ kind: 'out-of-scope', e: env({ source: 'xa-a' }, { unitId: u }) })) },
  { weight: 1, arbitrary: fc.constant<Item>({ kind: 'source-mismatch', e: env({ source: 'someone-else' }) }) },
  { weight: 1, arbitrary: fc.constant<Item>({ kind: 'duplicate' }) },
  { weight: 1, arbitrary: fc.constant<Item>({ kind: 'id-conflict' }) },
  { weight: 3, arbitrary: fc.constantFrom(...MUTABLE).chain((t) => mutationOf(t).map((m): Item => ({ kind: 'mutated', t, m }))) },
  { weight: 2, arbitrary: badBytes.map(([bytes, why]): Item => ({ kind: 'bytes', bytes, why })) },
);

/** A valid envelope of the type `t` from `source` (a fixed sample), broken by `m`. */
function breakIt(t: MutableType, source: string, m: Mutation): Obj {
  const samples: Record<MutableType, Obj> = {
    DialogueHeld: env(),
    CriterionAssessed: env({ type: 'CriterionAssessed' }, { heldAt: undefined, participants: undefined, year: 2019, criterionId: 'A1', points: 12.5, role: 'official', assessorId: 'bdv' }),
    ContestPrizeAwarded: env({ type: 'ContestPrizeAwarded' }, { heldAt: undefined, participants: undefined, year: 2020, prize: 'first' }),
    UnitsMerged: env({ type: 'UnitsMerged' }, { heldAt: undefined, participants: undefined, sourceUnitIds: ['xa-b'], effectiveFrom: '2019-01-01' }),
    MonthlyReportSubmitted: env({ type: 'MonthlyReportSubmitted' }, { heldAt: undefined, participants: undefined, year: 2019, month: 3, submittedAt: '2019-03-28T09:00:00+07:00' }),
  };
  const e = JSON.parse(JSON.stringify({ ...samples[t], id: randomUUID(), source })) as Obj;
  m.apply(e);
  return e;
}

const contentType = fc.constantFrom('application/x-ndjson', 'application/jsonl', 'application/x-ndjson; charset=utf-8', 'application/json', 'APPLICATION/X-NDJSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/x-ndjson; charset=latin1', 'application/json; charset=utf-16', null);

describe('random batches (inject)', () => {
  const sent: Obj[] = []; // valid envelopes already accepted, for duplicates and id conflicts

  it('answers each line on its own (appended, duplicate or rejected with code, reason and line); the store holds exactly the valid events', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 25 }), contentType, fc.boolean(), async (items, type, asXaA) => {
        counter.add('random batches');
        counter.add('random batch lines', items.length);
        const token = asXaA ? tokens.xaA! : tokens.bdv!;
        const who = asXaA ? 'xa-a' : 'ban-dan-van';
        const ndjson = type === null || !/^application\/json *(;|$)/i.test(type);
        const lines: { text: Buffer; want: 'ok' | 'dup' | 'rejected'; e?: Obj; code?: string }[] = [];
        for (const it of items) {
          let e: Obj | null = null;
          let want: 'ok' | 'dup' | 'rejected' = 'rejected';
          let code: string | undefined;
          switch (it.kind) {
            case 'valid':
              e = { ...it.e, id: randomUUID() };
              if ((it.as === 'xaA') === asXaA) want = 'ok';
              else code = 'source_mismatch';
              break;
            case 'out-of-scope':
              e = { ...it.e, id: randomUUID() };
              code = asXaA ? 'scope' : 'source_mismatch';
              break;
            case 'source-mismatch':
              e = { ...it.e, id: randomUUID() };
              code = 'source_mismatch';
              break;
            case 'duplicate': {
              const prev = sent.find((x) => x.source === who);
              if (!prev) continue;
              e = prev;
              want = 'dup';
              break;
            }
            case 'id-conflict': {
              const prev = sent.find((x) => x.source === who && x.type === 'DialogueHeld');
              if (!prev) continue;
              e = { ...prev, data: { ...(prev.data as Obj), participants: (prev.data as Obj).participants === 7 ? 8 : 7 } };
              code = 'id_conflict';
              break;
            }
            case 'mutated':
              e = breakIt(it.t, who, it.m);
              // huge values make an over-long line or an oversize body: other tests cover those
              if (JSON.stringify(e).length > 6000) continue;
              break;
            case 'bytes':
              if (!ndjson) continue;
              lines.push({ text: it.bytes, want: 'rejected' });
              continue;
          }
          if (lines.some((l) => l.e && l.e.id !== undefined && l.e.id === e!.id)) continue; // one line per id per batch keeps the model simple
          lines.push({ text: Buffer.from(JSON.stringify(e)), want, e: e!, code });
        }
        if (lines.length === 0) return;
        const body = ndjson ? Buffer.concat(lines.flatMap((l) => [l.text, Buffer.from('\n')])) : Buffer.from(`[${lines.map((l) => l.text.toString()).join(',')}]`);
        const before = (await svc.store.countDeadLetters()) as E.Right<number>;
        const r = await post(body, { token, type });
        const okType = type !== null && /^application\/(x-ndjson|jsonl|json)(; charset=utf-8)?$/i.test(type);
        if (!okType) {
          expect(r.statusCode, `${type}`).toBe(415);
          expect(r.json()).toMatchObject({ error: expect.any(String), message: expect.stringMatching(/.+/) });
          return;
        }
        expect(r.statusCode, r.body.slice(0, 500)).toBe(200);
        const a = r.json() as BatchAnswer;
        expect(a.results).toHaveLength(lines.length);
        let rejected = 0;
        a.results.forEach((res, i) => {
          const l = lines[i]!;
          expect(res.line).toBe(i + 1);
          const ctx = `line ${i + 1}: ${l.text.subarray(0, 120).toString()} → ${JSON.stringify(res).slice(0, 300)}`;
          if (l.want === 'ok') {
            expect(res.status, ctx).toBe('appended');
            remember(l.e!);
            sent.push(l.e!);
          } else if (l.want === 'dup') expect(res.status, ctx).toBe('duplicate');
          else {
            rejected++;
            expect(res.status, ctx).toBe('rejected');
            expect(res.reason?.length, ctx).toBeGreaterThan(0);
            if (l.code) expect(res.code, ctx).toBe(l.code);
          }
        });
        // every rejection is a dead letter (a retried identical line is kept once)
        const after = (await svc.store.countDeadLetters()) as E.Right<number>;
        expect(after.right - before.right).toBeLessThanOrEqual(rejected);
        if (rejected > 0) expect(after.right).toBeGreaterThan(0);
      }),
      { numRuns: runs(400) },
    );
    await expectStoreExact();
  });
});

// --- hostile clients on a real socket -----------------------------------------------------------------

const head = (o: { length?: number; type?: string; token?: string | null; chunked?: boolean; extra?: string } = {}) =>
  `POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
  (o.token === null ? '' : `Authorization: Bearer ${o.token ?? tokens.bdv}\r\n`) +
  `Content-Type: ${o.type ?? 'application/x-ndjson'}\r\n` +
  (o.chunked ? 'Transfer-Encoding: chunked\r\n' : o.length !== undefined ? `Content-Length: ${o.length}\r\n` : '') +
  (o.extra ?? '') +
  '\r\n';

async function validPost(): Promise<{ status: number; ms: number }> {
  const e = env();
  const t0 = performance.now();
  const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, 'content-type': 'application/x-ndjson' }, body: JSON.stringify(e) + '\n' });
  const ms = performance.now() - t0;
  if (r.status === 200) remember(e);
  await r.arrayBuffer();
  return { status: r.status, ms };
}

describe('hostile clients on a real socket', () => {
  it('cuts slow bodies and slow headers off at the request timeout, while serving everyone else', async () => {
    const body = JSON.stringify(env()) + '\n';
    const slowBodies = Array.from({ length: 6 }, () =>
      rawRequest(url, head({ length: body.length }), body.split('').map((c) => c), { pauseMs: 100, timeoutMs: 15_000 }),
    );
    const slowHeaders = Array.from({ length: 3 }, () => {
      const h = head({ length: body.length });
      return rawRequest(url, h.slice(0, 20), h.slice(20).split(''), { pauseMs: 100, timeoutMs: 15_000 });
    });
    // meanwhile, ordinary clients are served promptly
    await sleep(200);
    const fast: { status: number; ms: number }[] = [];
    for (let i = 0; i < 10; i++) fast.push(await validPost());
    const slow = await Promise.all([...slowBodies, ...slowHeaders]);
    counter.add('slow clients', slow.length);
    for (const f of fast) {
      expect(f.status).toBe(200);
      expect(f.ms).toBeLessThan(1000);
    }
    for (const s of slow) {
      expect(s.closedByServer).toBe(true); // the server hung up, the client did not give up first
      expect([408, null]).toContain(s.status);
      expect(s.ms).toBeLessThan(6000); // timeout 1.5 s, checked every 375 ms
    }
    for (const s of slow.slice(0, slowBodies.length)) expect(s.sent).toBeLessThan(body.length); // never the whole trickle
    await expectStoreExact();
  });

  it('answers 413 to oversize bodies without reading them (Content-Length or chunked)', async () => {
    const chunk = Buffer.alloc(64 << 10, 0x61);
    const declared = await rawRequest(url, head({ length: 512 << 20 }), Array(200).fill(chunk), { timeoutMs: 10_000 });
    const chunked = await rawRequest(
      url,
      head({ chunked: true }),
      Array(200).fill(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])),
      { timeoutMs: 10_000 },
    );
    counter.add('oversize bodies', 2);
    for (const r of [declared, chunked]) {
      expect(r.status).toBe(413);
      expect(r.response).toMatch(/payload_too_large/);
      expect(r.sent).toBeLessThan(4 << 20); // cut off long before the 12.8 MiB were sent
    }
    // too many events in a body of allowed size: 413 as well, nothing appended
    const many = Array.from({ length: 301 }, () => JSON.stringify(env())).join('\n');
    const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, 'content-type': 'application/x-ndjson' }, body: many });
    expect(r.status).toBe(413);
    expect(await r.json()).toMatchObject({ error: 'too_many_events' });
    await expectStoreExact();
  });

  it('refuses huge headers and huge tokens, wrong and missing content types, bad charsets', async () => {
    const body = JSON.stringify(env()) + '\n';
    const hugeHeader = await rawRequest(url, head({ token: `dvk_${'A'.repeat(100_000)}`, length: body.length }), [body]);
    expect(hugeHeader.status).toBe(431); // Node's header limit (16 KiB)
    const bigToken = await rawRequest(url, head({ token: `dvk_${'A'.repeat(8000)}`, length: body.length }), [body]);
    expect(bigToken.status).toBe(401);
    const manyHeaders = await rawRequest(url, head({ length: body.length, extra: Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('') }), [body]);
    expect(manyHeaders.status).toBe(431);
    const noType = await rawRequest(url, head({ length: body.length }).replace(/Content-Type: [^\r]*\r\n/, ''), [body]);
    expect(noType.status).toBe(415);
    const cases: [string | null, number][] = [
      [null, 415],
      ['text/plain', 415],
      ['application/xml', 415],
      ['application/x-ndjson; charset=iso-8859-1', 415],
      ['application/json; charset=utf-16le', 415],
      ['application/x-ndjson;charset="utf-8"', 200],
      ['Application/X-NDJSON', 200],
    ];
    for (const [type, status] of cases) {
      const e = env();
      const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, ...(type ? { 'content-type': type } : {}) }, body: JSON.stringify(e) + '\n' });
      expect(r.status, String(type)).toBe(status);
      const j = (await r.json()) as { error?: string; message?: string; appended?: number };
      if (status === 200) remember(e);
      else expect(j.message?.length).toBeGreaterThan(0);
    }
    counter.add('header and content-type cases', 4 + cases.length);
    await expectStoreExact();
  });

  it('refuses malformed JSON bodies whole (400, recorded as a dead letter) and deeply nested elements alone', async () => {
    const malformed = ['[', '[{"id":1},', ']]', '[1,2,', '{"a":', '{"id": "x"} {"id": "y"}', '\u00ff', '[' + '['.repeat(50_000), 'tru', '"unterminated', '[{"id":"a"},]', ''];
    for (const m of malformed) {
      counter.add('malformed JSON bodies');
      const before = ((await svc.store.countDeadLetters()) as E.Right<number>).right;
      const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, 'content-type': 'application/json' }, body: m });
      expect(r.status, m.slice(0, 30)).toBe(400);
      const j = (await r.json()) as { error: string; message: string };
      expect(j.message.length).toBeLessThan(600);
      if (m !== '') expect(((await svc.store.countDeadLetters()) as E.Right<number>).right, m.slice(0, 30)).toBe(before + 1);
    }
    // an array whose elements are nested 10,000 or 1,000,000 deep: each refused alone, the valid one appended
    for (const depth of [10_000, 1_000_000]) {
      counter.add('deeply nested JSON elements');
      const good = env();
      const body = `[${JSON.stringify(good)},${'['.repeat(depth)}${']'.repeat(depth)},${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]`;
      const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, 'content-type': 'application/json' }, body });
      if (body.length > 256 << 10) {
        expect(r.status).toBe(413);
        continue;
      }
      expect(r.status).toBe(200);
      const a = (await r.json()) as BatchAnswer;
      expect(a.results.map((x) => x.status)).toEqual(['appended', 'rejected', 'rejected']);
      expect(a.results[1]!.reason).toMatch(/nested more than 64 levels/);
      remember(good);
    }
    await expectStoreExact();
  });

  it('survives a concurrent mix of everything, then still answers /healthz and holds exactly the valid events', async () => {
    const chunk = Buffer.alloc(32 << 10, 0x62);
    const tasks: (() => Promise<unknown>)[] = [];
    for (let i = 0; i < 60; i++) {
      const k = i % 6;
      if (k === 0) tasks.push(() => validPost());
      if (k === 1) tasks.push(() => rawRequest(url, head({ length: 10 << 20 }), Array(20).fill(chunk)));
      if (k === 2) tasks.push(() => rawRequest(url, head({ length: 200 }), ['{"id":'], { timeoutMs: 8000 }));
      if (k === 3) tasks.push(() => fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.bdv}`, 'content-type': 'application/json' }, body: '[{"id":' }).then((r) => r.arrayBuffer()));
      if (k === 4) tasks.push(() => fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/x-ndjson' }, body: '{}' }).then((r) => r.arrayBuffer()));
      if (k === 5)
        tasks.push(async () => {
          const e = env({ source: 'xa-a' }, { unitId: 'xa-b' });
          const ok = env({ source: 'xa-a' }, { unitId: 'xa-a-thon-1' });
          const r = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${tokens.xaA}`, 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify(e)}\n\xff\n${JSON.stringify(ok)}\n` });
          const a = (await r.json()) as BatchAnswer;
          expect(a.results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'appended']);
          remember(ok);
        });
    }
    const settled = await Promise.allSettled(tasks.map((t) => t()));
    counter.add('concurrent hostile requests', tasks.length);
    expect(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason))).toEqual([]);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    await expectStoreExact();
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/dvk_ingest_requests_refused_total\{[^}]*code="payload_too_large"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dvk_ingest_requests_refused_total\{[^}]*code="malformed_json"[^}]*\} [1-9]/);
  });
});

describe('rate limit', () => {
  it('answers 429 beyond the configured requests per minute, keeps /healthz open, and appends nothing of the refused', async () => {
    const t = tempDir('dvk-fuzz-rate-');
    const limited = await startTestIngest(t.file('rate.sqlite'), { rateLimitPerMinute: 20 });
    try {
      const token = limited.ingestor.sources.add('s', ALL);
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`${limited.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body: JSON.stringify(env({ source: 's' })) + '\n' });
        statuses.push(r.status);
        if (r.status === 429) expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        await r.arrayBuffer();
      }
      counter.add('rate-limited requests', statuses.length);
      expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
      const h = await limited.store.head();
      expect(E.isRight(h) && h.right.events).toBe(20);
    } finally {
      await limited.close();
      t.cleanup();
    }
  });
});

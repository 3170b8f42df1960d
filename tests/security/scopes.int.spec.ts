import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import type { InboundMessage } from '@dvk/messaging';
import { kafkaCandidates, type BatchAnswer, type IngestService } from '@dvk/svc-ingest';
import { ALL, allEvents, runCli, startTestIngest, tempDir } from '../support.js';

/**
 * Per-source scopes on every path: HTTP (`POST /v1/events`), Kafka (the source named by the
 * `dvk-source` header or mapped from the topic) and file import with `--as-source`. The same
 * event is judged the same way on each; an out-of-scope event is refused alone, with the reason,
 * and recorded; the others of its batch are appended.
 */

type Obj = Record<string, unknown>;
const tmp = tempDir('dvk-sec-scopes-');
let svc: IngestService;
const tokens: Record<string, string> = {};

const at = '2019-10-15T08:00:00+07:00';
const ev = (type: string, source: string, data: Obj): Obj => ({ id: randomUUID(), type, schemaVersion: 1, source, occurredAt: at, data });
const reg = (unitId: string, kind: string, parentId?: string) =>
  ev('UnitRegistered', 'to-chuc', { unitId, kind, name: `Đơn vị ${unitId}`, ...(parentId ? { parentId } : {}), effectiveFrom: '2016-01-01' });
const dialogue = (source: string, unitId: string) => ev('DialogueHeld', source, { unitId, heldAt: at, participants: 10 });
const assessed = (source: string, unitId: string) => ev('CriterionAssessed', source, { unitId, year: 2019, criterionId: 'A1', points: 10, role: 'official', assessorId: 'x' });

async function post(token: string, events: Obj[]): Promise<BatchAnswer> {
  const r = await svc.app.app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, payload: events.map((e) => JSON.stringify(e)).join('\n') });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as BatchAnswer;
}
const statuses = (a: BatchAnswer) => a.results.map((r) => (r.status === 'rejected' ? `rejected:${r.code}` : r.status));

beforeAll(async () => {
  svc = await startTestIngest(tmp.file('scopes.sqlite'));
  tokens.registry = svc.ingestor.sources.add('to-chuc', ALL);
  tokens.xaA = svc.ingestor.sources.add('xa-a', { ...ALL, units: ['xa-a'], descendants: true });
  tokens.villagesOnly = svc.ingestor.sources.add('thon', { ...ALL, kinds: ['village'] });
  tokens.assessor = svc.ingestor.sources.add('danh-gia', { ...ALL, types: ['CriterionAssessed', 'AssessmentRetracted'] });
  svc.ingestor.sources.add('revoked', ALL);
  svc.ingestor.sources.revoke('revoked');
  const a = await post(tokens.registry!, [reg('xa-a', 'commune_party'), reg('xa-a-thon-1', 'village', 'xa-a'), reg('xa-b', 'commune_party'), reg('xa-b-thon-1', 'village', 'xa-b')]);
  expect(a.appended).toBe(4);
  await svc.ingestor.syncReadModel();
});
afterAll(async () => {
  await svc?.close();
  tmp.cleanup();
});

describe('HTTP', () => {
  it('a commune office emits for its commune and below, nothing else; refusals are alone and recorded', async () => {
    const a = await post(tokens.xaA!, [dialogue('xa-a', 'xa-a'), dialogue('xa-a', 'xa-a-thon-1'), dialogue('xa-a', 'xa-b'), dialogue('xa-a', 'xa-b-thon-1'), ev('YearClosed', 'xa-a', { year: 2019, closedAt: at })]);
    expect(statuses(a)).toEqual(['appended', 'appended', 'rejected:scope', 'rejected:scope', 'rejected:scope']);
    expect(a.results[2]!.reason).toBe('unit xa-b is outside the scope of source "xa-a"');
    expect(a.results[4]!.reason).toMatch(/may not close a year/);
    const dl = await svc.store.listDeadLetters();
    expect(E.isRight(dl) && dl.right.filter((d) => d.source === 'xa-a' && /outside the scope|close a year/.test(d.reason)).length).toBe(3);
  });

  it('kind and type scopes hold; a merge must have every source unit in scope', async () => {
    expect(statuses(await post(tokens.villagesOnly!, [dialogue('thon', 'xa-a-thon-1'), dialogue('thon', 'xa-a'), dialogue('thon', 'unknown-unit')]))).toEqual([
      'appended',
      'rejected:scope',
      'rejected:scope',
    ]);
    expect(statuses(await post(tokens.assessor!, [assessed('danh-gia', 'xa-b'), dialogue('danh-gia', 'xa-b')]))).toEqual(['appended', 'rejected:scope']);
    const merge = ev('UnitsMerged', 'xa-a', { unitId: 'xa-a', sourceUnitIds: ['xa-b'], effectiveFrom: '2019-01-01' });
    expect(statuses(await post(tokens.xaA!, [merge]))).toEqual(['rejected:scope']);
  });

  it('a scoped source cannot re-register a unit outside its scope under a parent of its own', async () => {
    // xa-b-thon-1 belongs to xa-b; xa-a's office claims it as its own village
    const hijack = ev('UnitRegistered', 'xa-a', { unitId: 'xa-b-thon-1', kind: 'village', name: 'Thôn chiếm', parentId: 'xa-a', effectiveFrom: '2016-01-01' });
    const a = await post(tokens.xaA!, [hijack, reg('xa-a-thon-2', 'village', 'xa-a')].map((e, i) => (i === 1 ? { ...e, source: 'xa-a' } : e)));
    expect(statuses(a)).toEqual(['rejected:scope', 'appended']);
    expect(a.results[0]!.reason).toBe('unit xa-b-thon-1 is outside the scope of source "xa-a"');
    const stream = await svc.store.readStream('unit-xa-b-thon-1');
    expect(E.isRight(stream) && stream.right.map((e) => e.event.source)).toEqual(['to-chuc']);
  });

  it('the envelope must name the authenticated source', async () => {
    expect(statuses(await post(tokens.xaA!, [dialogue('to-chuc', 'xa-a')]))).toEqual(['rejected:source_mismatch']);
  });
});

describe('Kafka', () => {
  const msg = (e: Obj | string, o: { topic?: string; key?: string | null; headers?: Record<string, string> } = {}): InboundMessage => {
    const value = typeof e === 'string' ? e : JSON.stringify(e);
    const unit = typeof e === 'string' ? null : ((e.data as Obj).unitId as string | undefined) ?? 'district';
    return {
      topic: o.topic ?? 'dvk.evaluation-events',
      partition: 0,
      offset: String(Math.floor(Math.random() * 1e9)),
      key: o.key === null ? null : Buffer.from(o.key ?? unit ?? ''),
      value: Buffer.from(value),
      headers: o.headers ?? {},
      timestamp: '0',
    };
  };
  const consume = async (messages: InboundMessage[], sourceMap: Record<string, string> = {}) => {
    const r = await svc.ingestor.ingest('kafka', kafkaCandidates(messages, { ingestor: svc.ingestor, sourceMap, maxBytes: 1 << 20 }));
    if (E.isLeft(r)) throw new Error(r.left.message);
    return r.right.map((x) => (x.status === 'rejected' ? `rejected:${x.code}` : x.status));
  };

  it('applies the scope of the source named by the dvk-source header', async () => {
    const h = { 'dvk-source': 'xa-a' };
    expect(
      await consume([
        msg(dialogue('xa-a', 'xa-a-thon-1'), { headers: h }),
        msg(dialogue('xa-a', 'xa-b'), { headers: h }),
        msg(ev('YearClosed', 'xa-a', { year: 2019, closedAt: at }), { headers: h }),
        msg(dialogue('xa-a', 'xa-a'), { headers: { 'dvk-source': 'to-chuc' } }),
      ]),
    ).toEqual(['appended', 'rejected:scope', 'rejected:scope', 'rejected:source_mismatch']);
  });

  it('applies the scope of the source a topic is mapped to, and refuses a header naming another', async () => {
    const map = { 'xa-a.events': 'xa-a' };
    expect(
      await consume(
        [
          msg(dialogue('xa-a', 'xa-a'), { topic: 'xa-a.events' }),
          msg(dialogue('xa-a', 'xa-b'), { topic: 'xa-a.events' }),
          msg(dialogue('to-chuc', 'xa-b'), { topic: 'xa-a.events', headers: { 'dvk-source': 'to-chuc' } }),
        ],
        map,
      ),
    ).toEqual(['appended', 'rejected:scope', 'rejected:unknown_source']);
  });

  it('refuses unknown, revoked and missing sources, wrong keys, and topics named like Object.prototype members', async () => {
    expect(
      await consume([
        msg(dialogue('nobody', 'xa-a'), { headers: { 'dvk-source': 'nobody' } }),
        msg(dialogue('revoked', 'xa-a'), { headers: { 'dvk-source': 'revoked' } }),
        msg(dialogue('xa-a', 'xa-a')),
        msg(dialogue('xa-a', 'xa-a'), { headers: { 'dvk-source': 'xa-a' }, key: 'xa-b' }),
        msg(dialogue('xa-a', 'xa-a'), { topic: 'constructor' }),
        msg(dialogue('xa-a', 'xa-a'), { topic: '__proto__' }),
        msg('{"__proto__":{"polluted":1}}', { headers: { 'dvk-source': 'xa-a' }, key: null }),
      ]),
    ).toEqual(['rejected:unknown_source', 'rejected:unknown_source', 'rejected:unknown_source', 'rejected:key_mismatch', 'rejected:unknown_source', 'rejected:unknown_source', 'rejected:schema']);
    expect(({} as Obj).polluted).toBeUndefined();
  });
});

describe('file import with --as-source', () => {
  it('enforces the scope and the source name, dead-letters the rest with line numbers', async () => {
    const db = tmp.file('import.sqlite');
    const file = tmp.file('import.ndjson');
    const bootstrap = tmp.file('registry.ndjson');
    writeFileSync(bootstrap, [reg('xa-a', 'commune_party'), reg('xa-a-thon-1', 'village', 'xa-a'), reg('xa-b', 'commune_party')].map((e) => JSON.stringify(e)).join('\n') + '\n');
    expect((await runCli(['--db', db, 'import', bootstrap, '--json'])).code).toBe(0);
    const add = await runCli(['--db', db, 'sources', 'add', 'xa-a', '--units', 'xa-a', '--descendants', '--json']);
    expect(add.code, add.error ?? '').toBe(0);
    const lines = [dialogue('xa-a', 'xa-a-thon-1'), dialogue('xa-a', 'xa-b'), dialogue('to-chuc', 'xa-a'), ev('YearClosed', 'xa-a', { year: 2019, closedAt: at })];
    writeFileSync(file, lines.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const r = await runCli(['--db', db, 'import', file, '--as-source', 'xa-a', '--json']);
    expect(r.code, r.error ?? '').toBe(0);
    const s = JSON.parse(r.stdout) as { appended: number; rejected: number; rejectedByReason: Record<string, number> };
    expect(s).toMatchObject({ appended: 1, rejected: 3 });
    const rejected = await runCli(['--db', db, 'rejected', '--json']);
    const text = rejected.stdout;
    expect(text).toMatch(/import\.ndjson:2/);
    expect(text).toMatch(/outside the scope of source/);
    expect(text).toMatch(/import\.ndjson:3/);
    expect(text).toMatch(/must be the authenticated source/);
    expect(text).toMatch(/import\.ndjson:4/);
    // an unknown or revoked source is refused before anything is read
    expect((await runCli(['--db', db, 'import', file, '--as-source', 'nobody'])).error).toMatch(/unknown source "nobody"/);
    expect((await runCli(['--db', db, 'sources', 'revoke', 'xa-a'])).code).toBe(0);
    expect((await runCli(['--db', db, 'import', file, '--as-source', 'xa-a'])).error).toMatch(/was revoked/);
  });
});

describe('after all that', () => {
  it('the log holds only in-scope events from their own sources', async () => {
    const events = await allEvents(svc.store);
    for (const e of events) {
      const d = e.event.data as Obj;
      if (e.event.source === 'xa-a') expect(['xa-a', 'xa-a-thon-1', 'xa-a-thon-2']).toContain(d.unitId);
      if (e.event.source === 'thon') expect(d.unitId).toBe('xa-a-thon-1');
      if (e.event.source === 'danh-gia') expect(e.event.type).toBe('CriterionAssessed');
    }
  });
});

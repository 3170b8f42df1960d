import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { DLQ_HEADERS, type InboundMessage, type OutboundMessage } from '@dvk/messaging';
import { committedOffsets, fullyCommitted, produce, randomName, readTopic, startMockCluster, testKafka, type MockCluster } from '@dvk/messaging/testing';
import { startIngest } from '../src/index.js';
import { assessed, dialogue, envelope, monthly, registerSources, registered, startChild, tempDir, testConfig, until, type Child } from './helpers.js';

/**
 * Kafka ingest against a real Kafka-protocol broker (librdkafka's mock cluster, started here):
 * valid, invalid and duplicate messages; a consumer killed between its append and its commit;
 * a graceful stop; two consumers of one group with one killed mid-stream.
 */

const log = pino({ level: process.env.DVK_TEST_LOG ?? 'silent' });
const tmp = tempDir();
let cluster: MockCluster | null = null;

beforeAll(async () => {
  const c = await startMockCluster(3);
  if ('skip' in c) console.warn(`[ingest] Kafka tests skipped: ${c.skip}`);
  else cluster = c;
});
afterAll(() => {
  cluster?.stop();
  tmp.cleanup();
});

type Obj = Record<string, unknown>;
const BDV = 'ban-dan-van';
const msg = (e: Obj, o: { key?: string | null; source?: string | null } = {}): OutboundMessage => {
  const data = e.data as { unitId?: string } | undefined;
  const key = o.key !== undefined ? o.key : (data?.unitId ?? 'district');
  const source = o.source !== undefined ? o.source : (e.source as string);
  return { key, value: JSON.stringify(e), headers: source === null ? {} : { 'dvk-source': source } };
};
const text = (m: InboundMessage) => m.value?.toString('utf8') ?? '';

async function storeState(db: string) {
  const s = openSqliteEventStore({ path: db, readonly: true });
  try {
    const all = s.readPageSync(0, 1_000_000);
    const dl = await s.listDeadLetters({ channel: 'kafka' });
    return { ids: all.map((e) => e.event.id), deadLetters: E.isRight(dl) ? dl.right : [] };
  } finally {
    await s.close();
  }
}

/** A valid history over a few units (with registrations), and invalid messages of every kind. */
function workload(units: number, perUnit: number) {
  const valid: Obj[] = [];
  for (let u = 0; u < units; u++) valid.push(registered(`xa-${u}`, 'commune_party', BDV));
  for (let i = 0; i < perUnit; i++) for (let u = 0; u < units; u++) valid.push(i % 2 ? dialogue(`xa-${u}`, BDV, i + 1) : monthly(`xa-${u}`, BDV, (i % 12) + 1));
  const invalid: OutboundMessage[] = [];
  for (let u = 0; u < units; u++) {
    invalid.push({ key: `xa-${u}`, value: '{"id": "not json', headers: { 'dvk-source': BDV } });
    invalid.push(msg(envelope('MonthlyReportSubmitted', BDV, { unitId: `xa-${u}`, year: 2019, month: 13, submittedAt: '2019-12-01T00:00:00+07:00' })));
  }
  return { valid, invalid };
}

/** Interleaves invalid messages among the valid ones, keeping each list's order. */
function interleave(valid: OutboundMessage[], invalid: OutboundMessage[]): { all: OutboundMessage[]; invalidValues: Set<string> } {
  const all: OutboundMessage[] = [];
  const step = Math.max(1, Math.floor(valid.length / (invalid.length + 1)));
  let j = 0;
  valid.forEach((v, i) => {
    all.push(v);
    if ((i + 1) % step === 0 && j < invalid.length) all.push(invalid[j++]!);
  });
  while (j < invalid.length) all.push(invalid[j++]!);
  return { all, invalidValues: new Set(invalid.map((m) => String(m.value))) };
}

function childEnv(db: string, topic: string, group: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DVK_DB: db,
    DVK_INGEST_PORT: '0',
    DVK_KAFKA_BROKERS: cluster!.brokers.join(','),
    DVK_KAFKA_TOPIC: topic,
    DVK_KAFKA_GROUP: group,
    DVK_KAFKA_SESSION_TIMEOUT_MS: '6000',
    DVK_KAFKA_MAX_WAIT_MS: '200',
    DVK_KAFKA_MAX_BATCH: '10',
    ...extra,
  };
}

const PAUSED = 'test hook: appended, pausing before the offset commit';

describe.concurrent('Kafka ingest (mock cluster)', () => {
  it('appends every valid event once, dead-letters every invalid one with its reason, and commits every offset', async (ctx) => {
    if (!cluster) return ctx.skip();
    const db = tmp.file(`kafka-${randomName('a')}.sqlite`);
    const topic = randomName('dvk.evaluation-events');
    const mapped = randomName('dvk.xa-mapped');
    const group = randomName('ingest');
    const svc = await startIngest({
      config: testConfig({
        db,
        kafkaBrokers: cluster.brokers.join(','),
        kafkaTopics: `${topic},${mapped}`,
        kafkaSourceMap: `${mapped}=xa-0`,
        kafkaGroup: group,
        kafkaSessionTimeoutMs: 6000,
        kafkaMaxWaitMs: 200,
      }),
      log,
    });
    try {
      const reg = svc.ingestor.sources;
      reg.add(BDV, { units: '*', descendants: false, kinds: '*', types: '*' });
      reg.add('xa-0', { units: ['xa-0'], descendants: true, kinds: '*', types: '*' });
      reg.add('old-source', { units: '*', descendants: false, kinds: '*', types: '*' });
      reg.revoke('old-source');

      const units = ['xa-0', 'xa-1', 'xa-2'].map((u) => registered(u, 'commune_party', BDV));
      const d0 = dialogue('xa-0', BDV, 5);
      const valid = [...units, d0, monthly('xa-1', BDV), assessed('xa-2', BDV), envelope('YearClosed', BDV, { year: 2019, closedAt: '2020-01-20T08:00:00+07:00' })];
      const conflicting = { ...d0, data: { ...(d0.data as Obj), participants: 6 } };
      const scoped = dialogue('xa-0', 'xa-0');
      const invalid: { m: OutboundMessage; code: string; reason: RegExp }[] = [
        { m: { key: 'xa-1', value: '{"id": "not json', headers: { 'dvk-source': BDV } }, code: 'malformed_json', reason: /^not valid JSON/ },
        { m: msg(envelope('MonthlyReportSubmitted', BDV, { unitId: 'xa-1', year: 2019, month: 13, submittedAt: '2019-12-01T00:00:00+07:00' })), code: 'schema', reason: /data\.month: must be between 1 and 12/ },
        { m: msg(dialogue('xa-1', BDV), { key: 'xa-2' }), code: 'key_mismatch', reason: /the message key must be "xa-1".*got "xa-2"/ },
        { m: msg(dialogue('xa-1', BDV), { key: null }), code: 'key_mismatch', reason: /got no key/ },
        { m: msg(envelope('YearClosed', BDV, { year: 2019, closedAt: '2020-01-20T08:00:00+07:00' }), { key: 'xa-1' }), code: 'key_mismatch', reason: /must be "district"/ },
        { m: msg(dialogue('xa-1', 'nobody')), code: 'unknown_source', reason: /source "nobody" is not registered/ },
        { m: msg(dialogue('xa-1', BDV), { source: null }), code: 'unknown_source', reason: /no dvk-source header/ },
        { m: msg(dialogue('xa-1', 'old-source')), code: 'unknown_source', reason: /source "old-source" was revoked/ },
        { m: msg(dialogue('xa-1', BDV), { source: 'xa-0' }), code: 'source_mismatch', reason: /must be the authenticated source "xa-0"/ },
        { m: msg(dialogue('xa-1', 'xa-0')), code: 'scope', reason: /unit xa-1 is outside the scope of source "xa-0"/ },
        { m: msg(conflicting), code: 'id_conflict', reason: /id reused with a different payload/ },
        { m: { key: 'xa-1', value: null, headers: { 'dvk-source': BDV } }, code: 'framing', reason: /has no value/ },
      ];
      const kafka = testKafka(cluster.brokers);
      // Valid first (a duplicate of each too), then the invalid ones; the conflicting id follows its original on one partition.
      await produce(kafka, topic, [...valid.map((e) => msg(e)), ...valid.map((e) => msg(e)), ...invalid.map((x) => x.m)]);
      // The mapped topic: no header needed; a header naming another source is refused.
      const viaMap = dialogue('xa-0', 'xa-0', 7);
      await produce(kafka, mapped, [msg(viaMap, { source: null }), msg(scoped, { source: BDV }), msg(viaMap, { source: 'xa-0' })]);

      await until('the valid events', async () => (await storeState(db)).ids.length >= valid.length + 1);
      await until('every offset committed', async () => (await fullyCommitted(kafka, group, topic)) && (await fullyCommitted(kafka, group, mapped)));

      const { ids, deadLetters } = await storeState(db);
      expect(ids.sort()).toEqual([...valid.map((e) => e.id as string), viaMap.id as string].sort());
      expect(deadLetters).toHaveLength(invalid.length + 1);
      expect(deadLetters.every((d) => /^[^/]+\/\d+\/\d+$/.test(d.ref))).toBe(true);

      const dlq = await readTopic(kafka, `${topic}.dlq`, { count: invalid.length });
      expect(dlq).toHaveLength(invalid.length);
      for (const x of invalid) {
        const found = dlq.filter((d) => text(d) === (x.m.value === null ? '' : String(x.m.value)) && d.key?.toString() === (x.m.key ?? undefined));
        const d = found.find((f) => f.headers['dvk-code'] === x.code);
        expect(d, `${x.code} ${String(x.m.value)}`).toBeDefined();
        expect(d!.headers[DLQ_HEADERS.reason]).toMatch(x.reason);
        expect(d!.headers[DLQ_HEADERS.sourceTopic]).toBe(topic);
        expect(d!.headers[DLQ_HEADERS.sourceOffset]).toMatch(/^\d+$/);
        const stored = deadLetters.find((s) => s.ref === `${topic}/${d!.headers[DLQ_HEADERS.sourcePartition]}/${d!.headers[DLQ_HEADERS.sourceOffset]}`);
        expect(stored?.reason).toBe(d!.headers[DLQ_HEADERS.reason]);
      }
      const mappedDlq = await readTopic(kafka, `${mapped}.dlq`, { count: 1 });
      expect(mappedDlq.map((d) => d.headers[DLQ_HEADERS.reason])).toEqual([`the dvk-source header names "${BDV}", but topic ${mapped} is mapped to source "xa-0"`]);

      const m = (await svc.app.app.inject({ method: 'GET', url: '/metrics' })).body;
      // 7 valid + 1 via the mapped topic, each also sent twice.
      expect(m).toMatch(/dvk_ingest_events_appended_total\{[^}]*channel="kafka"[^}]*\} 8\n/);
      expect(m).toMatch(/dvk_ingest_events_duplicate_total\{[^}]*channel="kafka"[^}]*\} 8\n/);
      expect(m).toMatch(/dvk_ingest_events_rejected_total\{[^}]*channel="kafka"[^}]*reason="key_mismatch"[^}]*\} 3/);
      expect((await svc.app.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ checks: { kafka: 'ok' } });
    } finally {
      await svc.close();
    }
  }, 120_000);

  it('loses and doubles nothing when the consumer is killed between its append and its commit, twice', async (ctx) => {
    if (!cluster) return ctx.skip();
    const db = tmp.file(`kill-${randomName('k')}.sqlite`);
    registerSources(db, { [BDV]: {} });
    const topic = randomName('dvk.evaluation-events');
    const group = randomName('ingest');
    const { valid, invalid } = workload(8, 12);
    const { all, invalidValues } = interleave(
      valid.map((e) => msg(e)),
      invalid,
    );
    const kafka = testKafka(cluster.brokers);
    await produce(kafka, topic, all, 25);

    let child: Child | null = null;
    try {
      for (let round = 1; round <= 2; round++) {
        child = startChild(childEnv(db, topic, group, { DVK_TEST_PAUSE_BEFORE_COMMIT_MS: '5000' }), `ingest#${round}`);
        const paused = await child.waitForLog((l) => l.msg === PAUSED);
        // Mid-batch: the chunk is durably appended, its offset not committed.
        const committed = (await committedOffsets(kafka, group, topic)).get(paused.partition as number) ?? -1n;
        expect(committed).toBeLessThanOrEqual(BigInt(paused.lastOffset as string));
        expect((await storeState(db)).ids.length).toBeGreaterThan(0);
        child.kill('SIGKILL');
        expect(await child.exited).toBeNull();
      }
      child = startChild(childEnv(db, topic, group), 'ingest#3');
      await until('every offset committed', () => fullyCommitted(kafka, group, topic), 60_000, 250);
      child.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      child?.kill('SIGKILL');
    }
    const { ids, deadLetters } = await storeState(db);
    expect(ids).toHaveLength(valid.length);
    expect(new Set(ids)).toEqual(new Set(valid.map((e) => e.id)));
    expect(deadLetters).toHaveLength(invalid.length);
    // The DLQ has every invalid message (at least once: a kill after the DLQ produce re-sends it).
    const dlq = await readTopic(kafka, `${topic}.dlq`, { count: invalid.length });
    const byOffset = new Map(dlq.map((d) => [`${d.headers[DLQ_HEADERS.sourcePartition]}/${d.headers[DLQ_HEADERS.sourceOffset]}`, text(d)]));
    expect(new Set(byOffset.values())).toEqual(invalidValues);
    expect(byOffset.size).toBe(invalid.length);
  }, 120_000);

  it('on SIGTERM finishes the batch in progress, commits it, leaves the group and exits 0', async (ctx) => {
    if (!cluster) return ctx.skip();
    const db = tmp.file(`term-${randomName('t')}.sqlite`);
    registerSources(db, { [BDV]: {} });
    const topic = randomName('dvk.evaluation-events');
    const group = randomName('ingest');
    const { valid } = workload(4, 10);
    const kafka = testKafka(cluster.brokers);
    await produce(kafka, topic, valid.map((e) => msg(e)));
    const env = childEnv(db, topic, group);
    // Debug logs show kafkajs' requests, among them the LeaveGroup.
    const first = startChild({ ...env, DVK_TEST_PAUSE_BEFORE_COMMIT_MS: '1500', DVK_LOG_LEVEL: 'debug' }, 'ingest-term');
    try {
      const paused = await first.waitForLog((l) => l.msg === PAUSED);
      first.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const committed = (await committedOffsets(kafka, group, topic)).get(paused.partition as number);
      expect(committed).toBe(BigInt(paused.lastOffset as string) + 1n);
      expect(first.logs.some((l) => l.msg === 'consumer stopped')).toBe(true);
      const left = first.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Response LeaveGroup'));
      expect(left?.data).toMatchObject({ errorCode: 0 });
      // The batch after the one in progress was not started.
      expect(first.logs.filter((l) => l.msg === PAUSED)).toHaveLength(1);
    } finally {
      first.kill('SIGKILL');
    }
    // (librdkafka's mock keeps a member that left until its session times out, so the next
    // member waits for that here; a real broker rebalances at once.)
    const second = startChild(env, 'ingest-term-2');
    try {
      await until('every offset committed', () => fullyCommitted(kafka, group, topic), 60_000, 250);
      second.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.kill('SIGKILL');
    }
    expect(new Set((await storeState(db)).ids)).toEqual(new Set(valid.map((e) => e.id)));
  }, 120_000);

  it('scales out: two consumers in one group share the partitions; one killed mid-stream, every event is appended exactly once', async (ctx) => {
    if (!cluster) return ctx.skip();
    const db = tmp.file(`scale-${randomName('s')}.sqlite`);
    registerSources(db, { [BDV]: {} });
    const topic = randomName('dvk.evaluation-events');
    const group = randomName('ingest');
    const { valid, invalid } = workload(16, 24);
    const { all, invalidValues } = interleave(
      valid.map((e) => msg(e)),
      invalid,
    );
    const kafka = testKafka(cluster.brokers);
    const half = Math.floor(all.length / 2);
    await produce(kafka, topic, all.slice(0, half), 25);

    const a = startChild(childEnv(db, topic, group, { DVK_TEST_PAUSE_BEFORE_COMMIT_MS: '300' }), 'ingest-A');
    const b = startChild(childEnv(db, topic, group), 'ingest-B');
    try {
      // Both members hold partitions.
      const t0 = Date.now();
      const step = (what: string) => process.env.DVK_TEST_STEPS && console.log(`[scale-out] ${what} after ${Date.now() - t0} ms`);
      await until('both consumers to hold partitions', () => {
        const holds = (c: Child) => {
          const joins = c.logs.filter((l) => l.msg === 'joined the consumer group');
          const last = joins[joins.length - 1];
          return last !== undefined && Object.values((last.assignment ?? {}) as Record<string, number[]>).some((ps) => ps.length > 0);
        };
        return holds(a) && holds(b);
      }, 60_000);
      step('both hold partitions');
      // The rest of the stream arrives while they consume; A is killed in the middle of a batch.
      const rest = all.slice(half);
      await produce(kafka, topic, rest.slice(0, rest.length / 2), 25);
      const pausesBefore = a.logs.filter((l) => l.msg === PAUSED).length;
      await a.waitForLog((l) => l.msg === PAUSED && a.logs.filter((x) => x.msg === PAUSED).length > pausesBefore + 2);
      a.kill('SIGKILL');
      expect(await a.exited).toBeNull();
      step('A killed');
      await produce(kafka, topic, rest.slice(rest.length / 2), 25);
      // B takes A's partitions over (after A's session times out) and finishes the stream.
      await until('every offset committed', () => fullyCommitted(kafka, group, topic), 90_000, 250);
      step('all committed');
      const bJoins = b.logs.filter((l) => l.msg === 'joined the consumer group');
      const lastB = bJoins[bJoins.length - 1]!;
      expect(Object.values(lastB.assignment as Record<string, number[]>).flat().sort()).toEqual([0, 1, 2, 3]);
      b.kill('SIGTERM');
      expect(await b.exited).toBe(0);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGKILL');
    }
    const { ids, deadLetters } = await storeState(db);
    expect(ids).toHaveLength(valid.length);
    expect(new Set(ids)).toEqual(new Set(valid.map((e) => e.id)));
    expect(deadLetters).toHaveLength(invalid.length);
    const dlq = await readTopic(kafka, `${topic}.dlq`, { count: invalid.length });
    expect(new Set(dlq.map(text))).toEqual(invalidValues);
  }, 120_000);
});

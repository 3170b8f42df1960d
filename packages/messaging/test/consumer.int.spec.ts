import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import {
  DLQ_HEADERS,
  makeKafka,
  openProducer,
  startBatchConsumer,
  type BatchConsumer,
  type BatchHandler,
  type InboundMessage,
} from '../src/index.js';
import { fullyCommitted, produce, randomName, readTopic, startMockCluster, testKafka, type MockCluster } from '../src/testing.js';

/** The consumer runner and the producer against a real Kafka-protocol broker (librdkafka's mock). */

const log = pino({ level: process.env.DVK_TEST_LOG ?? 'silent' });
let cluster: MockCluster | null = null;
let skip = '';

beforeAll(async () => {
  const c = await startMockCluster(3);
  if ('skip' in c) {
    skip = c.skip;
    console.warn(`[messaging] Kafka tests skipped: ${skip}`);
  } else cluster = c;
});
afterAll(() => cluster?.stop());

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const text = (m: InboundMessage) => m.value?.toString('utf8') ?? '';

describe.concurrent('Kafka consumer runner (mock cluster)', () => {
  it('hands every message to the handler once, dead-letters the refused ones and commits everything', async (ctx) => {
    if (!cluster) return ctx.skip();
    const topic = randomName('t');
    const groupId = randomName('g');
    const messages = Array.from({ length: 40 }, (_, i) => ({
      key: `unit-${i % 9}`,
      value: i % 5 === 0 ? `bad-${i}` : `good-${i}`,
      headers: { 'dvk-source': 'test' },
    }));
    const kafka = makeKafka({ brokers: cluster.brokers, clientId: 'runner-test' }, log);
    const seen: string[] = [];
    const handle: BatchHandler = async (chunk) => {
      for (const m of chunk) seen.push(text(m));
      return E.right({ rejected: chunk.filter((m) => text(m).startsWith('bad')).map((m) => ({ message: m, reason: `${text(m)} is bad`, headers: { 'dvk-code': 'test' } })) });
    };
    await produce(testKafka(cluster.brokers), topic, messages, 7);
    const c = await startBatchConsumer({ kafka, log, groupId, topics: [topic], handle, maxChunk: 4, sessionTimeoutMs: 6000, maxWaitTimeMs: 200 });
    if (E.isLeft(c)) throw new Error(c.left.message);
    try {
      await until('all messages', () => seen.length >= 40);
      await until('the commits', () => fullyCommitted(testKafka(cluster!.brokers), groupId, topic));
    } finally {
      await c.right.stop();
    }
    expect(seen.sort()).toEqual(messages.map((m) => m.value).sort());
    const dlq = await readTopic(testKafka(cluster.brokers), `${topic}.dlq`, { count: 8 });
    expect(dlq.map(text).sort()).toEqual(messages.filter((m) => m.value.startsWith('bad')).map((m) => m.value).sort());
    for (const d of dlq) {
      expect(d.headers[DLQ_HEADERS.reason]).toBe(`${text(d)} is bad`);
      expect(d.headers[DLQ_HEADERS.sourceTopic]).toBe(topic);
      expect(d.headers[DLQ_HEADERS.originalKey]).toBe(d.key?.toString());
      expect(d.headers['dvk-code']).toBe('test');
      const i = Number(text(d).slice(4));
      expect(d.key?.toString()).toBe(`unit-${i % 9}`);
      expect(Number(d.headers[DLQ_HEADERS.sourcePartition])).toBeGreaterThanOrEqual(0);
      expect(d.headers[DLQ_HEADERS.sourceOffset]).toMatch(/^\d+$/);
    }
    expect(E.isRight(await c.right.done)).toBe(true);
  });

  it('retries a retriable handler failure on the same chunk and commits only after it succeeds', async (ctx) => {
    if (!cluster) return ctx.skip();
    const topic = randomName('t');
    const groupId = randomName('g');
    await produce(testKafka(cluster.brokers), topic, [{ key: 'k', value: 'one' }, { key: 'k', value: 'two' }]);
    let failures = 0;
    const handled: string[] = [];
    const kafka = makeKafka({ brokers: cluster.brokers, clientId: 'retry-test' }, log);
    const c = await startBatchConsumer({
      kafka,
      log,
      groupId,
      topics: [topic],
      sessionTimeoutMs: 6000, maxWaitTimeMs: 200,
      retryBaseMs: 50,
      handle: async (chunk) => {
        if (failures < 3) {
          failures++;
          const before = await fullyCommitted(testKafka(cluster!.brokers), groupId, topic);
          expect(before).toBe(false);
          return E.left({ retriable: true, message: 'store busy' });
        }
        handled.push(...chunk.map(text));
        return E.right({ rejected: [] });
      },
    });
    if (E.isLeft(c)) throw new Error(c.left.message);
    try {
      await until('the commit', () => fullyCommitted(testKafka(cluster!.brokers), groupId, topic));
    } finally {
      await c.right.stop();
    }
    expect(failures).toBe(3);
    expect(handled).toEqual(['one', 'two']);
  });

  it('stops for good on a fatal handler failure, without committing', async (ctx) => {
    if (!cluster) return ctx.skip();
    const topic = randomName('t');
    const groupId = randomName('g');
    await produce(testKafka(cluster.brokers), topic, [{ key: 'k', value: 'poison' }]);
    const c = await startBatchConsumer({
      kafka: makeKafka({ brokers: cluster.brokers, clientId: 'fatal-test' }, log),
      log,
      groupId,
      topics: [topic],
      sessionTimeoutMs: 6000, maxWaitTimeMs: 200,
      handle: async () => E.left({ retriable: false, message: 'the store is corrupt' }),
    });
    if (E.isLeft(c)) throw new Error(c.left.message);
    const done = await c.right.done;
    expect(E.isLeft(done) && done.left.message).toMatch(/the store is corrupt/);
    expect(c.right.state()).toBe('failed');
    expect(await fullyCommitted(testKafka(cluster.brokers), groupId, topic)).toBe(false);
  });

  it('on stop, finishes and commits the chunk in progress, then leaves the group', async (ctx) => {
    if (!cluster) return ctx.skip();
    const topic = randomName('t');
    const groupId = randomName('g');
    await produce(testKafka(cluster.brokers), topic, [{ key: 'k', value: 'slow' }]);
    let consumer: BatchConsumer | null = null;
    let stopped: Promise<void> | null = null;
    const c = await startBatchConsumer({
      kafka: makeKafka({ brokers: cluster.brokers, clientId: 'stop-test' }, log),
      log,
      groupId,
      topics: [topic],
      sessionTimeoutMs: 6000, maxWaitTimeMs: 200,
      handle: async () => E.right({ rejected: [] }),
      beforeCommit: async () => {
        stopped = consumer!.stop(); // SIGTERM arrives between the append and the commit
        await new Promise((r) => setTimeout(r, 300));
      },
    });
    if (E.isLeft(c)) throw new Error(c.left.message);
    consumer = c.right;
    await until('the stop', () => stopped !== null);
    await stopped;
    expect(c.right.state()).toBe('stopped');
    expect(await fullyCommitted(testKafka(cluster.brokers), groupId, topic)).toBe(true);
  });

  it('produces with keys and headers through the producer helper', async (ctx) => {
    if (!cluster) return ctx.skip();
    const topic = randomName('rankings');
    const kafka = makeKafka({ brokers: cluster.brokers, clientId: 'producer-test' }, log);
    const p = await openProducer(kafka, log);
    if (E.isLeft(p)) throw new Error(p.left.message);
    try {
      expect(E.isRight(await p.right.send(topic, [{ key: '2019/mass_org', value: '{"v":1}', headers: { 'content-type': 'application/json' } }]))).toBe(true);
      expect(E.isRight(await p.right.send(topic, []))).toBe(true);
    } finally {
      await p.right.close();
    }
    const [m] = await readTopic(testKafka(cluster.brokers), topic, { count: 1 });
    expect(m?.key?.toString()).toBe('2019/mass_org');
    expect(m && text(m)).toBe('{"v":1}');
    expect(m?.headers['content-type']).toBe('application/json');
  });

  it('reports an unreachable cluster as tagged data', async () => {
    const kafka = makeKafka({ brokers: ['127.0.0.1:1'], clientId: 'nobody', retries: 0, connectionTimeoutMs: 300 }, log);
    const p = await openProducer(kafka, log);
    expect(E.isLeft(p) && p.left._tag).toBe('KafkaUnavailable');
  });
});

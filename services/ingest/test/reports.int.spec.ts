import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import type { IngestStore } from '../src/index.js';
import { importStream } from '@dvk/ingestion';
import type { OutboundMessage } from '@dvk/messaging';
import { fullyCommitted, produce, randomName, startMockCluster, testKafka, type MockCluster } from '@dvk/messaging/testing';
import { ScoringProjection, catchUp, readModelQueries } from '@dvk/projections';
import { SOURCES, generateLines } from '@dvk/sample';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { startIngest, type BatchAnswer } from '../src/index.js';
import { ALL, tempDir, testConfig, until } from './helpers.js';

/**
 * The same events sent by file import, by HTTP and by Kafka give byte-identical reports: a year
 * of the sample district (every event type, ~9,400 events, with its intended bad lines) into three
 * fresh stores, the projection caught up in each, `reportJson(year)` compared.
 */

const log = pino({ level: process.env.DVK_TEST_LOG ?? 'silent' });
const tmp = tempDir();
let cluster: MockCluster | null = null;
beforeAll(async () => {
  const c = await startMockCluster(3);
  if ('skip' in c) console.warn(`[ingest] Kafka part of the report test skipped: ${c.skip}`);
  else cluster = c;
});
afterAll(() => {
  cluster?.stop();
  tmp.cleanup();
});

const lines = [...generateLines({ seed: 2016, years: 1, closeYears: 'all' })];
const sourceOf = (line: string): string | null => /"source":"([^"]+)"/.exec(line)?.[1] ?? null;
const keyOf = (line: string): string => /"type":"YearClosed"/.test(line) ? 'district' : (/"unitId":"([^"]+)"/.exec(line)?.[1] ?? 'unknown');

async function project(store: IngestStore) {
  const proj = new ScoringProjection({ db: store.db, rulebooks: rulebookSet([defaultRulebook()]), log });
  const r = await catchUp(store, proj);
  if (E.isLeft(r)) throw new Error(r.left.message);
  const q = readModelQueries(store.db);
  const head = await store.head();
  const dl = await store.countDeadLetters();
  return {
    events: E.isRight(head) ? head.right.events : -1,
    deadLetters: E.isRight(dl) ? dl.right : -1,
    years: q.years().map((y) => y.year),
    reports: Object.fromEntries(q.years().map((y) => [y.year, q.reportJson(y.year)])),
    rankings: q.rankingDigests().map((d) => `${d.year}/${d.list}/${d.digest}`),
  };
}
type Result = Awaited<ReturnType<typeof project>>;

async function byFile(): Promise<Result> {
  const store = openSqliteEventStore({ path: tmp.file('file.sqlite') });
  try {
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const chunks = (async function* () {
      for (let i = 0; i < bytes.length; i += 64 << 10) yield bytes.subarray(i, i + (64 << 10));
    })();
    const r = await importStream(store, chunks, { ref: 'sample.ndjson' });
    if (E.isLeft(r)) throw new Error(r.left.message);
    return await project(store);
  } finally {
    await store.close();
  }
}

async function byHttp(): Promise<Result> {
  const svc = await startIngest({ config: testConfig({ db: tmp.file('http.sqlite'), projection: 'off' }), log });
  try {
    const tokens = new Map<string, string>(Object.values(SOURCES).map((s) => [s, svc.ingestor.sources.add(s, ALL)]));
    // In log order: each request holds consecutive lines of one source (at most 1,000).
    let i = 0;
    let current = sourceOf(lines[0]!)!;
    while (i < lines.length) {
      const batch: string[] = [];
      while (i < lines.length && batch.length < 1000) {
        const s = sourceOf(lines[i]!) ?? current; // a line cut short goes with its neighbours
        if (batch.length > 0 && s !== current) break;
        current = s;
        batch.push(lines[i++]!);
      }
      const r = await svc.app.app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${tokens.get(current)}` },
        payload: batch.join('\n') + '\n',
      });
      expect(r.statusCode).toBe(200);
      expect(r.json<BatchAnswer>().results).toHaveLength(batch.length);
    }
    return await project(svc.store);
  } finally {
    await svc.close();
  }
}

async function byKafka(expectedEvents: number): Promise<Result> {
  const topic = randomName('dvk.evaluation-events');
  const group = randomName('ingest');
  const db = tmp.file('kafka.sqlite');
  const svc = await startIngest({
    config: testConfig({ db, projection: 'off', kafkaBrokers: cluster!.brokers.join(','), kafkaTopics: topic, kafkaGroup: group, kafkaSessionTimeoutMs: 6000, kafkaMaxWaitMs: 200 }),
    log,
  });
  try {
    for (const s of Object.values(SOURCES)) svc.ingestor.sources.add(s, ALL);
    let last = 'unknown';
    const messages: OutboundMessage[] = lines.map((l) => {
      last = sourceOf(l) ?? last;
      return { key: keyOf(l), value: l, headers: { 'dvk-source': last } };
    });
    const kafka = testKafka(cluster!.brokers);
    await produce(kafka, topic, messages);
    await until('every event', async () => {
      const h = await svc.store.head();
      return E.isRight(h) && h.right.events >= expectedEvents;
    }, 60_000);
    await until('every offset committed', () => fullyCommitted(kafka, group, topic), 30_000);
    return await project(svc.store);
  } finally {
    await svc.close();
  }
}

describe('the same events by file, HTTP and Kafka', () => {
  it('give byte-identical reports', async () => {
    const file = await byFile();
    expect(file.years).toEqual([2016]);
    expect(file.events).toBeGreaterThan(9000);
    expect(file.deadLetters).toBe(6);
    const http = await byHttp();
    expect(http.events).toBe(file.events);
    expect(http.deadLetters).toBe(file.deadLetters);
    expect(http.years).toEqual(file.years);
    for (const y of file.years) expect(http.reports[y]).toBe(file.reports[y]);
    expect(http.rankings).toEqual(file.rankings);
    if (!cluster) return;
    const kafka = await byKafka(file.events);
    expect(kafka.events).toBe(file.events);
    expect(kafka.deadLetters).toBe(file.deadLetters);
    expect(kafka.years).toEqual(file.years);
    for (const y of file.years) expect(kafka.reports[y]).toBe(file.reports[y]);
    expect(kafka.rankings).toEqual(file.rankings);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { RankingMessage, type Envelope } from '@dvk/contracts';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { importStream } from '@dvk/ingestion';
import { randomName, readTopic, startMockCluster, testKafka, type MockCluster } from '@dvk/messaging/testing';
import { ScoringProjection, catchUp, readModelQueries } from '@dvk/projections';
import { generateLines } from '@dvk/sample';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { kafkaRankingsProducer, startRanking, type RankingService } from '../src/index.js';

/**
 * Rankings on Kafka (issue 4), against a real Kafka-protocol broker (librdkafka's mock cluster):
 * after an import, one message per (year, list) on the rankings topic, each parsing with the
 * contract, keyed `<year>/<list>`; a late correction of a closed year produces a new message with
 * a new digest and status `revised`.
 */
const dir = mkdtempSync(join(tmpdir(), 'dvk-rk-kafka-'));
const log = pino({ level: 'silent' });
const rulebooks = rulebookSet([defaultRulebook()]);
const topic = randomName('dvk.rankings');
let cluster: MockCluster | null = null;
let skip: string | null = null;
let store: SqliteEventStore;
let projection: ScoringProjection;
let ranking: RankingService;
let closeProducer: () => Promise<void> = async () => {};

beforeAll(async () => {
  const c = await startMockCluster(3);
  if ('skip' in c) {
    skip = c.skip;
    process.stderr.write(`SKIPPED services/ranking Kafka rankings test: ${skip}\n`);
    return;
  }
  cluster = c;
  store = openSqliteEventStore({ path: join(dir, 'd.sqlite'), synchronous: 'NORMAL' });
  // Two years keep the topic small (the mock keeps about 5 MB per partition).
  const text = [...generateLines({ seed: 11, years: 2, closeYears: 'all-but-last' })].join('\n') + '\n';
  const r = await importStream(store, Readable.from([Buffer.from(text)]), { ref: 'sample.ndjson' });
  expect(E.isRight(r)).toBe(true);
  projection = new ScoringProjection({ db: store.db, rulebooks, log });
  projection.load();
  expect(E.isRight(await catchUp(store, projection))).toBe(true);
  const p = await kafkaRankingsProducer(cluster.brokers, log);
  if (E.isLeft(p)) throw new Error(p.left);
  closeProducer = () => p.right.close();
  ranking = await startRanking({ db: store.db, store, rulebooks, log, producer: p.right, topic });
}, 120_000);

afterAll(async () => {
  await ranking?.stop();
  await closeProducer();
  await store?.close();
  cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('rankings on Kafka', () => {
  it('one message per (year, list), parsing with the contract, keyed year/list', async () => {
    if (skip) return;
    const kafka = testKafka(cluster!.brokers);
    const years = readModelQueries(store.db).years();
    const msgs = await readTopic(kafka, topic, { count: years.length * 4 });
    expect(msgs).toHaveLength(years.length * 4);
    const parsed = msgs.map((m) => ({ key: m.key!.toString(), value: RankingMessage.parse(JSON.parse(m.value!.toString())) }));
    for (const p of parsed) expect(p.key).toBe(`${p.value.year}/${p.value.list}`);
    expect(new Set(parsed.map((p) => p.key)).size).toBe(years.length * 4);
    const last = years[years.length - 1]!.year;
    for (const p of parsed) if (p.value.year === last) expect(p.value.status).toBe('provisional');
  });

  it('a late correction of a closed year publishes a new message: new digest, status revised', async () => {
    if (skip) return;
    const q = readModelQueries(store.db);
    const closed = q.years().find((y) => y.closedPosition !== null)!.year;
    const before = q.latestPublished(closed, 'dvk_candidates')!.message;
    const top = before.content.entries[0]!;
    const correction: Envelope = {
      id: '77777777-0000-4000-8000-000000000001',
      type: 'CriterionAssessed',
      schemaVersion: 1,
      source: 'ban-dan-van',
      occurredAt: `${closed + 1}-03-01T08:00:00+07:00`,
      data: { unitId: top.unitId, year: closed, criterionId: 'A1', points: 1, role: 'official', assessorId: 'ban-dan-van' },
    };
    expect(E.isRight(await store.appendMany([correction]))).toBe(true);
    expect(E.isRight(await catchUp(store, projection))).toBe(true);
    await ranking.trigger();
    const kafka = testKafka(cluster!.brokers);
    const all = await readTopic(kafka, topic, { count: q.years().length * 4 + 1 });
    const ours = all.filter((m) => m.key!.toString() === `${closed}/dvk_candidates`).map((m) => RankingMessage.parse(JSON.parse(m.value!.toString())));
    expect(ours.map((m) => m.version)).toEqual([1, 2]);
    expect(ours[1]!.status).toBe('revised');
    expect(ours[1]!.contentDigest).not.toBe(ours[0]!.contentDigest);
    expect(ours[1]!.position).toBeGreaterThan(ours[0]!.position);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { StartedTestContainer } from 'testcontainers';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { SourceRegistry } from '@dvk/ingestion';
import { SOURCES } from '@dvk/sample';
import { dockerAvailable } from '../../packages/event-store-esdb/src/docker.js';
import { openEsdbEventStore, type EsdbEventStore } from '../../packages/event-store-esdb/src/index.js';
import { RANK_LISTS, RankingMessage } from '../../packages/contracts/src/index.js';
import { generateLines } from '../../packages/sample/src/index.js';

/**
 * The distributed flow end to end: Kafka (container) → ingest → EventStoreDB (container) →
 * scoring → ranking → Kafka topic dvk.rankings, with every dvk service a child process started
 * from its `src/main.ts` in esdb mode, as infra/compose.yaml runs them in containers.
 *
 * Skipped, with one line saying why, where no Docker engine is reachable.
 *
 * The services are configured as infra/compose.yaml configures them: DVK_STORE=esdb,
 * DVK_ESDB_URL, DVK_READ_MODEL (the local SQLite file: ingest's sources and dead letters; the
 * scoring service's read model and checkpoint, shared with ranking), DVK_KAFKA_BROKERS, and each
 * service's DVK_<NAME>_HOST / DVK_<NAME>_PORT serving /readyz. Kafka messages carry no token: the
 * ingest service trusts the `dvk-source` header only for sources registered in its file, so the
 * sample's sources are registered there first (as `dvk sources add` does in production).
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENTRY = { ingest: 'services/ingest/src/main.ts', scoring: 'services/scoring/src/main.ts', ranking: 'services/ranking/src/main.ts' } as const;
type Svc = keyof typeof ENTRY;
const PORT_ENV: Record<Svc, string> = { ingest: 'DVK_INGEST_PORT', scoring: 'DVK_SCORING_PORT', ranking: 'DVK_RANKING_PORT' };
const HOST_ENV: Record<Svc, string> = { ingest: 'DVK_INGEST_HOST', scoring: 'DVK_SCORING_HOST', ranking: 'DVK_RANKING_HOST' };
const KAFKA_IMAGE = process.env.DVK_KAFKA_IMAGE ?? 'apache/kafka:3.8.0';
const ESDB_IMAGE = process.env.DVK_ESDB_IMAGE ?? 'eventstore/eventstore:24.10';
const YEAR = 2016;

const docker = await dockerAvailable();
const missing = (Object.keys(ENTRY) as Svc[]).filter((s) => !existsSync(join(root, ENTRY[s])));
const reasons = [
  ...(docker.available ? [] : [`no Docker engine reachable (${docker.reason})`]),
  ...(missing.length ? [`no entry point yet for ${missing.map((s) => ENTRY[s]).join(', ')}`] : []),
];
if (reasons.length)
  process.stderr.write(`SKIPPED tests/e2e/distributed.e2e.spec.ts Kafka → ingest → EventStoreDB → scoring → dvk.rankings: ${reasons.join('; ')}; runs where Docker is available\n`);

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, ms: number, fn: () => Promise<T | null>): Promise<T> {
  const t0 = Date.now();
  let last: unknown = null;
  while (Date.now() - t0 < ms) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe.skipIf(reasons.length > 0)('distributed flow: Kafka → ingest → EventStoreDB → scoring → dvk.rankings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dvk-e2e-'));
  const procs: { name: Svc; child: ChildProcess; output: string[] }[] = [];
  let kafkaC: StartedTestContainer;
  let esdbC: StartedTestContainer;
  let brokers: string;
  let esdbUrl: string;
  let kafka: Kafka;
  let store: EsdbEventStore;
  const ports: Partial<Record<Svc, number>> = {};

  beforeAll(async () => {
    const { GenericContainer, Wait } = await import('testcontainers');
    const kafkaPort = await freePort();
    [kafkaC, esdbC] = await Promise.all([
      new GenericContainer(KAFKA_IMAGE)
        .withExposedPorts({ container: 9092, host: kafkaPort })
        .withEnvironment({
          CLUSTER_ID: 'fsbXxfVADHC1Ayj712D2sw',
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'PLAINTEXT://:9092,BROKER://:9094,CONTROLLER://:9093',
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://localhost:${kafkaPort},BROKER://localhost:9094`,
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,BROKER:PLAINTEXT,CONTROLLER:PLAINTEXT',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'BROKER',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(120_000)
        .start(),
      new GenericContainer(ESDB_IMAGE)
        .withEnvironment({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_RUN_PROJECTIONS: 'None', EVENTSTORE_MEM_DB: 'true', EVENTSTORE_CLUSTER_SIZE: '1' })
        .withExposedPorts(2113)
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((c) => c >= 200 && c < 300))
        .withStartupTimeout(120_000)
        .start(),
    ]);
    brokers = `localhost:${kafkaPort}`;
    esdbUrl = `esdb://${esdbC.getHost()}:${esdbC.getMappedPort(2113)}?tls=false`;
    kafka = new Kafka({ clientId: 'dvk-e2e', brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'dvk.evaluation-events', numPartitions: 12, configEntries: [{ name: 'retention.ms', value: '2592000000' }] },
        { topic: 'dvk.evaluation-events.dlq', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '7776000000' }] },
        { topic: 'dvk.rankings', numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    await admin.disconnect();
    store = openEsdbEventStore({ connectionString: esdbUrl });

    const readModel = join(dir, 'read-model.sqlite');
    const files: Record<Svc, string> = { ingest: join(dir, 'ingest.sqlite'), scoring: readModel, ranking: readModel };
    // The sample's sources, registered in the ingest service's local file (scope: everything).
    const local = openSqliteEventStore({ path: files.ingest });
    const registry = new SourceRegistry(local.db);
    for (const name of Object.values(SOURCES)) registry.add(name, { units: '*', descendants: false, kinds: '*', types: '*' });
    await local.close();
    for (const name of ['ingest', 'scoring', 'ranking'] as const) {
      ports[name] = await freePort();
      const output: string[] = [];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: join(root, dirname(dirname(ENTRY[name]))),
        env: {
          ...process.env,
          DVK_STORE: 'esdb',
          DVK_ESDB_URL: esdbUrl,
          DVK_KAFKA_BROKERS: brokers,
          DVK_READ_MODEL: files[name],
          DVK_LOG_LEVEL: 'info',
          [HOST_ENV[name]]: '127.0.0.1',
          [PORT_ENV[name]]: String(ports[name]),
          ...(name === 'ingest' ? { DVK_KAFKA_TOPIC: 'dvk.evaluation-events', DVK_KAFKA_GROUP: `dvk-ingest-${randomUUID().slice(0, 8)}`, } : {}),
          ...(name === 'ranking' ? { DVK_RANKINGS_TOPIC: 'dvk.rankings' } : {}),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
      child.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
      procs.push({ name, child, output });
    }
    for (const name of ['ingest', 'scoring', 'ranking'] as const) {
      await eventually(`${name} /readyz`, 120_000, async () => {
        const p = procs.find((x) => x.name === name)!;
        if (p.child.exitCode !== null) throw new Error(`${name} exited ${p.child.exitCode}:\n${p.output.join('').slice(-3000)}`);
        const r = await fetch(`http://127.0.0.1:${ports[name]}/readyz`).catch(() => null);
        return r?.ok ? true : null;
      });
    }
  }, 420_000);

  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.child.exitCode !== null ? null : new Promise((r) => p.child.once('exit', r)))));
    await store?.close();
    await Promise.all([kafkaC?.stop(), esdbC?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('ingests from Kafka into EventStoreDB exactly once and publishes the year’s final rankings', async () => {
    const lines = [...generateLines({ seed: 11, years: 1, firstYear: YEAR, closeYears: 'all', badEvents: false })];
    const messages = lines.map((text) => {
      const e = JSON.parse(text) as { type: string; source: string; data: { unitId?: string } };
      return { key: e.type === 'YearClosed' ? 'district' : e.data.unitId!, value: text, headers: { 'dvk-source': e.source } };
    });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic: 'dvk.evaluation-events', messages: messages.slice(i, i + 1000) });

    // every event in EventStoreDB, once
    await eventually('all events in EventStoreDB', 300_000, async () => {
      const h = await store.head();
      return h._tag === 'Right' && h.right.events === lines.length ? h.right : null;
    });
    // a redelivery (the same messages again) stores nothing
    await producer.send({ topic: 'dvk.evaluation-events', messages: messages.slice(0, 500) });
    await sleep(15_000);
    const after = await store.head();
    expect(after._tag === 'Right' && after.right.events).toBe(lines.length);
    await producer.disconnect();

    // the year's final rankings on dvk.rankings, one per list (latest per key)
    const consumer: Consumer = kafka.consumer({ groupId: `dvk-e2e-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: 'dvk.rankings', fromBeginning: true });
    const latest = new Map<string, RankingMessage>();
    await consumer.run({
      eachMessage: async ({ message }) => {
        const m = RankingMessage.parse(JSON.parse(message.value!.toString('utf8')));
        latest.set(`${m.year}/${m.list}`, m);
      },
    });
    const finals = await eventually('final rankings of every list', 300_000, async () => {
      const fs = RANK_LISTS.map((l) => latest.get(`${YEAR}/${l}`));
      return fs.every((m) => m?.status === 'final') ? (fs as RankingMessage[]) : null;
    });
    await consumer.disconnect();
    const head = await store.head();
    for (const m of finals) {
      expect(m.position).toBeGreaterThan(0);
      expect(head._tag === 'Right' && m.position <= head.right.position).toBe(true);
    }
  }, 900_000);
});

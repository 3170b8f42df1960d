import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import type { StartedTestContainer } from 'testcontainers';
import { unitStream } from '@dvk/contracts';
import { eventStoreContract, sampleEvent } from '@dvk/event-store/contract';
import { openEsdbEventStore, type EsdbEventStore } from '../src/index.js';
import { dockerAvailable, reportSkip } from '../src/docker.js';

/**
 * The contract suite and the dropped-connection test against a real EventStoreDB in a container
 * (testcontainers). Where no Docker engine is reachable the whole file is skipped and says so in
 * one line. The image can be changed with DVK_ESDB_IMAGE (e.g. a KurrentDB image).
 */

const IMAGE = process.env.DVK_ESDB_IMAGE ?? 'eventstore/eventstore:24.10';
const docker = await dockerAvailable();
if (!docker.available) reportSkip('packages/event-store-esdb', 'EventStoreDB contract suite (testcontainers)', docker.reason);

const log = pino({ level: process.env.DVK_TEST_LOG ?? 'silent' });
const ENV = {
  EVENTSTORE_INSECURE: 'true',
  EVENTSTORE_RUN_PROJECTIONS: 'None',
  EVENTSTORE_CLUSTER_SIZE: '1',
  EVENTSTORE_ENABLE_ATOM_PUB_OVER_HTTP: 'false',
};

async function startEsdb(o: { memDb: boolean; hostPort?: number }): Promise<{ container: StartedTestContainer; url: string }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(IMAGE)
    .withEnvironment({ ...ENV, EVENTSTORE_MEM_DB: String(o.memDb) })
    .withExposedPorts(o.hostPort ? { container: 2113, host: o.hostPort } : 2113)
    .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((c) => c >= 200 && c < 300))
    .withStartupTimeout(120_000)
    .start();
  return { container, url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false` };
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });

describe.skipIf(!docker.available)(`EventStoreDB in a container (${IMAGE})`, () => {
  let esdb: { container: StartedTestContainer; url: string };
  beforeAll(async () => {
    esdb = await startEsdb({ memDb: true });
  }, 180_000);
  afterAll(async () => {
    await esdb?.container.stop();
  });

  eventStoreContract('EventStoreDB', async () => {
    const store = openEsdbEventStore({ connectionString: esdb.url, log, resubscribe: { baseMs: 100, maxMs: 1000 } });
    return { store, cleanup: () => store.close() };
  });

  it('answers ping, and keeps claims out of the log', async () => {
    const store = openEsdbEventStore({ connectionString: esdb.url, log });
    expect(E.isRight(await store.ping())).toBe(true);
    const u = `u${crypto.randomUUID().slice(0, 8)}`;
    const out = await store.appendMany([sampleEvent(u, 1), sampleEvent(u, 2)]);
    expect(E.isRight(out)).toBe(true);
    const all = await store.readAll({ after: 0, maxCount: 100_000 });
    expect(E.isRight(all) && all.right.every((e) => e.stream.startsWith('unit-') || e.stream === 'district')).toBe(true);
    await store.close();
  });
});

describe.skipIf(!docker.available)('EventStoreDB subscription across a server restart', () => {
  let esdb: { container: StartedTestContainer; url: string };
  beforeAll(async () => {
    // A database on the container's disk (kept across a restart) on a fixed host port, so the
    // client reconnects to the same address.
    esdb = await startEsdb({ memDb: false, hostPort: await freePort() });
  }, 180_000);
  afterAll(async () => {
    await esdb?.container.stop();
  });

  const appendRetrying = async (store: EsdbEventStore, evs: ReturnType<typeof sampleEvent>[]) => {
    for (let i = 0; ; i++) {
      const r = await store.appendMany(evs);
      if (E.isRight(r)) return r.right.map((o) => o.position!);
      if (i > 60) throw new Error(`append kept failing: ${r.left.message}`);
      await new Promise((res) => setTimeout(res, 1000));
    }
  };

  it('resumes from its last handled position without loss or duplicates', async () => {
    const writer = openEsdbEventStore({ connectionString: esdb.url, log });
    const reader = openEsdbEventStore({ connectionString: esdb.url, log, resubscribe: { baseMs: 200, maxMs: 1000 } });
    const u = `u${crypto.randomUUID().slice(0, 8)}`;
    const expected = await appendRetrying(writer, Array.from({ length: 20 }, (_, i) => sampleEvent(u, i)));
    const seen: number[] = [];
    const sub = reader.subscribe({ after: 0, batchSize: 7 }, (batch) => {
      for (const e of batch) if (e.stream === unitStream(u)) seen.push(e.position);
    });
    await sub.caughtUp;
    expect(seen).toEqual(expected);

    await esdb.container.restart(); // every connection drops
    expected.push(...(await appendRetrying(writer, Array.from({ length: 20 }, (_, i) => sampleEvent(u, 100 + i)))));
    const t0 = Date.now();
    while (seen.length < expected.length && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toEqual(expected);
    await sub.stop();
    expect(E.isRight(await sub.done)).toBe(true);
    await writer.close();
    await reader.close();
  }, 180_000);
});

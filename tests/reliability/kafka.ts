import { Kafka, Partitioners, logLevel, type Admin } from 'kafkajs';
import { startMockCluster, type MockCluster } from '@dvk/messaging/testing';
import { tempDir } from './harness.js';
import { declaredSource } from './oracle.js';

/**
 * The Kafka side of the harness: librdkafka's mock cluster (a real Kafka-protocol broker run by
 * kcat, `scripts/kafka-mock-cluster`), started and stopped here; the input produced as upstream
 * systems would (key = the event's unit id, `district` for YearClosed; header `dvk-source`); and
 * the consumer group's lag.
 */

export type Cluster = MockCluster;

/**
 * Starts a 3-broker mock cluster; `{ skip }` with the reason when this machine cannot (no kcat)
 * — except in CI (DVK_CI_STRICT=1), where it throws. The script leaves its debug log (megabytes)
 * in TMPDIR: it gets a directory of its own, removed with the cluster.
 */
export async function startCluster(): Promise<Cluster | { skip: string }> {
  const logs = tempDir('dvk-crash-kafka-log-');
  const before = process.env.TMPDIR;
  process.env.TMPDIR = logs.dir;
  let starting: Promise<Cluster | { skip: string }>;
  try {
    starting = startMockCluster(3); // the script is spawned, with this environment, before this returns
  } finally {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
  }
  const c = await starting.catch((err: unknown) => {
    logs.cleanup();
    throw err;
  });
  if ('skip' in c) {
    logs.cleanup();
    return c;
  }
  return {
    brokers: c.brokers,
    stop() {
      c.stop();
      logs.cleanup();
    },
  };
}

export function client(brokers: readonly string[]): Kafka {
  return new Kafka({ clientId: 'dvk-crash-harness', brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

/** The key a line's message carries: its unit id (`district` for YearClosed); bad lines get what can be read. */
export function keyOf(line: string): string {
  try {
    const e = JSON.parse(line) as { type?: string; data?: { unitId?: unknown } };
    if (e.type === 'YearClosed') return 'district';
    if (typeof e.data?.unitId === 'string') return e.data.unitId;
  } catch {
    /* not JSON */
  }
  return /"unitId"\s*:\s*"([^"]+)"/.exec(line)?.[1] ?? 'district';
}

/** Produces every line, in order, one message each (acks from all replicas). */
export async function produceLines(kafka: Kafka, topic: string, lines: readonly string[]): Promise<void> {
  const p = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    let source = 'ban-dan-van';
    const messages = lines.map((l) => {
      source = declaredSource(l) ?? source;
      return { key: keyOf(l), value: l, headers: { 'dvk-source': source } };
    });
    for (let i = 0; i < messages.length; i += 1000) await p.send({ topic, acks: -1, messages: messages.slice(i, i + 1000) });
  } finally {
    await p.disconnect();
  }
}

/**
 * Messages of the topic the group has not committed yet; null when the brokers did not answer
 * (kafkajs' admin sometimes fails on the mock's metadata while topics are being created): ask again.
 */
export async function lagOf(admin: Admin, group: string, topic: string): Promise<number | null> {
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: group, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let lag = 0;
    for (const p of ends) {
      const c = done.get(p.partition) ?? -1;
      lag += Number(p.high) - Math.max(0, c < 0 ? Number(p.low) : c);
    }
    return lag;
  } catch {
    return null;
  }
}

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { decodeMessage } from './consumer.js';
import type { InboundMessage } from './dlq.js';
import type { OutboundMessage } from './producer.js';

/**
 * Test helpers (`@dvk/messaging/testing`): librdkafka's mock cluster (a real Kafka-protocol
 * broker, through kcat) started and stopped by a test, and small produce / read-back helpers.
 * Not for production code.
 */

export interface MockCluster {
  readonly brokers: string[];
  stop(): void;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const MOCK_CLUSTER_SCRIPT = process.env.DVK_KAFKA_MOCK_CLUSTER ?? resolve(repoRoot, 'scripts/kafka-mock-cluster');

/**
 * Starts a mock cluster of `brokers` brokers; Left-like `{ skip }` with the reason when this machine
 * cannot run one (no kcat), so suites can skip with a clear message.
 */
export async function startMockCluster(brokers = 3): Promise<MockCluster | { skip: string }> {
  const r = await startMockClusterOrSkip(brokers);
  // CI sets DVK_CI_STRICT=1: there a Kafka suite that cannot start the cluster fails, never skips.
  if ('skip' in r && process.env.DVK_CI_STRICT === '1') throw new Error(`DVK_CI_STRICT=1 (CI) but ${r.skip}`);
  return r;
}

async function startMockClusterOrSkip(brokers: number): Promise<MockCluster | { skip: string }> {
  if (!existsSync(MOCK_CLUSTER_SCRIPT)) return { skip: `no Kafka mock cluster script at ${MOCK_CLUSTER_SCRIPT}` };
  const dir = mkdtempSync(join(tmpdir(), 'dvk-kafka-mock-'));
  const pidfile = join(dir, 'pid');
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
    execFile(MOCK_CLUSTER_SCRIPT, [String(brokers), pidfile], { timeout: 20_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  if (out.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { skip: `cannot start the Kafka mock cluster: ${out.stderr.trim() || `exit ${out.code}`}` };
  }
  const pid = Number(readFileSync(pidfile, 'utf8').trim());
  return {
    brokers: out.stdout.trim().split(','),
    stop() {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const randomName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export function testKafka(brokers: readonly string[], clientId = randomName('test')): Kafka {
  return new Kafka({ clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
}

/** Produces messages in order (one request per `perRequest` messages, acks from all replicas). */
export async function produce(kafka: Kafka, topic: string, messages: readonly OutboundMessage[], perRequest = 500): Promise<void> {
  const p = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    for (let i = 0; i < messages.length; i += perRequest) {
      await p.send({
        topic,
        acks: -1,
        messages: messages.slice(i, i + perRequest).map((m) => ({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined })),
      });
    }
  } finally {
    await p.disconnect();
  }
}

/**
 * Reads a topic from the beginning with a fresh group until `count` messages arrived, or nothing
 * new came for `quietMs` after that many, or `timeoutMs` passed. Returns what it read.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  opts: { count: number; timeoutMs?: number; quietMs?: number },
): Promise<InboundMessage[]> {
  const out: InboundMessage[] = [];
  const c = kafka.consumer({ groupId: randomName('reader'), sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, allowAutoTopicCreation: true });
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: true });
  let last = Date.now();
  await c.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) out.push(decodeMessage(batch.topic, batch.partition, m));
      last = Date.now();
    },
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  const quiet = opts.quietMs ?? 300;
  while (Date.now() < deadline && !(out.length >= opts.count && Date.now() - last >= quiet)) await new Promise((r) => setTimeout(r, 50));
  await c.disconnect();
  return out;
}

/** Committed offsets of a group on a topic, by partition (-1: nothing committed). */
export async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const r = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((r[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** The end offset (high watermark) of every partition of a topic. */
export async function endOffsets(kafka: Kafka, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const r = await admin.fetchTopicOffsets(topic);
    return new Map(r.map((p) => [p.partition, BigInt(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** True when the group committed every message of the topic (committed = end, where end > 0). */
export async function fullyCommitted(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const [ends, done] = await Promise.all([endOffsets(kafka, topic), committedOffsets(kafka, groupId, topic)]);
  for (const [p, end] of ends) if (end > 0n && (done.get(p) ?? -1n) !== end) return false;
  return true;
}

import * as E from 'fp-ts/lib/Either.js';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { deadLetterRecord, dlqTopicOf, type InboundMessage, type Rejection } from './dlq.js';
import { errorMessage, kafkaUnavailable, type HandlerFatal, type MessagingError } from './errors.js';
import { openProducer, type OutboundMessage, type Producer } from './producer.js';

/**
 * A consumer-group runner with at-least-once delivery made exactly-once by an idempotent handler:
 *
 *   fetch a batch of one partition → split it into chunks → for each chunk:
 *     handle (the service appends the valid events durably and says which messages it refused)
 *     → produce the refused ones to the dead-letter topic (acks from all replicas)
 *     → resolve and commit the offset after the chunk's last message → heartbeat.
 *
 * A crash anywhere before the commit re-delivers the chunk to whoever owns the partition next;
 * the handler's idempotent append turns it into duplicates (no-ops). Offsets are never resolved
 * automatically (`eachBatchAutoResolve: false`, `autoCommit: false`). A retriable handler or DLQ
 * failure is retried with backoff while the partition is held (the chunk is not skipped); a fatal
 * one stops the consumer without committing. `stop()` lets the chunk in progress finish and
 * commit, then leaves the group.
 */

export interface BatchResult {
  /** The messages that go to the dead-letter topic, with the reason. */
  readonly rejected: readonly Rejection[];
}

/** Why a chunk could not be handled; retriable failures are retried, others stop the consumer. */
export interface HandlerFailure {
  readonly retriable: boolean;
  readonly message: string;
}

export type BatchHandler = (messages: readonly InboundMessage[]) => Promise<E.Either<HandlerFailure, BatchResult>>;

export interface ChunkInfo {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly count: number;
  readonly rejected: number;
}

export interface BatchConsumerOptions {
  readonly kafka: Kafka;
  readonly log: Logger;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handle: BatchHandler;
  /** Where the dead letters of a topic go (default `<topic>.dlq`). */
  readonly dlqTopic?: (topic: string) => string;
  /** The producer for dead letters; when absent the consumer opens (and closes) its own. */
  readonly producer?: Producer;
  /** Messages per handler call (default 1,000); each chunk is committed on its own. */
  readonly maxChunk?: number;
  /** Where a new group starts: the earliest offset (default) or the latest. */
  readonly fromBeginning?: boolean;
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  readonly rebalanceTimeoutMs?: number;
  /** How long a fetch waits for new messages (default 1,000 ms); a stop waits for it too. */
  readonly maxWaitTimeMs?: number;
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Called after the chunk is handled and its dead letters produced, before the commit (tests). */
  readonly beforeCommit?: (c: ChunkInfo) => Promise<void>;
  /** Called after the offset of a chunk is committed. */
  readonly onCommitted?: (c: ChunkInfo, seconds: number) => void;
  /** Called when the consumer's state changes (joined, rebalancing, stopped, …). */
  readonly onState?: (s: ConsumerState) => void;
}

export type ConsumerState = 'joining' | 'joined' | 'rebalancing' | 'stopping' | 'stopped' | 'failed';

export interface BatchConsumer {
  state(): ConsumerState;
  /** Resolves true once the consumer holds an assignment in its group, false on timeout or stop. */
  whenJoined(timeoutMs: number): Promise<boolean>;
  /** Resolves when the consumer ends: Right after stop(), Left when it failed for good. */
  readonly done: Promise<E.Either<MessagingError, void>>;
  /** Finishes the chunk in progress (commit included), leaves the group, disconnects. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function headerText(v: IHeaders[string]): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

export function decodeMessage(topic: string, partition: number, m: KafkaMessage): InboundMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const t = headerText(v);
    if (t !== undefined) headers[k] = t;
  }
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers, timestamp: m.timestamp };
}

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

export async function startBatchConsumer(o: BatchConsumerOptions): Promise<E.Either<MessagingError, BatchConsumer>> {
  const log = o.log.child({ component: 'kafka-consumer', group: o.groupId });
  const maxChunk = Math.max(1, o.maxChunk ?? 1000);
  const dlqTopic = o.dlqTopic ?? dlqTopicOf;
  const retryBase = o.retryBaseMs ?? 250;
  const retryMax = o.retryMaxMs ?? 10_000;

  let producer = o.producer;
  const ownProducer = !producer;
  if (!producer) {
    const p = await openProducer(o.kafka, o.log);
    if (E.isLeft(p)) return p;
    producer = p.right;
  }
  const dlq: Producer = producer;

  const consumer: Consumer = o.kafka.consumer({
    groupId: o.groupId,
    allowAutoTopicCreation: true,
    sessionTimeout: o.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: o.rebalanceTimeoutMs ?? Math.max(60_000, (o.sessionTimeoutMs ?? 30_000) * 2),
    heartbeatInterval: o.heartbeatIntervalMs ?? Math.max(100, Math.floor((o.sessionTimeoutMs ?? 30_000) / 10)),
    maxWaitTimeInMs: o.maxWaitTimeMs ?? 1000,
  });

  let current: ConsumerState = 'joining';
  const state = {
    get: () => current,
    set: (s: ConsumerState) => {
      if (s === current) return;
      current = s;
      o.onState?.(s);
    },
  };
  const joinWaiters = new Set<(ok: boolean) => void>();
  let resolveDone!: (r: E.Either<MessagingError, void>) => void;
  const done = new Promise<E.Either<MessagingError, void>>((r) => (resolveDone = r));
  let fatal: MessagingError | null = null;
  let stopping: Promise<void> | null = null;

  const settleJoin = (ok: boolean) => {
    for (const w of joinWaiters) w(ok);
    joinWaiters.clear();
  };

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    state.set('joined');
    log.info({ memberId: e.payload.memberId, assignment: e.payload.memberAssignment, leader: e.payload.isLeader }, 'joined the consumer group');
    settleJoin(true);
  });
  consumer.on(consumer.events.REBALANCING, () => {
    if (state.get() === 'joined') state.set('rebalancing');
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const restart = (e.payload as { restart?: boolean }).restart ?? false;
    log.error({ err: errorMessage(e.payload.error), restart }, restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed for good');
    if (!restart) {
      fatal ??= kafkaUnavailable(`the Kafka consumer crashed: ${errorMessage(e.payload.error)}`, e.payload.error);
      void stop();
    } else state.set('joining');
  });

  /** Runs a step until it succeeds; null when the consumer stops (or the failure is fatal) first. */
  async function untilDone<T>(
    what: string,
    p: Pick<EachBatchPayload, 'isRunning' | 'isStale' | 'heartbeat'>,
    step: () => Promise<E.Either<{ retriable: boolean; message: string }, T>>,
  ): Promise<T | null> {
    let delay = retryBase;
    for (let attempt = 1; ; attempt++) {
      const r = await step();
      if (E.isRight(r)) return r.right;
      if (!r.left.retriable) {
        const f: HandlerFatal = { _tag: 'HandlerFatal', retriable: false, message: `${what}: ${r.left.message}` };
        fatal ??= f;
        log.error({ err: r.left.message }, `${what} failed for good; stopping the consumer without committing`);
        void stop();
        return null;
      }
      log.warn({ err: r.left.message, attempt, retryInMs: delay }, `${what} failed; retrying`);
      // Wait in slices, keeping the group membership alive, until it is time or we must let go.
      const until = Date.now() + delay;
      while (Date.now() < until) {
        if (!p.isRunning() || p.isStale()) return null;
        await sleep(Math.min(200, until - Date.now()));
        await p.heartbeat();
      }
      if (!p.isRunning() || p.isStale()) return null;
      delay = Math.min(delay * 2, retryMax);
    }
  }

  async function eachBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    for (let i = 0; i < batch.messages.length; i += maxChunk) {
      if (!p.isRunning() || p.isStale() || fatal) return;
      const t0 = performance.now();
      const chunk = batch.messages.slice(i, i + maxChunk).map((m) => decodeMessage(topic, partition, m));
      const result = await untilDone('handling a batch', p, () => o.handle(chunk));
      if (result === null) return;
      if (result.rejected.length > 0) {
        const byTopic = new Map<string, OutboundMessage[]>();
        for (const r of result.rejected) {
          const t = dlqTopic(r.message.topic);
          let list = byTopic.get(t);
          if (!list) byTopic.set(t, (list = []));
          list.push(deadLetterRecord(r));
        }
        for (const [t, records] of byTopic) {
          const sent = await untilDone(`producing ${records.length} dead letters to ${t}`, p, () => dlq.send(t, records));
          if (sent === null) return;
        }
      }
      const info: ChunkInfo = {
        topic,
        partition,
        firstOffset: chunk[0]!.offset,
        lastOffset: chunk[chunk.length - 1]!.offset,
        count: chunk.length,
        rejected: result.rejected.length,
      };
      if (o.beforeCommit) await o.beforeCommit(info);
      p.resolveOffset(info.lastOffset);
      await p.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset(info.lastOffset) }] }] });
      o.onCommitted?.(info, (performance.now() - t0) / 1000);
      log.debug(info, 'chunk committed');
      await p.heartbeat();
    }
  }

  async function stop(): Promise<void> {
    stopping ??= (async () => {
      if (state.get() !== 'failed') state.set('stopping');
      settleJoin(false);
      try {
        await consumer.disconnect();
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'consumer disconnect failed');
      }
      if (ownProducer) await dlq.close();
      state.set(fatal ? 'failed' : 'stopped');
      log.info({ failed: Boolean(fatal) }, 'consumer stopped');
      resolveDone(fatal ? E.left(fatal) : E.right(undefined));
    })();
    return stopping;
  }

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...o.topics], fromBeginning: o.fromBeginning ?? true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    if (ownProducer) await dlq.close();
    return E.left(kafkaUnavailable(`cannot start the Kafka consumer of group ${o.groupId}: ${errorMessage(err)}`, err));
  }
  log.info({ topics: o.topics }, 'consumer started');

  return E.right({
    state: state.get,
    whenJoined(timeoutMs) {
      const s = state.get();
      if (s === 'joined') return Promise.resolve(true);
      if (s === 'stopping' || s === 'stopped' || s === 'failed') return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const settle = (ok: boolean) => {
          clearTimeout(timer);
          joinWaiters.delete(settle);
          resolve(ok);
        };
        const timer = setTimeout(() => settle(false), timeoutMs);
        joinWaiters.add(settle);
      });
    },
    done,
    stop,
  });
}

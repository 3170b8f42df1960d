import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { DISTRICT_STREAM, type Envelope } from '@dvk/contracts';
import { crashPoint } from '@dvk/event-store';
import { KEPT_BYTES, type Frame, type SourceRecord } from '@dvk/ingestion';
import {
  dlqTopicOf,
  makeKafka,
  startBatchConsumer,
  type BatchConsumer,
  type ConsumerState,
  type InboundMessage,
  type Rejection,
} from '@dvk/messaging';
import { withBackoff } from '@dvk/service-kit';
import type { IngestConfig } from './config.js';
import type { Candidate, Ingestor, Refused } from './ingestor.js';

/**
 * The Kafka side of ingest: a consumer group on the configured topics (default
 * `dvk.evaluation-events`), one event envelope per message, keyed by its unit id. Each chunk of a
 * partition goes through the same `Ingestor` as HTTP (one transaction: events + dead letters);
 * refused messages go to `<topic>.dlq` with the reason; then the offset is committed. A crash
 * before the commit re-delivers the chunk and the idempotent append makes it a no-op.
 *
 * Kafka carries no token: a message's source is the one its topic is mapped to
 * (`DVK_KAFKA_SOURCE_MAP`), or else the one its `dvk-source` header names, which must be a
 * registered, non-revoked source. Who may write to the topic at all is for the brokers' ACLs.
 */

export const SOURCE_HEADER = 'dvk-source';
/** Extra DLQ header: the reason code (`schema`, `scope`, `key_mismatch`, …). */
export const CODE_HEADER = 'dvk-code';

/** The key an event's message must carry: its unit id (`district` for YearClosed). */
export function partitionKeyOf(e: Envelope): string {
  return e.type === 'YearClosed' ? DISTRICT_STREAM : e.data.unitId;
}

export type KafkaIngestState = ConsumerState | 'connecting' | 'restarting';

export interface KafkaIngest {
  state(): KafkaIngestState;
  /**
   * For `/readyz`: null once the consumer has joined its group (a later rebalance or restart does
   * not make ingest unready, HTTP goes on), else why not.
   */
  problem(): string | null;
  whenJoined(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A message's value as a frame (one line): a framing error when absent, too long or not UTF-8. */
function frameOf(m: InboundMessage, maxBytes: number): Frame {
  const v = m.value;
  if (v === null || v.length === 0) return { kind: 'error', line: 1, reason: 'the message has no value', raw: new Uint8Array(), bytes: 0 };
  if (v.length > maxBytes) return { kind: 'error', line: 1, reason: `the message is longer than the limit of ${maxBytes} bytes (${v.length} bytes)`, raw: v.subarray(0, KEPT_BYTES), bytes: v.length };
  try {
    return { kind: 'line', line: 1, text: decoder.decode(v), bytes: v.length };
  } catch {
    return { kind: 'error', line: 1, reason: 'the message is not valid UTF-8', raw: v.subarray(0, KEPT_BYTES), bytes: v.length };
  }
}

export function kafkaCandidates(
  messages: readonly InboundMessage[],
  o: { ingestor: Ingestor; sourceMap: Readonly<Record<string, string>>; maxBytes: number },
): Candidate[] {
  const known = new Map<string, SourceRecord | null>();
  const sourceNamed = (name: string) => {
    if (!known.has(name)) known.set(name, o.ingestor.sources.get(name));
    return known.get(name)!;
  };
  return messages.map((m): Candidate => {
    const frame = frameOf(m, o.maxBytes);
    const ref = `${m.topic}/${m.partition}/${m.offset}`;
    // own properties only: a topic or header named like an Object.prototype member maps to nothing
    const mapped = Object.hasOwn(o.sourceMap, m.topic) ? o.sourceMap[m.topic] : undefined;
    const header = Object.hasOwn(m.headers, SOURCE_HEADER) ? m.headers[SOURCE_HEADER] : undefined;
    const refuse = (reason: string, name: string | null): Candidate => ({ frame, ref, source: { refused: { code: 'unknown_source', reason }, name } });
    if (mapped !== undefined && header !== undefined && header !== mapped)
      return refuse(`the ${SOURCE_HEADER} header names "${header}", but topic ${m.topic} is mapped to source "${mapped}"`, mapped);
    const name = mapped ?? header;
    if (name === undefined) return refuse(`no ${SOURCE_HEADER} header, and topic ${m.topic} is not mapped to a source`, null);
    const src = sourceNamed(name);
    if (!src) return refuse(`source "${name}" is not registered (see \`dvk sources add\`)`, name);
    if (src.revokedAt) return refuse(`source "${name}" was revoked on ${src.revokedAt}`, name);
    const key = m.key === null ? null : m.key.toString('utf8');
    const check = (e: Envelope): Refused | null => {
      const want = partitionKeyOf(e);
      return key === want ? null : { code: 'key_mismatch', reason: `the message key must be "${want}" (the event's ${e.type === 'YearClosed' ? 'stream' : 'unit id'}), got ${key === null ? 'no key' : `"${key}"`}` };
    };
    return { frame, ref, source: src, check };
  });
}

export interface KafkaIngestOptions {
  config: IngestConfig;
  ingestor: Ingestor;
  log: Logger;
}

/**
 * Starts the consumer in the background and returns at once. A supervisor keeps it running:
 * it retries (with backoff) while the brokers are unreachable, and starts a new consumer when
 * one crashes for a Kafka reason; only a fatal handler failure (the store is corrupt) stops it
 * for good. `stop()` lets the chunk in progress finish and commit, then leaves the group.
 */
export function startKafkaIngest(o: KafkaIngestOptions): KafkaIngest {
  const c = o.config;
  const log = o.log.child({ component: 'kafka-ingest' });
  const kafka = makeKafka({ brokers: c.kafkaBrokers, clientId: c.kafkaClientId }, o.log);
  const abort = new AbortController();
  let consumer: BatchConsumer | null = null;
  let phase: 'connecting' | 'running' | 'restarting' | 'failed' | 'stopped' = 'connecting';
  let everJoined = false;
  const joinWaiters = new Set<() => void>();
  const pause = c.testPauseBeforeCommitMs;
  if (pause > 0) log.warn({ ms: pause }, 'test hook on: pausing between each append and its offset commit');

  const handle = async (messages: readonly InboundMessage[]) => {
    const r = await o.ingestor.ingest('kafka', kafkaCandidates(messages, { ingestor: o.ingestor, sourceMap: c.kafkaSourceMap, maxBytes: c.maxLineBytes }));
    crashPoint('ingest.kafka.appended');
    if (E.isLeft(r)) return E.left({ retriable: r.left.retriable, message: r.left.message });
    const rejected: Rejection[] = [];
    r.right.forEach((x, i) => {
      if (x.status !== 'rejected') return;
      const m = messages[i]!;
      const src = (Object.hasOwn(m.headers, SOURCE_HEADER) ? m.headers[SOURCE_HEADER] : undefined) ?? (Object.hasOwn(c.kafkaSourceMap, m.topic) ? c.kafkaSourceMap[m.topic] : undefined);
      rejected.push({ message: m, reason: x.reason, headers: { [CODE_HEADER]: x.code, ...(src ? { [SOURCE_HEADER]: src } : {}) } });
    });
    return E.right({ rejected });
  };

  const start = () =>
    withBackoff(
      'starting the Kafka consumer',
      log,
      async () => {
        if (abort.signal.aborted) return null;
        const r = await startBatchConsumer({
          kafka,
          log: o.log,
          groupId: c.kafkaGroup,
          topics: c.kafkaTopics,
          dlqTopic: (t) => c.kafkaDlqTopic ?? dlqTopicOf(t),
          maxChunk: c.kafkaMaxBatch,
          sessionTimeoutMs: c.kafkaSessionTimeoutMs,
          maxWaitTimeMs: c.kafkaMaxWaitMs,
          handle,
          onState: (s) => {
            if (s !== 'joined') return;
            everJoined = true;
            for (const w of joinWaiters) w();
            joinWaiters.clear();
          },
          beforeCommit:
            pause > 0
              ? async (info) => {
                  log.warn({ ...info, ms: pause }, 'test hook: appended, pausing before the offset commit');
                  await new Promise((r) => setTimeout(r, pause));
                }
              : undefined,
        });
        if (E.isLeft(r)) throw new Error(r.left.message);
        return r.right;
      },
      { signal: abort.signal, maxMs: 30_000 },
    ).catch(() => null); // only when stopped while retrying

  void (async () => {
    let delay = 1000;
    while (!abort.signal.aborted) {
      const cons = await start();
      if (!cons) break;
      if (abort.signal.aborted) {
        await cons.stop(); // stopped while it was starting
        break;
      }
      consumer = cons;
      phase = 'running';
      log.info({ brokers: c.kafkaBrokers, topics: c.kafkaTopics, group: c.kafkaGroup }, 'Kafka consumer started');
      const done = await cons.done;
      if (abort.signal.aborted || E.isRight(done)) break;
      if (!done.left.retriable) {
        phase = 'failed';
        log.error({ err: done.left.message }, 'the Kafka consumer stopped for good; HTTP ingest goes on');
        return;
      }
      phase = 'restarting';
      log.warn({ err: done.left.message, retryInMs: delay }, 'the Kafka consumer crashed; starting a new one');
      await new Promise<void>((r) => {
        const t = setTimeout(r, delay);
        abort.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
      });
      delay = Math.min(delay * 2, 30_000);
    }
    phase = 'stopped';
  })();

  const state = (): KafkaIngestState => {
    if (phase === 'running') return consumer ? consumer.state() : 'connecting';
    return phase;
  };
  return {
    state,
    problem() {
      const s = state();
      if (s === 'failed') return 'the Kafka consumer stopped for good (see the log)';
      if (s === 'stopping' || s === 'stopped') return 'the Kafka consumer is stopping';
      return everJoined ? null : `the Kafka consumer is ${s === 'connecting' ? 'connecting to the brokers' : 'joining its group'}`;
    },
    whenJoined(timeoutMs) {
      if (state() === 'joined') return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const settle = () => {
          clearTimeout(timer);
          joinWaiters.delete(settle);
          resolve(state() === 'joined');
        };
        const timer = setTimeout(settle, timeoutMs);
        joinWaiters.add(settle);
      });
    },
    async stop() {
      abort.abort();
      await consumer?.stop();
    },
  };
}

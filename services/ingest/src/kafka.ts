import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { DISTRICT_STREAM, type Envelope } from '@dvk/contracts';
import { KEPT_BYTES, type Frame, type SourceRecord } from '@dvk/ingestion';
import {
  dlqTopicOf,
  errorMessage,
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

export interface KafkaIngest {
  state(): ConsumerState | 'connecting';
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
    const mapped = o.sourceMap[m.topic];
    const header = m.headers[SOURCE_HEADER];
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
 * Starts the consumer in the background (retrying while the brokers are unreachable); returns at
 * once. `stop()` lets the chunk in progress finish and commit, then leaves the group.
 */
export function startKafkaIngest(o: KafkaIngestOptions): KafkaIngest {
  const c = o.config;
  const log = o.log.child({ component: 'kafka-ingest' });
  const kafka = makeKafka({ brokers: c.kafkaBrokers, clientId: c.kafkaClientId }, o.log);
  const abort = new AbortController();
  let consumer: BatchConsumer | null = null;
  const pause = c.testPauseBeforeCommitMs;
  if (pause > 0) log.warn({ ms: pause }, 'test hook on: pausing between each append and its offset commit');

  const starting = withBackoff(
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
        handle: async (messages) => {
          const r = await o.ingestor.ingest('kafka', kafkaCandidates(messages, { ingestor: o.ingestor, sourceMap: c.kafkaSourceMap, maxBytes: c.maxLineBytes }));
          if (E.isLeft(r)) return E.left({ retriable: r.left.retriable, message: r.left.message });
          const rejected: Rejection[] = [];
          r.right.forEach((x, i) => {
            if (x.status !== 'rejected') return;
            const m = messages[i]!;
            const src = m.headers[SOURCE_HEADER] ?? c.kafkaSourceMap[m.topic];
            rejected.push({ message: m, reason: x.reason, headers: { [CODE_HEADER]: x.code, ...(src ? { [SOURCE_HEADER]: src } : {}) } });
          });
          return E.right({ rejected });
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
  ).then(
    (cons) => {
      if (cons && abort.signal.aborted) {
        void cons.stop(); // stopped while it was starting
        return null;
      }
      consumer = cons;
      if (cons) {
        log.info({ brokers: c.kafkaBrokers, topics: c.kafkaTopics, group: c.kafkaGroup }, 'Kafka consumer started');
        void cons.done.then((d) => {
          if (E.isLeft(d)) log.error({ err: d.left.message }, 'the Kafka consumer stopped for good; HTTP ingest goes on');
        });
      }
      return cons;
    },
    (err: unknown) => {
      log.info({ err: errorMessage(err) }, 'Kafka consumer not started');
      return null;
    },
  );

  let everJoined = false;
  const state = () => (consumer ? consumer.state() : abort.signal.aborted ? 'stopped' : 'connecting');
  return {
    state,
    problem() {
      const s = state();
      if (s === 'joined') everJoined = true;
      if (s === 'failed') return 'the Kafka consumer stopped for good (see the log)';
      if (s === 'stopping' || s === 'stopped') return 'the Kafka consumer is stopping';
      return everJoined ? null : `the Kafka consumer is ${s === 'connecting' ? 'connecting to the brokers' : 'joining its group'}`;
    },
    async whenJoined(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const cons = await Promise.race([starting, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
      return cons ? cons.whenJoined(Math.max(0, deadline - Date.now())) : false;
    },
    async stop() {
      abort.abort();
      await consumer?.stop();
    },
  };
}

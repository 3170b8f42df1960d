import * as E from 'fp-ts/lib/Either.js';
import { z } from 'zod';
import { ConfigError, envInt, envList, loadConfig } from '@dvk/service-kit';
import { SOURCE_NAME_RE } from '@dvk/ingestion';

/**
 * The ingest service's settings: environment variables, over an optional JSON file named by
 * `DVK_CONFIG` (its keys are the schema's keys). Validated once at start-up; a bad setting stops
 * the service with the variable and the reason.
 */

const TOPIC_RE = /^[A-Za-z0-9._-]{1,249}$/;
const topic = z.string().regex(TOPIC_RE, { error: 'must be a Kafka topic name (letters, digits, ".", "_", "-")' });

/** `topic=source` pairs, comma-separated (or, in the JSON file, an object). */
const sourceMap = z
  .union([z.string(), z.record(z.string(), z.string())])
  .transform((v, ctx): Record<string, string> => {
    const pairs: [string, string][] = [];
    if (typeof v === 'string') {
      for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
        const eq = part.indexOf('=');
        if (eq <= 0 || eq === part.length - 1) {
          ctx.addIssue({ code: 'custom', message: `"${part}" is not a topic=source pair` });
          return z.NEVER;
        }
        pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
      }
    } else pairs.push(...Object.entries(v));
    const out: Record<string, string> = {};
    for (const [t, s] of pairs) {
      if (!TOPIC_RE.test(t)) ctx.addIssue({ code: 'custom', message: `"${t}" is not a Kafka topic name` });
      else if (!SOURCE_NAME_RE.test(s)) ctx.addIssue({ code: 'custom', message: `"${s}" is not a source name` });
      else if (out[t] !== undefined && out[t] !== s) ctx.addIssue({ code: 'custom', message: `topic ${t} is mapped to two sources` });
      else out[t] = s;
    }
    return out;
  })
  .default({});

export const IngestConfig = z
  .object({
    db: z.string().min(1).default('./data/dvk.sqlite'),
    host: z.string().min(1).default('127.0.0.1'),
    port: envInt(8081, 0, 65_535),
    /** Events per HTTP batch; more is answered 413. */
    maxBatchEvents: envInt(10_000, 1, 100_000),
    /** Bytes per HTTP body; more is answered 413. 16 MiB holds 10,000 envelopes of 1.6 KiB. */
    maxBodyBytes: envInt(16 << 20, 1024, 1 << 30),
    /** Bytes per NDJSON line / Kafka message value. */
    maxLineBytes: envInt(1 << 20, 256, 16 << 20),
    /** Requests per minute per client address (0: no limit). */
    rateLimitPerMinute: envInt(0, 0, 1_000_000),
    /** How long a request may take to arrive (headers and body); a slower client gets 408 and is disconnected. */
    requestTimeoutMs: envInt(120_000, 100, 3_600_000),
    /** Keep the read model (and so the unit index the scope checks use) up to date after batches. */
    projection: z.enum(['follow', 'off'], { error: 'must be follow or off' }).default('follow'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'must be a pino level' }).default('info'),

    /** Bootstrap servers; empty: no Kafka consumer (the embedded default). */
    kafkaBrokers: envList()
      .pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, { error: 'must be host:port' })))
      .default([]),
    kafkaClientId: z.string().min(1).default('dvk-ingest'),
    kafkaGroup: z.string().min(1).default('dvk-ingest'),
    kafkaTopics: envList().pipe(z.array(topic).min(1, { error: 'must name at least one topic' })).default(['dvk.evaluation-events']),
    /** One dead-letter topic for every topic; default `<topic>.dlq` for each. */
    kafkaDlqTopic: topic.optional(),
    kafkaSourceMap: sourceMap,
    kafkaSessionTimeoutMs: envInt(30_000, 1000, 600_000),
    kafkaMaxWaitMs: envInt(1000, 10, 60_000),
    /** Messages per append transaction (and per offset commit). */
    kafkaMaxBatch: envInt(1000, 1, 100_000),

    /** Test hook: sleep this long between a Kafka batch's append and its offset commit. */
    testPauseBeforeCommitMs: envInt(0, 0, 600_000),
  })
  .superRefine((c, ctx) => {
    for (const t of Object.keys(c.kafkaSourceMap))
      if (!c.kafkaTopics.includes(t))
        ctx.addIssue({ code: 'custom', path: ['kafkaSourceMap'], message: `topic ${t} is mapped but not consumed (DVK_KAFKA_TOPIC is ${c.kafkaTopics.join(',')})` });
  });
export type IngestConfig = z.output<typeof IngestConfig>;

export const INGEST_ENV = {
  db: 'DVK_DB',
  host: 'DVK_INGEST_HOST',
  port: 'DVK_INGEST_PORT',
  maxBatchEvents: 'DVK_MAX_BATCH_EVENTS',
  maxBodyBytes: 'DVK_MAX_BODY_BYTES',
  maxLineBytes: 'DVK_MAX_LINE_BYTES',
  rateLimitPerMinute: 'DVK_RATE_LIMIT_PER_MINUTE',
  requestTimeoutMs: 'DVK_REQUEST_TIMEOUT_MS',
  projection: 'DVK_INGEST_PROJECTION',
  logLevel: 'DVK_LOG_LEVEL',
  kafkaBrokers: 'DVK_KAFKA_BROKERS',
  kafkaClientId: 'DVK_KAFKA_CLIENT_ID',
  kafkaGroup: 'DVK_KAFKA_GROUP',
  kafkaTopics: 'DVK_KAFKA_TOPIC',
  kafkaDlqTopic: 'DVK_KAFKA_DLQ_TOPIC',
  kafkaSourceMap: 'DVK_KAFKA_SOURCE_MAP',
  kafkaSessionTimeoutMs: 'DVK_KAFKA_SESSION_TIMEOUT_MS',
  kafkaMaxWaitMs: 'DVK_KAFKA_MAX_WAIT_MS',
  kafkaMaxBatch: 'DVK_KAFKA_MAX_BATCH',
  testPauseBeforeCommitMs: 'DVK_TEST_PAUSE_BEFORE_COMMIT_MS',
} as const satisfies Record<keyof z.input<typeof IngestConfig>, string>;

/** Reads and validates the configuration; Left with every problem, naming the variables. */
export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): E.Either<ConfigError, IngestConfig> {
  try {
    return E.right(loadConfig(IngestConfig, INGEST_ENV, env));
  } catch (err) {
    if (err instanceof ConfigError) return E.left(err);
    throw err;
  }
}

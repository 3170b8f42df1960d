import type { OutboundMessage } from './producer.js';

/**
 * The dead-letter format: the original bytes as the value, the original key as the key, and the
 * why and where in headers. A DLQ reader can reprocess a message (fix, then produce the value
 * again) and deduplicate by (source topic, partition, offset): after a crash between the DLQ
 * produce and the offset commit a dead letter may be produced twice (at least once).
 */
export const DLQ_HEADERS = {
  reason: 'dvk-reason',
  sourceTopic: 'dvk-source-topic',
  sourcePartition: 'dvk-source-partition',
  sourceOffset: 'dvk-source-offset',
  originalKey: 'dvk-original-key',
} as const;

/** `<topic>.dlq`: where the invalid messages of a topic go unless configured otherwise. */
export const dlqTopicOf = (topic: string): string => `${topic}.dlq`;

/** Header values must be short: a reason longer than this is cut (the full one is in the store). */
export const MAX_REASON_BYTES = 4096;

export interface InboundMessage {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit: kept as the decimal string kafkajs gives. */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers decoded as UTF-8 (the first value of a repeated header). */
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/** A message the handler refused, and why. */
export interface Rejection {
  readonly message: InboundMessage;
  readonly reason: string;
  /** Extra headers for the dead letter (e.g. `dvk-source`, `dvk-code`). */
  readonly headers?: Readonly<Record<string, string>>;
}

function cut(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = s.slice(0, max);
  while (Buffer.byteLength(out, 'utf8') > max - 3) out = out.slice(0, -1);
  return out + '…';
}

/** The dead-letter record of a rejected message. */
export function deadLetterRecord(r: Rejection): OutboundMessage {
  const m = r.message;
  return {
    key: m.key,
    value: m.value,
    headers: {
      ...r.headers,
      [DLQ_HEADERS.reason]: cut(r.reason, MAX_REASON_BYTES),
      [DLQ_HEADERS.sourceTopic]: m.topic,
      [DLQ_HEADERS.sourcePartition]: String(m.partition),
      [DLQ_HEADERS.sourceOffset]: m.offset,
      // A null key is sent as an absent header (an empty one would be the empty key).
      ...(m.key === null ? {} : { [DLQ_HEADERS.originalKey]: m.key }),
    },
  };
}

export interface DeadLetterInfo {
  readonly reason: string;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: string;
  readonly originalKey: string | null;
}

/** Reads the dvk headers of a DLQ message; null when it is not a dvk dead letter. */
export function readDeadLetterHeaders(headers: Readonly<Record<string, string>>): DeadLetterInfo | null {
  const reason = headers[DLQ_HEADERS.reason];
  const topic = headers[DLQ_HEADERS.sourceTopic];
  const partition = headers[DLQ_HEADERS.sourcePartition];
  const offset = headers[DLQ_HEADERS.sourceOffset];
  if (reason === undefined || topic === undefined || partition === undefined || offset === undefined) return null;
  return { reason, sourceTopic: topic, sourcePartition: Number(partition), sourceOffset: offset, originalKey: headers[DLQ_HEADERS.originalKey] ?? null };
}

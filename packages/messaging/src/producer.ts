import * as E from 'fp-ts/lib/Either.js';
import { Partitioners, type Kafka, type Producer as KafkaProducer } from 'kafkajs';
import type { Logger } from 'pino';
import { errorMessage, kafkaUnavailable, type KafkaUnavailable } from './errors.js';

/** One record to produce. Keys choose the partition (dvk keys by unitId, or year/list for rankings). */
export interface OutboundMessage {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

/**
 * A plain producer: acks from all in-sync replicas, topics created on first use, not idempotent
 * (kafkajs' idempotent producer cannot find the controller of the test mock cluster; dvk's
 * consumers are idempotent by event id instead). Used for the dead-letter topic and, later, to
 * publish rankings to `dvk.rankings`.
 */
export interface Producer {
  /** Sends the messages to one topic; Right once every broker acknowledged them. */
  send(topic: string, messages: readonly OutboundMessage[]): Promise<E.Either<KafkaUnavailable, void>>;
  close(): Promise<void>;
}

export async function openProducer(kafka: Kafka, log: Logger): Promise<E.Either<KafkaUnavailable, Producer>> {
  const plog = log.child({ component: 'kafka-producer' });
  const p: KafkaProducer = kafka.producer({
    allowAutoTopicCreation: true,
    idempotent: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  try {
    await p.connect();
  } catch (err) {
    return E.left(kafkaUnavailable(`cannot connect the Kafka producer: ${errorMessage(err)}`, err));
  }
  let closed = false;
  return E.right({
    async send(topic, messages) {
      if (messages.length === 0) return E.right(undefined);
      try {
        await p.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ? { ...m.headers } : undefined })),
        });
        return E.right(undefined);
      } catch (err) {
        plog.warn({ topic, messages: messages.length, err: errorMessage(err) }, 'produce failed');
        return E.left(kafkaUnavailable(`cannot produce to ${topic}: ${errorMessage(err)}`, err));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await p.disconnect().catch((err: unknown) => plog.warn({ err: errorMessage(err) }, 'producer disconnect failed'));
    },
  });
}

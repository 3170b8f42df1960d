import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { makeKafka, openProducer } from '@dvk/messaging';
import type { Producer } from './publisher.js';

/**
 * The rankings producer on Kafka (topic `dvk.rankings`, key `<year>/<list>`): the publisher's
 * narrow Producer over @dvk/messaging. Connecting is retried by the caller; a failed send leaves
 * the version in the outbox, delivered on the next round.
 */
export async function kafkaRankingsProducer(brokers: readonly string[], log: Logger): Promise<E.Either<string, Producer & { close(): Promise<void> }>> {
  const p = await openProducer(makeKafka({ brokers, clientId: 'dvk-ranking' }, log), log);
  if (E.isLeft(p)) return E.left(p.left.message);
  const producer = p.right;
  return E.right({
    async send(topic, messages) {
      const r = await producer.send(topic, messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })));
      if (E.isLeft(r)) throw new Error(r.left.message);
    },
    close: () => producer.close(),
  });
}

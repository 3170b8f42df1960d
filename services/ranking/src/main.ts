import * as E from 'fp-ts/lib/Either.js';
import { z } from 'zod';
import { checkStoreConfig, connectStore, storeConfigShape, STORE_ENV, toStoreConfig } from '@dvk/store-config';
import { rulebooksInForce } from '@dvk/projections';
import { ConfigError, createServiceApp, envInt, envList, loadConfig, makeServiceLogger, onShutdown, withBackoff } from '@dvk/service-kit';
import { RANKINGS_TOPIC, kafkaRankingsProducer, startRanking, type RankingService } from './index.js';

/**
 * The ranking service as a process of its own: watches the read model the scoring service
 * writes (shared file), publishes each changed ranking as a new version to `rm_published` and,
 * when DVK_KAFKA_BROKERS is set, to Kafka (DVK_RANKINGS_TOPIC, default dvk.rankings).
 */
const Config = z
  .object({
    ...storeConfigShape,
    host: z.string().default('127.0.0.1'),
    port: envInt(8083, 0, 65535),
    kafkaBrokers: envList().default([]),
    topic: z.string().min(1).default(RANKINGS_TOPIC),
    pollMs: envInt(500, 50, 60_000),
  })
  .superRefine(checkStoreConfig);

const log = makeServiceLogger('ranking');
try {
  const cfg = loadConfig(Config, { ...STORE_ENV, host: 'DVK_RANKING_HOST', port: 'DVK_RANKING_PORT', kafkaBrokers: 'DVK_KAFKA_BROKERS', topic: 'DVK_RANKINGS_TOPIC', pollMs: 'DVK_RANKING_POLL_MS' });
  const conn = connectStore(toStoreConfig(cfg), log);
  const svc = await createServiceApp({ name: 'ranking', log });
  svc.addReadyCheck(conn.readyCheck);
  let ranking: RankingService | null = null;
  let kafkaProblem: string | null = cfg.kafkaBrokers.length ? 'connecting to Kafka' : null;
  svc.addReadyCheck({ name: 'kafka', check: () => kafkaProblem });
  svc.addReadyCheck({ name: 'publisher', check: () => (ranking ? ranking.ready() : 'waiting for the store') });
  const url = await svc.app.listen({ host: cfg.host, port: cfg.port });
  log.info({ url }, 'ranking service listening');
  const store = await conn.ready;
  let producer = null;
  if (cfg.kafkaBrokers.length === 0) log.info('no Kafka brokers configured (DVK_KAFKA_BROKERS is empty): rankings go to the read model only');
  else {
    producer = await withBackoff('connect the rankings producer', log, async () => {
      const p = await kafkaRankingsProducer(cfg.kafkaBrokers, log);
      if (E.isLeft(p)) {
        kafkaProblem = p.left;
        throw new Error(p.left);
      }
      kafkaProblem = null;
      return p.right;
    });
  }
  ranking = await startRanking({ db: store.readModel, store: store.store, rulebooks: rulebooksInForce(store.readModel), log, producer, topic: cfg.topic, metrics: svc.metrics, pollMs: cfg.pollMs });
  onShutdown(log, [() => svc.app.close(), () => ranking?.stop(), () => producer?.close(), () => store.close()]);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`dvk ranking: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

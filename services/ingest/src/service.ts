import type { Logger } from 'pino';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { sqliteIngestStore, type IngestStore } from './store.js';
import { ScoringProjection } from '@dvk/projections';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { createServiceApp, type ServiceApp } from '@dvk/service-kit';
import type { IngestConfig } from './config.js';
import { ingestRoutes } from './http.js';
import { adminRoutes } from './admin-routes.js';
import { AdminRegistry } from '@dvk/ingestion';
import { Ingestor } from './ingestor.js';
import { startKafkaIngest, type KafkaIngest } from './kafka.js';
import { ingestMetrics } from './metrics.js';

/**
 * Wiring: the store, the ingestor, the HTTP routes, the Kafka consumer (when brokers are
 * configured). Standalone (`main.ts`) it opens its own store and app and listens; inside
 * `pnpm start` the host passes its store and app, and listens itself.
 */
export interface StartIngestOptions {
  config: IngestConfig;
  /** The process's one logger; ingest logs as its children. */
  log: Logger;
  /** The host's store (one process, one connection); otherwise `config.db` is opened (and closed by `close`). */
  store?: IngestStore;
  /**
   * The host's service app: the routes, metrics and ready checks are added to it and the host
   * listens (register before it does). Otherwise ingest makes its own and listens on
   * `config.host:config.port`.
   */
  app?: ServiceApp;
  /**
   * The projection ingest keeps up to date after its batches (so the unit index its scope checks
   * read follows): by default its own when `config.projection` is `follow`. Pass null when another
   * component of the process follows the log (the scoring service), so that two projections do
   * not write the same read model from one connection.
   */
  projection?: ScoringProjection | null;
}

export interface IngestService {
  readonly app: ServiceApp;
  /** `http://host:port` when ingest listens itself. */
  readonly url: string | null;
  readonly ingestor: Ingestor;
  /** Null when no brokers are configured. */
  readonly kafka: KafkaIngest | null;
  readonly store: IngestStore;
  /** Stops HTTP (in-flight requests finish), the Kafka consumer (the batch finishes and commits), then closes what it opened. */
  close(): Promise<void>;
}

export async function startIngest(o: StartIngestOptions): Promise<IngestService> {
  const c = o.config;
  const log = o.log.child({ component: 'ingest' });
  const ownStore = !o.store;
  const store = o.store ?? sqliteIngestStore(openSqliteEventStore({ path: c.db }));
  const ownApp = !o.app;
  const svc =
    o.app ??
    (await createServiceApp({
      name: 'ingest',
      log: o.log,
      rateLimitPerMinute: c.rateLimitPerMinute || undefined,
      bodyLimit: c.maxBodyBytes,
      requestTimeoutMs: c.requestTimeoutMs,
    }));
  const projection =
    o.projection !== undefined ? o.projection : c.projection === 'follow' ? new ScoringProjection({ db: store.db, rulebooks: rulebookSet([defaultRulebook()]), log: o.log }) : null;
  const metrics = ingestMetrics(svc.metrics);
  const ingestor = new Ingestor({ store, log: o.log, metrics, projection });

  await svc.app.register(ingestRoutes, { ingestor, metrics, maxBatchEvents: c.maxBatchEvents, maxBodyBytes: c.maxBodyBytes, maxLineBytes: c.maxLineBytes });
  await svc.app.register(adminRoutes, { admins: new AdminRegistry(store.db), sources: ingestor.sources });
  svc.addReadyCheck({
    name: 'store',
    check: () => {
      try {
        store.db.prepare('SELECT 1').get();
        return null;
      } catch (err) {
        return `the store cannot be read: ${(err as Error).message}`;
      }
    },
  });

  let kafka: KafkaIngest | null = null;
  if (c.kafkaBrokers.length === 0) {
    log.info('no Kafka brokers configured (DVK_KAFKA_BROKERS is empty): the Kafka consumer is not started; ingest takes HTTP only');
  } else {
    kafka = startKafkaIngest({ config: c, ingestor, log: o.log });
    const k = kafka;
    svc.addReadyCheck({ name: 'kafka', check: () => k.problem() });
  }

  // Bring the read model up to date before the first batch (scope checks read its unit index).
  if (projection) await ingestor.syncReadModel();

  let url: string | null = null;
  if (ownApp) {
    url = await svc.app.listen({ host: c.host, port: c.port });
    log.info({ url }, 'ingest listening');
  }

  let closing: Promise<void> | null = null;
  return {
    app: svc,
    url,
    ingestor,
    kafka,
    store,
    close: () =>
      (closing ??= (async () => {
        if (ownApp) await svc.app.close();
        await kafka?.stop();
        await ingestor.drain();
        if (ownStore) await store.close();
        log.info('ingest stopped');
      })()),
  };
}

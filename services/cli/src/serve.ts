import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { DASHBOARD_CSP, apiRoutes } from '@dvk/svc-api';
import { loadIngestConfig, startIngest, type IngestService } from '@dvk/svc-ingest';
import { kafkaRankingsProducer, startRanking, type RankingService } from '@dvk/svc-ranking';
import { startScoring, type ScoringService } from '@dvk/svc-scoring';
import { createServiceApp, envInt, loadConfig, onShutdown } from '@dvk/service-kit';
import { z } from 'zod';
import { exportsRoute, rollFromState, sheetsRoute } from '@dvk/documents';
import { SourceRegistry, readModelUnitLookup } from '@dvk/ingestion';
import type { App } from './app.js';

/**
 * The embedded default, all services in one process on one port (DESIGN.md): the dashboard and
 * read API at `/`, the ingest API at `/v1/events`, the scoring service following the log, the
 * ranking service publishing after every commit (to Kafka too when DVK_KAFKA_BROKERS is set).
 */
const ServeConfig = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: envInt(8080, 0, 65_535),
  readToken: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  rateLimitPerMinute: envInt(0, 0, 1_000_000),
});

export interface Served {
  url: string;
  scoring: ScoringService;
  ranking: RankingService;
  ingest: IngestService;
  stop(): Promise<void>;
}

export async function serve(app: App, log: Logger, o: { port?: number; host?: string } = {}): Promise<Served> {
  const cfg = loadConfig(ServeConfig, { host: 'DVK_HOST', port: 'DVK_PORT', readToken: 'DVK_API_READ_TOKEN', rateLimitPerMinute: 'DVK_RATE_LIMIT_PER_MINUTE' });
  const ic = loadIngestConfig();
  if (E.isLeft(ic)) throw ic.left;
  const ingestConfig = ic.right;
  const svc = await createServiceApp({
    name: 'dvk',
    log,
    csp: DASHBOARD_CSP,
    bodyLimit: ingestConfig.maxBodyBytes,
    requestTimeoutMs: ingestConfig.requestTimeoutMs,
    rateLimitPerMinute: cfg.rateLimitPerMinute || undefined,
  });
  const exports = exportsRoute({
    data: async (year) => {
      const report = app.queries.report(year);
      const row = app.queries.years().find((y) => y.year === year);
      return report && row ? { report, rulebook: app.rulebooks.forYear(year), reportDigest: row.reportDigest } : null;
    },
  });
  await svc.app.register(apiRoutes, { queries: app.queries, store: app.store, log, readToken: cfg.readToken ?? null, dashboard: true, serviceEndpoints: true, extraRoutes: [exports] });
  // One writer of the read model in this process: the scoring service (ingest does not follow it).
  const ingest = await startIngest({ config: ingestConfig, log, store: app.store, app: svc, projection: null });

  let ranking: RankingService | null = null;
  const scoring = await startScoring({
    store: app.store,
    db: app.store.db,
    rulebooks: app.rulebooks,
    log,
    metrics: svc.metrics,
    onCommit: (c) => {
      if (!c.conflict) void ranking?.trigger();
    },
  });
  svc.addReadyCheck({ name: 'scoring', check: () => scoring.ready() });
  // Scoresheets over HTTP, authorised like events.
  await svc.app.register(
    sheetsRoute({
      store: app.store,
      sources: new SourceRegistry(app.store.db),
      scopeLookup: readModelUnitLookup(app.store.db),
      roll: (y) => rollFromState(scoring.projection.current, y, app.rulebooks.forYear(y)),
      rulebookFor: (y) => app.rulebooks.forYear(y),
    }),
  );

  let producer: Awaited<ReturnType<typeof kafkaRankingsProducer>> extends E.Either<string, infer P> ? P | null : never = null;
  if (ingestConfig.kafkaBrokers.length) {
    const p = await kafkaRankingsProducer(ingestConfig.kafkaBrokers, log);
    if (E.isLeft(p)) log.warn({ err: p.left }, 'the rankings producer could not connect; rankings stay in the read model until it does');
    else producer = p.right;
  }
  ranking = await startRanking({ db: app.store.db, store: app.store, rulebooks: app.rulebooks, log, producer, metrics: svc.metrics });
  svc.addReadyCheck({ name: 'ranking', check: () => ranking!.ready() });

  const url = await svc.app.listen({ host: o.host ?? cfg.host, port: o.port ?? cfg.port });
  const stop = onShutdown(log, [() => svc.app.close(), () => ingest.close(), () => scoring.stop(), () => ranking!.stop(), () => producer?.close(), () => app.close()]);
  return { url, scoring, ranking, ingest, stop };
}

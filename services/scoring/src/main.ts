import { z } from 'zod';
import { checkStoreConfig, connectStore, storeConfigShape, STORE_ENV, toStoreConfig } from '@dvk/store-config';
import { rulebooksInForce } from '@dvk/projections';
import { ConfigError, createServiceApp, envInt, loadConfig, makeServiceLogger, onShutdown } from '@dvk/service-kit';
import { startScoring, type ScoringService } from './index.js';

/**
 * The scoring service as a process of its own (distributed mode, infra/compose.yaml): follows the
 * configured event store (DVK_STORE=sqlite|esdb) and keeps the read model (DVK_DB with sqlite,
 * DVK_READ_MODEL with esdb) with its checkpoint. Serves /healthz, /readyz, /metrics.
 */
const Config = z
  .object({ ...storeConfigShape, host: z.string().default('127.0.0.1'), port: envInt(8082, 0, 65535) })
  .superRefine(checkStoreConfig);

const log = makeServiceLogger('scoring');
try {
  const cfg = loadConfig(Config, { ...STORE_ENV, host: 'DVK_SCORING_HOST', port: 'DVK_SCORING_PORT' });
  const storeConfig = toStoreConfig(cfg);
  const conn = connectStore(storeConfig, log);
  const svc = await createServiceApp({ name: 'scoring', log });
  svc.addReadyCheck(conn.readyCheck);
  let scoring: ScoringService | null = null;
  svc.addReadyCheck({ name: 'projection', check: () => (scoring ? scoring.ready() : 'waiting for the store') });
  const url = await svc.app.listen({ host: cfg.host, port: cfg.port });
  log.info({ url }, 'scoring service listening');
  const store = await conn.ready;
  scoring = await startScoring({ store: store.store, db: store.readModel, rulebooks: rulebooksInForce(store.readModel), log, metrics: svc.metrics });
  onShutdown(log, [() => svc.app.close(), () => scoring?.stop(), () => store.close()]);
} catch (err) {
  if (err instanceof ConfigError) {
    log.fatal(err.message);
    process.stderr.write(`dvk scoring: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

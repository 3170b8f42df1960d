import { existsSync } from 'node:fs';
import { connectStore } from '@dvk/store-config';
import { readModelQueries } from '@dvk/projections';
import { ConfigError, makeServiceLogger, onShutdown } from '@dvk/service-kit';
import { loadApiConfig, type ApiConfig } from './config.js';
import { buildApi } from './index.js';

/**
 * The standalone read API + dashboard over the embedded store: `pnpm --filter @dvk/svc-api start`
 * (configuration in config.ts). It only reads: the connection is switched to `query_only` once the
 * read-model tables are known to exist; the CLI or the scoring service keeps the read model up to
 * date in the same SQLite file (WAL lets both work at once).
 */
async function main(): Promise<void> {
  let config: ApiConfig;
  try {
    config = loadApiConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = makeServiceLogger('api');
  if (!existsSync(config.db)) {
    process.stderr.write(
      config.storeConfig.store === 'sqlite'
        ? `no database at ${config.db}: create it with \`pnpm start\` or \`pnpm dvk --db ${config.db} import <file>\`, or set DVK_DB\n`
        : `no read model at ${config.db} yet (DVK_READ_MODEL): start the scoring service first\n`,
    );
    process.exit(1);
  }
  // sqlite: one file for the log and the read model. esdb: the read model the scoring service
  // writes (shared volume), and EventStoreDB for the events behind each figure.
  const connected = await connectStore(config.storeConfig, log).ready;
  const store = connected.store;
  const queries = readModelQueries(connected.readModel);
  connected.readModel.pragma('query_only = ON');
  const app = await buildApi({ queries, store, log, readToken: config.readToken ?? null, rateLimitPerMinute: config.rateLimitPerMinute });
  onShutdown(log, [() => app.close(), () => connected.close()]);
  const address = await app.listen({ host: config.host, port: config.port });
  log.info({ address, db: config.db, token: config.readToken ? 'required' : 'off' }, 'api listening');
  process.stdout.write(`dvk api listening on ${address}\n  dashboard: ${address}/\n  OpenAPI:   ${address}/openapi.json\n  store:     ${config.db}${config.readToken ? '\n  /v1 needs Authorization: Bearer <DVK_API_READ_TOKEN>' : ''}\n`);
}

await main();

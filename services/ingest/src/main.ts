import { resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { makeServiceLogger, onShutdown } from '@dvk/service-kit';
import { loadIngestConfig } from './config.js';
import { startIngest } from './service.js';
import { splitIngestStore, type IngestStore } from './store.js';
import { connectStore, loadStoreConfig } from '@dvk/store-config';

/** The ingest service on its own: `pnpm --filter @dvk/svc-ingest start`. */
const config = loadIngestConfig();
if (E.isLeft(config)) {
  process.stderr.write(`dvk ingest: ${config.left.message}\n`);
  process.exit(2);
}
const log = makeServiceLogger('ingest', config.right.logLevel);
// A relative DVK_DB is taken from where the command was typed (pnpm runs scripts in the package
// directory and says where it was invoked in INIT_CWD), like the dvk CLI.
const db = resolve(process.env.INIT_CWD ?? process.cwd(), config.right.db);
try {
  // DVK_STORE=esdb: events to EventStoreDB; sources, the unit index and dead letters in the local
  // file DVK_READ_MODEL. Otherwise the embedded SQLite store (DVK_DB).
  const storeConfig = (process.env.DVK_STORE ?? 'sqlite') === 'esdb' ? loadStoreConfig() : null;
  let store: IngestStore | undefined;
  if (storeConfig) {
    const c = await connectStore(storeConfig, log).ready;
    store = splitIngestStore(c.store, { db: c.readModel, deadLetters: c.deadLetters, close: () => c.close() });
  }
  const svc = await startIngest({ config: { ...config.right, db }, log, store });
  onShutdown(log, [() => svc.close(), () => store?.close()]);
} catch (err) {
  log.fatal({ err }, 'ingest could not start');
  process.exit(1);
}

import { resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { makeServiceLogger, onShutdown } from '@dvk/service-kit';
import { loadIngestConfig } from './config.js';
import { startIngest } from './service.js';

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
  const svc = await startIngest({ config: { ...config.right, db }, log });
  onShutdown(log, [() => svc.close()]);
} catch (err) {
  log.fatal({ err }, 'ingest could not start');
  process.exit(1);
}

import { z } from 'zod';
import { envInt, loadConfig } from '@dvk/service-kit';
import { STORE_ENV, checkStoreConfig, storeConfigShape, toStoreConfig, type StoreConfig } from '@dvk/store-config';

/**
 * The API's configuration: environment variables (or the JSON file named by `DVK_CONFIG`),
 * validated at start-up; a bad value stops the service with the variable and the reason.
 *
 * | variable | default | |
 * |---|---|---|
 * | `DVK_STORE` | `sqlite` | `sqlite`: the embedded store; `esdb`: EventStoreDB for the events behind each figure, the read model in `DVK_READ_MODEL` |
 * | `DVK_DB` | `./data/dvk.sqlite` | sqlite: the embedded store (event log + read model), relative to where pnpm was started |
 * | `DVK_ESDB_URL`, `DVK_READ_MODEL` | — | esdb: the EventStoreDB connection string, the read model file the scoring service writes |
 * | `DVK_API_HOST` | `127.0.0.1` | |
 * | `DVK_API_PORT` | `8080` | 0: any free port |
 * | `DVK_API_READ_TOKEN` | — | when set, every `/v1` endpoint needs `Authorization: Bearer <token>` (at least 16 characters) |
 * | `DVK_RATE_LIMIT_PER_MINUTE` | `1200` | requests per minute per client address; 0 turns the limit off |
 */
export const ApiConfigSchema = z.object({
  ...storeConfigShape,
  host: z.string().min(1).default('127.0.0.1'),
  port: envInt(8080, 0, 65_535),
  readToken: z
    .string()
    .min(16, { error: 'must be at least 16 characters (use a long random token)' })
    .refine((s) => /^[\x21-\x7e]+$/.test(s), { error: 'must be printable ASCII without spaces' })
    .optional(),
  rateLimitPerMinute: envInt(1200, 0, 1_000_000),
}).superRefine(checkStoreConfig);
export type ApiConfig = Omit<z.output<typeof ApiConfigSchema>, 'db' | 'esdbUrl' | 'readModel'> & {
  /** The embedded store's file (sqlite), or the read model's (esdb). */
  db: string;
  storeConfig: StoreConfig;
};

export const API_ENV = {
  ...STORE_ENV,
  host: 'DVK_API_HOST',
  port: 'DVK_API_PORT',
  readToken: 'DVK_API_READ_TOKEN',
  rateLimitPerMinute: 'DVK_RATE_LIMIT_PER_MINUTE',
} as const;

/** Reads and validates the configuration; throws service-kit's ConfigError naming the variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const { db: _db, esdbUrl: _u, readModel: _r, ...c } = loadConfig(ApiConfigSchema, API_ENV, env);
  // `pnpm --filter @dvk/svc-api start` runs in services/api: a relative path means the caller's directory.
  const storeConfig = toStoreConfig(loadConfig(ApiConfigSchema, API_ENV, env), env);
  return { ...c, storeConfig, db: storeConfig.store === 'sqlite' ? storeConfig.sqlitePath : storeConfig.readModelPath };
}

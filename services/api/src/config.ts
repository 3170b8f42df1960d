import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { envInt, loadConfig } from '@dvk/service-kit';

/**
 * The API's configuration: environment variables (or the JSON file named by `DVK_CONFIG`),
 * validated at start-up; a bad value stops the service with the variable and the reason.
 *
 * | variable | default | |
 * |---|---|---|
 * | `DVK_DB` | `./data/dvk.sqlite` | the embedded store (event log + read model), relative to where pnpm was started |
 * | `DVK_API_HOST` | `127.0.0.1` | |
 * | `DVK_API_PORT` | `8080` | 0: any free port |
 * | `DVK_API_READ_TOKEN` | — | when set, every `/v1` endpoint needs `Authorization: Bearer <token>` (at least 16 characters) |
 * | `DVK_RATE_LIMIT_PER_MINUTE` | `1200` | requests per minute per client address; 0 turns the limit off |
 */
export const ApiConfigSchema = z.object({
  db: z.string().min(1).default('./data/dvk.sqlite'),
  host: z.string().min(1).default('127.0.0.1'),
  port: envInt(8080, 0, 65_535),
  readToken: z
    .string()
    .min(16, { error: 'must be at least 16 characters (use a long random token)' })
    .refine((s) => /^[\x21-\x7e]+$/.test(s), { error: 'must be printable ASCII without spaces' })
    .optional(),
  rateLimitPerMinute: envInt(1200, 0, 1_000_000),
});
export type ApiConfig = z.output<typeof ApiConfigSchema>;

export const API_ENV = {
  db: 'DVK_DB',
  host: 'DVK_API_HOST',
  port: 'DVK_API_PORT',
  readToken: 'DVK_API_READ_TOKEN',
  rateLimitPerMinute: 'DVK_RATE_LIMIT_PER_MINUTE',
} as const;

/** Reads and validates the configuration; throws service-kit's ConfigError naming the variable. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const c = loadConfig(ApiConfigSchema, API_ENV, env);
  // `pnpm --filter @dvk/svc-api start` runs in services/api: a relative path means the caller's directory.
  return { ...c, db: isAbsolute(c.db) ? c.db : resolve(env.INIT_CWD ?? process.cwd(), c.db) };
}

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import pino, { type Logger } from 'pino';
import { Registry, collectDefaultMetrics, Counter, Histogram, Gauge } from 'prom-client';
import { z } from 'zod';
import { readFileSync } from 'node:fs';

/**
 * What every dvk service shares: configuration validated at start-up, one pino logger, a fastify
 * app with `/healthz`, `/readyz` and `/metrics` (Prometheus text), security headers, an optional
 * rate limit, and graceful shutdown.
 */

// --- configuration -----------------------------------------------------------------------------

export class ConfigError extends Error {
  readonly _tag = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

/**
 * Reads configuration from a JSON file (`DVK_CONFIG`, optional) overlaid by environment
 * variables, and validates it. `envMap` maps schema keys to variable names. A bad setting throws
 * ConfigError naming the variable (or file key) and the reason.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  envMap: Record<keyof z.input<S> & string, string>,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  let fromFile: Record<string, unknown> = {};
  if (env.DVK_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.DVK_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError([`DVK_CONFIG=${env.DVK_CONFIG}: cannot read a JSON object (${(err as Error).message})`]);
    }
  }
  const raw: Record<string, unknown> = { ...fromFile };
  for (const [key, name] of Object.entries(envMap)) {
    const v = env[name as string];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new ConfigError(
    r.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const name = (envMap as Record<string, string>)[key];
      return `${name ? `${name} (${key})` : key || 'config'}: ${i.message}`;
    }),
  );
}

/** Helpers for env-var schemas: numbers and booleans arrive as strings. */
export const envInt = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int({ error: 'must be a whole number' }).min(min).max(max).default(def);
export const envBool = (def: boolean) =>
  z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])], { error: 'must be true or false' })
    .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes')
    .default(def);
export const envList = () =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v.split(',').map((s) => s.trim()).filter(Boolean)));

// --- logging -----------------------------------------------------------------------------------

/** Keys whose values never reach a log line (tokens, passwords, authorisation headers). */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'token',
  '*.token',
  'adminToken',
  '*.adminToken',
  'readToken',
  '*.readToken',
  'password',
  '*.password',
];

export function makeServiceLogger(name: string, level = process.env.DVK_LOG_LEVEL ?? 'info', dest: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { service: name }, redact: { paths: REDACT, censor: '[redacted]' } }, dest);
}

// --- HTTP --------------------------------------------------------------------------------------

export interface ReadyCheck {
  name: string;
  /** null when ready, else why not. */
  check: () => string | null | Promise<string | null>;
}

export interface ServiceApp {
  app: FastifyInstance;
  metrics: Registry;
  addReadyCheck(c: ReadyCheck): void;
}

export interface ServiceAppOptions {
  name: string;
  log: Logger;
  /** Requests per minute per client address; off when undefined. */
  rateLimitPerMinute?: number;
  bodyLimit?: number;
  /**
   * The most a request may take to arrive, headers and body (default 120 s): a client that
   * trickles its body is answered 408 and disconnected then, without holding up anyone else.
   */
  requestTimeoutMs?: number;
  /** Extra fastify options. */
  fastify?: Partial<FastifyServerOptions>;
  /** Content-Security-Policy directives for pages (the dashboard); defaults are strict. `null` removes a helmet default. */
  csp?: Record<string, string[] | null>;
}

/**
 * How a request appears in the log: never its headers, and its URL without the query string (a
 * client that puts a token in `?token=…` must not get it written to the log).
 */
export function requestForLog(req: { method?: string; url?: string; headers?: Record<string, unknown>; socket?: { remoteAddress?: string; remotePort?: number } }) {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return {
    method: req.method,
    url: q < 0 ? url : `${url.slice(0, q)}?[query redacted]`,
    host: typeof req.headers?.host === 'string' ? req.headers.host : undefined,
    remoteAddress: req.socket?.remoteAddress,
    remotePort: req.socket?.remotePort,
  };
}

export async function createServiceApp(o: ServiceAppOptions): Promise<ServiceApp> {
  const requestTimeout = o.requestTimeoutMs ?? 120_000;
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }, { serializers: { req: requestForLog } }),
    bodyLimit: o.bodyLimit ?? 1 << 20,
    requestTimeout,
    connectionTimeout: 120_000,
    // Node checks the request timeout only every connectionsCheckingInterval (30 s by default), and
    // the headers must arrive within headersTimeout (60 s): both follow the request timeout.
    http: { connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(requestTimeout / 4))), headersTimeout: Math.min(60_000, requestTimeout) },
    ...o.fastify,
  });
  const metrics = new Registry();
  metrics.setDefaultLabels({ service: o.name });
  collectDefaultMetrics({ register: metrics });
  const httpDuration = new Histogram({
    name: 'dvk_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [metrics],
  });
  app.addHook('onResponse', async (req, reply) => {
    httpDuration.observe({ method: req.method, route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: o.csp ?? { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'], connectSrc: ["'self'"], frameAncestors: ["'none'"] },
    },
  });
  if (o.rateLimitPerMinute) await app.register(rateLimit, { max: o.rateLimitPerMinute, timeWindow: '1 minute' });

  const checks: ReadyCheck[] = [];
  app.get('/healthz', { config: { rateLimit: false } }, async () => ({ status: 'ok', service: o.name }));
  app.get('/readyz', { config: { rateLimit: false } }, async (_req, reply) => {
    const results = await Promise.all(checks.map(async (c) => ({ name: c.name, problem: await c.check() })));
    const failing = results.filter((r) => r.problem !== null);
    reply.code(failing.length ? 503 : 200);
    return { status: failing.length ? 'not-ready' : 'ready', checks: Object.fromEntries(results.map((r) => [r.name, r.problem ?? 'ok'])) };
  });
  app.get('/metrics', { config: { rateLimit: false } }, async (_req, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.metrics();
  });
  return { app, metrics, addReadyCheck: (c) => checks.push(c) };
}

export { Counter, Histogram, Gauge, Registry };

// --- lifecycle ---------------------------------------------------------------------------------

/** Runs the closers once on SIGTERM / SIGINT (in order), then exits. */
export function onShutdown(log: Logger, closers: (() => Promise<void> | void)[]): () => Promise<void> {
  let closing: Promise<void> | null = null;
  const shutdown = () =>
    (closing ??= (async () => {
      log.info('shutting down');
      for (const c of closers) {
        try {
          await c();
        } catch (err) {
          log.error({ err }, 'error while shutting down');
        }
      }
    })());
  const handler = (sig: NodeJS.Signals) => {
    log.info({ signal: sig }, 'signal received');
    void shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return shutdown;
}

/** Retries an async step with exponential backoff (capped), logging why each attempt failed. */
export async function withBackoff<T>(
  what: string,
  log: Logger,
  fn: () => Promise<T>,
  opts: { retries?: number; baseMs?: number; maxMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const retries = opts.retries ?? Infinity;
  let delay = opts.baseMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt > retries || opts.signal?.aborted) throw err;
      log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, opts.maxMs ?? 10_000);
    }
  }
}

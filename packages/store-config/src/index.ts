import { isAbsolute, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { DeadLetterStore, EventStore } from '@dvk/event-store';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { createEsdbEventStore, openEsdbEventStore, type EsdbClient, type EsdbStoreOptions } from '@dvk/event-store-esdb';
import { loadConfig, withBackoff, type ReadyCheck } from '@dvk/service-kit';

/**
 * Which event store a service uses, chosen by configuration (DESIGN.md: "the services pick
 * adapters from configuration, not code changes"), validated at start-up, and a connection that
 * retries with backoff while reporting not-ready.
 *
 * | variable | default | |
 * |---|---|---|
 * | `DVK_STORE` | `sqlite` | `sqlite`: the embedded store, one file for the log, the read model and dead letters; `esdb`: EventStoreDB |
 * | `DVK_DB` | `./data/dvk.sqlite` | `sqlite` only: the store's file |
 * | `DVK_ESDB_URL` | — | `esdb` only, required: `esdb://host:2113?tls=false`, `esdb://user:password@host:2113` (TLS on), `esdb+discover://…` for a cluster |
 * | `DVK_READ_MODEL` | `./data/read-model.sqlite` | `esdb` only: the service's local SQLite file — read model and checkpoints (scoring, ranking, api), dead letters (ingest) |
 *
 * Relative paths are taken from where the command was started (`INIT_CWD` under pnpm).
 */

const ESDB_URL_RE = /^esdb(\+discover)?:\/\/\S+$/;

/** The configuration keys, to merge into a service's own schema (`z.object({ ...storeConfigShape, … })`). */
export const storeConfigShape = {
  store: z.enum(['sqlite', 'esdb'], { error: 'must be sqlite or esdb' }).default('sqlite'),
  db: z.string().min(1, { error: 'must not be empty' }).optional(),
  esdbUrl: z
    .string()
    .regex(ESDB_URL_RE, { error: 'must be an EventStoreDB connection string such as esdb://eventstore:2113?tls=false (or esdb+discover://… for a cluster)' })
    .optional(),
  readModel: z.string().min(1, { error: 'must not be empty' }).optional(),
};

export const STORE_ENV = { store: 'DVK_STORE', db: 'DVK_DB', esdbUrl: 'DVK_ESDB_URL', readModel: 'DVK_READ_MODEL' } as const;

type RawStoreConfig = { store: 'sqlite' | 'esdb'; db?: string | undefined; esdbUrl?: string | undefined; readModel?: string | undefined };

/** The cross-field rules, for a schema that holds `storeConfigShape` (`.superRefine(checkStoreConfig)`). */
export function checkStoreConfig(c: RawStoreConfig, ctx: z.RefinementCtx): void {
  if (c.store === 'esdb') {
    if (!c.esdbUrl) ctx.addIssue({ code: 'custom', path: ['esdbUrl'], message: 'is required when DVK_STORE=esdb (e.g. esdb://eventstore:2113?tls=false)' });
    if (c.db) ctx.addIssue({ code: 'custom', path: ['db'], message: 'applies only to DVK_STORE=sqlite (with esdb the local file is DVK_READ_MODEL)' });
  } else {
    if (c.esdbUrl) ctx.addIssue({ code: 'custom', path: ['esdbUrl'], message: 'applies only to DVK_STORE=esdb (set DVK_STORE=esdb to use EventStoreDB)' });
    if (c.readModel) ctx.addIssue({ code: 'custom', path: ['readModel'], message: 'applies only to DVK_STORE=esdb (with sqlite the read model lives in DVK_DB)' });
  }
}

export const StoreConfigSchema = z.object(storeConfigShape).superRefine(checkStoreConfig);

export type StoreConfig =
  | { readonly store: 'sqlite'; readonly sqlitePath: string }
  | { readonly store: 'esdb'; readonly esdbUrl: string; readonly readModelPath: string };

/** Normalises a validated raw configuration: defaults, absolute paths. */
export function toStoreConfig(c: RawStoreConfig, env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(env.INIT_CWD ?? process.cwd(), p));
  return c.store === 'esdb'
    ? { store: 'esdb', esdbUrl: c.esdbUrl!, readModelPath: abs(c.readModel ?? './data/read-model.sqlite') }
    : { store: 'sqlite', sqlitePath: abs(c.db ?? './data/dvk.sqlite') };
}

/** Reads DVK_STORE, DVK_DB, DVK_ESDB_URL, DVK_READ_MODEL (or `DVK_CONFIG`); throws ConfigError naming the variable. */
export function loadStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  return toStoreConfig(loadConfig(StoreConfigSchema, STORE_ENV, env), env);
}

/** Where the store is, for logs and /readyz: never the credentials of a connection string. */
export function describeStore(c: StoreConfig): string {
  return c.store === 'sqlite' ? `SQLite ${c.sqlitePath}` : `EventStoreDB ${c.esdbUrl.replace(/\/\/[^@/]*@/, '//***@')} (read model ${c.readModelPath})`;
}

// --- opening ------------------------------------------------------------------------------------

export interface ConfiguredStore {
  readonly kind: 'sqlite' | 'esdb';
  readonly store: EventStore;
  /**
   * The service's SQLite database for its read model and checkpoints (the scoring checkpoint is
   * committed with the read model in it): the store's own file with sqlite, DVK_READ_MODEL with
   * esdb (its event tables stay empty there).
   */
  readonly readModel: SqliteEventStore['db'];
  /** Dead letters: the store's file with sqlite; the local file (DVK_READ_MODEL) with esdb. */
  readonly deadLetters: DeadLetterStore;
  readonly description: string;
  /** null when the store answers, else why not. */
  check(): Promise<string | null>;
  close(): Promise<void>;
}

export interface StoreFromConfigOptions {
  store: 'sqlite' | 'esdb';
  sqlitePath?: string;
  esdbUrl?: string;
  readModelPath?: string;
  log: Logger;
  /** EventStoreDB adapter options (resubscription, chunk size…). */
  esdb?: EsdbStoreOptions;
  /** Tests: the narrow EventStoreDB client to use instead of a connection to `esdbUrl`. */
  esdbClient?: EsdbClient;
}

/** Opens the configured adapter (no network call yet: `check()` or the first use connects). */
export function storeFromConfig(o: StoreFromConfigOptions): ConfiguredStore {
  const log = o.log.child({ component: 'store' });
  if (o.store === 'sqlite') {
    if (!o.sqlitePath) throw new TypeError('storeFromConfig: sqlitePath is required for the sqlite store');
    const store = openSqliteEventStore({ path: o.sqlitePath });
    return {
      kind: 'sqlite',
      store,
      readModel: store.db,
      deadLetters: store,
      description: `SQLite ${o.sqlitePath}`,
      check: async () => {
        const h = await store.head();
        return E.isLeft(h) ? h.left.message : null;
      },
      close: () => store.close(),
    };
  }
  if (!o.esdbUrl && !o.esdbClient) throw new TypeError('storeFromConfig: esdbUrl is required for the esdb store');
  if (!o.readModelPath) throw new TypeError('storeFromConfig: readModelPath is required for the esdb store');
  const local = openSqliteEventStore({ path: o.readModelPath });
  const options = { ...o.esdb, log };
  const store = o.esdbClient ? createEsdbEventStore(o.esdbClient, options) : openEsdbEventStore({ ...options, connectionString: o.esdbUrl! });
  const description = o.esdbUrl ? describeStore({ store: 'esdb', esdbUrl: o.esdbUrl, readModelPath: o.readModelPath }) : `EventStoreDB (given client; read model ${o.readModelPath})`;
  return {
    kind: 'esdb',
    store,
    readModel: local.db,
    deadLetters: local,
    description,
    check: async () => {
      const p = await store.ping();
      return E.isLeft(p) ? p.left.message : null;
    },
    close: async () => {
      await store.close();
      await local.close();
    },
  };
}

// --- connecting with backoff, reporting readiness -----------------------------------------------

export interface StoreConnection {
  /** Resolves with the store once it answered; retries with backoff until then (rejects only when aborted). */
  readonly ready: Promise<ConfiguredStore>;
  /** For `/readyz` (service-kit's `addReadyCheck`): not ready while connecting or when the store stops answering. */
  readonly readyCheck: ReadyCheck;
  /** null when the store answered last time it was asked, else why not. */
  problem(): string | null;
}

export interface ConnectOptions {
  signal?: AbortSignal;
  baseMs?: number;
  maxMs?: number;
  /** How long a readiness answer is reused (ms; default 2,000): /readyz polls do not hammer the store. */
  checkTtlMs?: number;
  esdb?: EsdbStoreOptions;
  /** Tests: see StoreFromConfigOptions.esdbClient. */
  esdbClient?: EsdbClient;
}

/**
 * Opens the configured store and waits until it answers, retrying with exponential backoff and
 * logging why each attempt failed; until then (and whenever it stops answering) the ready check
 * reports the reason.
 */
export function connectStore(config: StoreConfig, log: Logger, o: ConnectOptions = {}): StoreConnection {
  const description = describeStore(config);
  let problem: string | null = `connecting to ${description}`;
  let current: ConfiguredStore | null = null;
  let connected = false;
  let checkedAt = 0;
  const ttl = o.checkTtlMs ?? 2000;

  const ready = withBackoff(
    `connect to ${description}`,
    log,
    async () => {
      current ??= storeFromConfig({
        store: config.store,
        log,
        ...(config.store === 'sqlite' ? { sqlitePath: config.sqlitePath } : { esdbUrl: config.esdbUrl, readModelPath: config.readModelPath }),
        ...(o.esdb ? { esdb: o.esdb } : {}),
        ...(o.esdbClient ? { esdbClient: o.esdbClient } : {}),
      });
      const p = await current.check();
      checkedAt = Date.now();
      if (p !== null) {
        problem = `${description} does not answer: ${p}`;
        throw new Error(problem);
      }
      problem = null;
      connected = true;
      log.info({ store: description }, 'event store connected');
      return current;
    },
    { baseMs: o.baseMs ?? 250, maxMs: o.maxMs ?? 10_000, ...(o.signal ? { signal: o.signal } : {}) },
  ).catch((err: unknown) => {
    problem = `gave up connecting to ${description}: ${(err as Error).message}`;
    throw err;
  });
  // A rejection is reported through ready(); keep it from being unhandled when nobody awaits.
  ready.catch(() => undefined);

  return {
    ready,
    problem: () => problem,
    readyCheck: {
      name: 'store',
      check: async () => {
        if (!connected || !current) return problem ?? `connecting to ${description}`;
        if (Date.now() - checkedAt >= ttl) {
          checkedAt = Date.now();
          const p = await current.check();
          problem = p === null ? null : `${description} does not answer: ${p}`;
        }
        return problem;
      },
    },
  };
}

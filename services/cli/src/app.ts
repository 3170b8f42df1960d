import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { REDACT } from '@dvk/service-kit';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { ScoringProjection, catchUp, readModelQueries, rebuild, rulebooksInForce, type ReadModelQueries } from '@dvk/projections';
import type { RulebookSet } from '@dvk/scoring';
import * as E from 'fp-ts/lib/Either.js';
import { Progress } from './ui.js';

/** Options every command shares (set on the root command). */
export interface GlobalOptions {
  db?: string;
  logLevel?: string;
}

export const DEFAULT_DB = './data/dvk.sqlite';

export function dbPath(o: GlobalOptions): string {
  return resolve(o.db ?? process.env.DVK_DB ?? DEFAULT_DB);
}

/** One logger for the process, JSON lines on stderr (stdout is for results). */
export function makeLogger(o: GlobalOptions, defaultLevel = 'warn'): Logger {
  // The same redaction as every service: no token or authorization header reaches a log line.
  return pino({ level: o.logLevel ?? process.env.DVK_LOG_LEVEL ?? defaultLevel, base: { app: 'dvk' }, redact: { paths: REDACT, censor: '[redacted]' } }, pino.destination(2));
}

export interface App {
  log: Logger;
  store: SqliteEventStore;
  rulebooks: RulebookSet;
  projection: ScoringProjection;
  queries: ReadModelQueries;
  close(): Promise<void>;
}

/** A JSON file given on the command line, or an error naming the file and why it is not JSON. */
export function readJsonFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path} is not a JSON file (${(err as Error).message})`);
  }
}

/** `--year`: a four-digit year from 2016, the first year of the plan (docs/rulebook-decisions.md #20). */
export function parseYear(v: string): number {
  const y = Number(v);
  if (!/^\d{4}$/.test(v) || y < 2016) throw new Error(`--year must be a four-digit year from 2016 (got "${v}")`);
  return y;
}

/** A whole-number option between `min` and `max`, refused with a message naming it otherwise. */
export function wholeNumber(option: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new Error(`${option} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got "${v}")`);
    return n;
  };
}

/**
 * Opens the embedded store and its read model (same SQLite file). Only the commands that write
 * events or sources (`import`, `start`, `sources add`, `admin init`) may create it: any other
 * command on a path with no store is an error — a mistyped `--db` must not answer with an empty
 * report.
 */
export function openApp(o: GlobalOptions, log = makeLogger(o), opts: { create?: boolean } = {}): App {
  const path = dbPath(o);
  if (!opts.create && !existsSync(path))
    throw new Error(`no store at ${path}: give --db PATH or DVK_DB (dvk import FILE, or pnpm start, creates one)`);
  const store = openSqliteEventStore({ path });
  const rulebooks = rulebooksInForce(store.db);
  const projection = new ScoringProjection({ db: store.db, rulebooks, log });
  const queries = readModelQueries(store.db);
  log.debug({ db: path }, 'opened the embedded store');
  return { log, store, rulebooks, projection, queries, close: () => store.close() };
}

/**
 * Brings the read model up to the end of the log: resumes from the checkpoint, or rebuilds when
 * the rulebooks changed. Shows a progress bar on a terminal.
 */
export async function refresh(app: App, opts: { quiet?: boolean } = {}): Promise<void> {
  const status = app.projection.load();
  const head = await app.store.head();
  if (E.isLeft(head)) throw new Error(head.left.message);
  const behind = head.right.position - app.projection.committedPosition;
  if (status !== 'rebuild-needed' && behind <= 0) return;
  const bar = new Progress(opts.quiet ? false : undefined, status === 'rebuild-needed' ? 'Dựng lại kết quả' : 'Cập nhật kết quả', 'sự kiện');
  bar.start(head.right.position, app.projection.committedPosition);
  const r =
    status === 'rebuild-needed'
      ? await rebuild(app.store, app.projection, { onProgress: (p) => bar.update(p.position) })
      : await catchUp(app.store, app.projection, { onProgress: (p) => bar.update(p.position) });
  bar.stop();
  if (E.isLeft(r)) throw new Error(r.left.message);
}

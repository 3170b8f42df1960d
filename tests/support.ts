import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import pino, { type Logger } from 'pino';
import type { StoredEvent } from '@dvk/event-store';
import type { SqliteEventStore } from '@dvk/event-store-sqlite';
import type { Scope } from '@dvk/ingestion';
import { IngestConfig, startIngest, type IngestService } from '@dvk/svc-ingest';

/** Shared by the cross-package suites (fuzz, security, backup, load): temp dirs, services, raw sockets. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'services/cli/src/main.ts');

export function tempDir(prefix: string): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const ALL: Scope = { units: '*', descendants: false, kinds: '*', types: '*' };

export async function startTestIngest(db: string, over: Record<string, unknown> = {}, log: Logger = pino({ level: 'silent' })): Promise<IngestService> {
  return startIngest({ config: IngestConfig.parse({ db, host: '127.0.0.1', port: 0, logLevel: 'silent', ...over }), log });
}

/** Every event of the log, in order. */
export async function allEvents(store: Pick<SqliteEventStore, 'readAll'>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after = 0;
  for (;;) {
    const r = await store.readAll({ after, maxCount: 5000 });
    if (E.isLeft(r)) throw new Error(r.left.message);
    if (r.right.length === 0) return out;
    out.push(...r.right);
    after = r.right[r.right.length - 1]!.position;
  }
}

export interface RawResult {
  /** The status line's code, or null when the server closed without answering. */
  status: number | null;
  response: string;
  /** Body bytes the client managed to write before the connection ended. */
  sent: number;
  ms: number;
  closedByServer: boolean;
}

/**
 * A hostile HTTP client on a raw socket: writes `head` (the request line and headers, as given),
 * then the body pieces with a pause between them, and reports what the server answered and when
 * it hung up. Gives up after `timeoutMs`.
 */
export function rawRequest(url: string, head: string, pieces: readonly (string | Buffer)[] = [], o: { pauseMs?: number; timeoutMs?: number } = {}): Promise<RawResult> {
  const u = new URL(url);
  const t0 = performance.now();
  return new Promise((done) => {
    const s = connect(Number(u.port), u.hostname);
    let response = '';
    let sent = 0;
    let closedByServer = true;
    const timer = setTimeout(() => {
      closedByServer = false;
      s.destroy();
    }, o.timeoutMs ?? 10_000);
    s.on('data', (d) => (response += d.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      done({ status: m ? Number(m[1]) : null, response, sent, ms: performance.now() - t0, closedByServer });
    });
    s.write(head);
    void (async () => {
      for (const p of pieces) {
        if (s.destroyed || s.writableEnded) return;
        await new Promise<void>((r) => s.write(p, () => r()));
        sent += Buffer.byteLength(p);
        if (o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
      }
    })();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CliResult {
  /** 0 on success; 1 when the command threw (its message in `error`); else the exit code it set. */
  code: number;
  stdout: string;
  error: string | null;
}

/**
 * Runs the `dvk` command in this process (no 2-second tsx start-up per call): stdout captured,
 * logs silenced, `env` set for the duration of the command.
 */
export async function runCli(args: readonly string[], env: Record<string, string | undefined> = {}, logLevel = 'silent'): Promise<CliResult> {
  const { buildProgram } = await import('../services/cli/src/main.js');
  const out: string[] = [];
  const write = process.stdout.write;
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  process.exitCode = undefined;
  let error: string | null = null;
  try {
    await buildProgram()
      .exitOverride()
      .configureOutput({ writeErr: () => undefined })
      .parseAsync(['node', 'dvk', '--log-level', logLevel, ...args]);
  } catch (err) {
    error = (err as Error).message;
  } finally {
    process.stdout.write = write;
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const code = error !== null ? 1 : Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { code, stdout: out.join(''), error };
}

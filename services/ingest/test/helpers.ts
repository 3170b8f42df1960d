import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UnitKind } from '@dvk/contracts';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { SourceRegistry, type Scope } from '@dvk/ingestion';
import { IngestConfig } from '../src/index.js';

/** Shared by the ingest tests: envelopes, configuration, temp dirs, child processes. */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const mainTs = resolve(repoRoot, 'services/ingest/src/main.ts');

export function tempDir(prefix = 'dvk-ingest-'): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testConfig(over: Record<string, unknown>): IngestConfig {
  return IngestConfig.parse({ port: 0, logLevel: 'silent', ...over });
}

export const ALL: Scope = { units: '*', descendants: false, kinds: '*', types: '*' };

/** Registers sources in a store file; returns their tokens. */
export function registerSources(db: string, sources: Record<string, Partial<Scope>>): Record<string, string> {
  const store = openSqliteEventStore({ path: db });
  try {
    const reg = new SourceRegistry(store.db);
    return Object.fromEntries(Object.entries(sources).map(([name, s]) => [name, reg.add(name, { ...ALL, ...s })]));
  } finally {
    void store.close();
  }
}

type Obj = Record<string, unknown>;
const at = '2019-11-20T09:00:00+07:00';

export function envelope(type: string, source: string, data: Obj, id: string = randomUUID()): Obj {
  return { id, type, schemaVersion: 1, source, occurredAt: at, data };
}
export const registered = (unitId: string, kind: UnitKind, source: string, parentId?: string) =>
  envelope('UnitRegistered', source, { unitId, kind, name: `Đơn vị ${unitId}`, ...(parentId ? { parentId } : {}), effectiveFrom: '2016-01-01' });
export const assessed = (unitId: string, source: string, points = 15, criterionId = 'A1') =>
  envelope('CriterionAssessed', source, { unitId, year: 2019, criterionId, points, role: 'official', assessorId: source });
export const monthly = (unitId: string, source: string, month = 1) =>
  envelope('MonthlyReportSubmitted', source, { unitId, year: 2019, month, submittedAt: `2019-${String(month).padStart(2, '0')}-28T09:00:00+07:00` });
export const dialogue = (unitId: string, source: string, participants = 30) =>
  envelope('DialogueHeld', source, { unitId, heldAt: at, participants });

export const ndjson = (items: readonly (Obj | string)[]): string => items.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n') + '\n';

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The ingest service as a child process (`node --import tsx src/main.ts`), its JSON log lines kept. */
export interface Child {
  readonly proc: ChildProcess;
  readonly logs: Obj[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first log line (already seen or coming) that matches. */
  waitForLog(pred: (l: Obj) => boolean, timeoutMs?: number): Promise<Obj>;
  kill(signal: NodeJS.Signals): void;
}

export function startChild(env: Record<string, string>, label = 'ingest'): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', mainTs], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DVK_LOG_LEVEL: 'info', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Obj[] = [];
  const waiters = new Set<{ pred: (l: Obj) => boolean; resolve: (l: Obj) => void }>();
  let carry = '';
  const verbose = process.env.DVK_TEST_CHILD_LOGS === '1';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      if (verbose) process.stderr.write(`[${label}] ${line}\n`);
      let l: Obj;
      try {
        l = JSON.parse(line) as Obj;
      } catch {
        l = { msg: line, raw: true };
      }
      logs.push(l);
      for (const w of waiters)
        if (w.pred(l)) {
          waiters.delete(w);
          w.resolve(l);
        }
    }
  });
  proc.stdout!.resume();
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  return {
    proc,
    logs,
    exited,
    waitForLog(pred, timeoutMs = 60_000) {
      const seen = logs.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise<Obj>((resolve, reject) => {
        const w = { pred, resolve: (l: Obj) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`[${label}] no matching log line after ${timeoutMs} ms; last lines:\n${logs.slice(-15).map((x) => JSON.stringify(x)).join('\n')}`));
        }, timeoutMs);
        waiters.add(w);
        void exited.then((code) => {
          if (waiters.delete(w)) {
            clearTimeout(t);
            reject(new Error(`[${label}] exited (${code}) before a matching log line; last lines:\n${logs.slice(-15).map((x) => JSON.stringify(x)).join('\n')}`));
          }
        });
      });
    },
    kill(signal) {
      if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) process.kill(proc.pid, signal);
    },
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CrashSite } from '@dvk/event-store';

/**
 * The crash harness's plumbing: settings (short for CI, full for `pnpm test:crash`), a seeded
 * random source, child processes (the dvk services, run from their sources with tsx) that can be
 * armed with a crash point (`DVK_CRASH_AT`, packages/event-store/src/crash.ts) or killed by the
 * harness at a random moment, and the tally of kill points per path and site.
 */

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const ENTRY = {
  cli: join(repoRoot, 'services/cli/src/main.ts'),
  ingest: join(repoRoot, 'services/ingest/src/main.ts'),
  scoring: join(repoRoot, 'services/scoring/src/main.ts'),
} as const;

export type PathName = 'import' | 'http' | 'kafka' | 'scoring';
/** A crash point of the code, or `timed`: SIGKILL sent by the harness after a random delay. */
export type KillSite = CrashSite | 'timed';

/** What a generated input holds: `generateLines({ seed, years })` of @dvk/sample. */
export interface InputSpec {
  seed: number;
  years: number;
}

export interface PathSettings {
  input: InputSpec;
  /** Kill points to reach on this path (counted only when a process really died by SIGKILL). */
  kills: number;
  /** Kill points per scenario (a scenario: a fresh store, the whole input, then the checks). */
  killsPerScenario: number;
}

export interface Settings {
  full: boolean;
  seed: number;
  import: PathSettings;
  http: PathSettings & { batchMax: number };
  kafka: PathSettings & { maxBatch: number; sessionTimeoutMs: number; parallel: number };
  scoring: PathSettings;
}

/**
 * Short (CI, about 1.5 minutes on 2 cores, the paths side by side): 102 kill points over the four
 * paths. Full (`pnpm test:crash`, DVK_CRASH_FULL=1, about 5 minutes): 100 on each path.
 * DVK_CRASH_SEED fixes the choice of kill points (timing still varies). The Kafka session timeout
 * is 3 s (the default is 30 s) so that a killed member leaves its group soon; below 3 s the mock
 * cluster's group never let the consumer join.
 */
export function crashSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const full = env.DVK_CRASH_FULL === '1';
  const seed = env.DVK_CRASH_SEED ? Number(env.DVK_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`DVK_CRASH_SEED must be an integer (got ${env.DVK_CRASH_SEED})`);
  // Three years of the sample are 24,468 lines: two import transactions (20,000 lines each).
  const importInput = { seed: 11, years: 3 };
  const small = { seed: 11, years: 1 };
  const two = { seed: 11, years: 2 };
  return full
    ? {
        full,
        seed,
        import: { input: importInput, kills: 100, killsPerScenario: 10 },
        http: { input: two, kills: 100, killsPerScenario: 50, batchMax: 100 },
        kafka: { input: two, kills: 100, killsPerScenario: 25, parallel: 4, maxBatch: 250, sessionTimeoutMs: 3000 },
        scoring: { input: two, kills: 100, killsPerScenario: 50 },
      }
    : {
        full,
        seed,
        import: { input: importInput, kills: 24, killsPerScenario: 12 },
        http: { input: small, kills: 30, killsPerScenario: 30, batchMax: 100 },
        kafka: { input: small, kills: 16, killsPerScenario: 4, parallel: 4, maxBatch: 250, sessionTimeoutMs: 3000 },
        scoring: { input: small, kills: 32, killsPerScenario: 32 },
      };
}

/** mulberry32: a small seeded generator, so that a seed names the kill points chosen. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    const a = Math.ceil(lo);
    const b = Math.max(a, Math.floor(hi));
    return a + Math.floor(this.next() * (b - a + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function tempDir(prefix: string): { dir: string; file: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

// ——— child processes ———

/** How an armed (or unarmed) run of a child is to end. */
export interface Arm {
  site: KillSite;
  /** For a crash site: the passage that kills (1-based, counted from the child's start). */
  n?: number;
  /** For `timed`: the harness sends SIGKILL this long after the start. */
  delayMs?: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** The harness sent the SIGKILL (a timed kill, or a fallback when an armed point was not reached in time). */
  byHarness: boolean;
}

export interface Child {
  readonly label: string;
  readonly arm: Arm | null;
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  alive(): boolean;
  /** The last lines the child wrote on stderr (for failure messages). */
  tail(): string;
  /** Sends a signal (a SIGKILL sent here is recorded as the harness's). */
  signal(sig: NodeJS.Signals): void;
  /** Cancels a pending timed kill (before a graceful stop). */
  disarm(): void;
}

const live = new Set<Child>();

/** Kills every child still running (by its own pid): for afterAll and failures. */
export async function killAllChildren(): Promise<void> {
  const all = [...live];
  for (const c of all) c.signal('SIGKILL');
  await Promise.all(all.map((c) => c.exited));
}

const BASE_ENV = (): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  TMPDIR: process.env.TMPDIR ?? tmpdir(),
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
  DVK_LOG_LEVEL: 'info',
});

/**
 * Starts `node --import tsx <entry> …args` from the repository root, armed with `arm` (a crash
 * point through DVK_CRASH_AT, or a SIGKILL after `delayMs`). Its stdout is kept (the CLI's JSON
 * summary), its stderr as a tail for diagnostics.
 */
export function startChild(entry: string, args: readonly string[], env: Record<string, string>, arm: Arm | null, label: string): Child & { stdout(): string } {
  const crashEnv: Record<string, string> = arm && arm.site !== 'timed' ? { DVK_CRASH_AT: `${arm.site}:${arm.n ?? 1}` } : {};
  const t0 = Date.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    env: { ...BASE_ENV(), ...env, ...crashEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const errLines: string[] = [];
  let out = '';
  let carry = '';
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.trim()) continue;
      errLines.push(l.length > 2000 ? `${l.slice(0, 2000)}…` : l);
      if (errLines.length > 200) errLines.shift();
    }
    if (process.env.DVK_CRASH_CHILD_LOGS === '1') process.stderr.write(`[${label}] ${chunk}`);
  });
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (out.length < 1 << 20) out += chunk;
  });
  let byHarness = false;
  let timer: NodeJS.Timeout | null = null;
  let done = false;
  const exited = new Promise<Exit>((res) =>
    proc.once('exit', (code, signal) => {
      done = true;
      if (timer) clearTimeout(timer);
      live.delete(child);
      res({ code, signal, ms: Date.now() - t0, byHarness });
    }),
  );
  const signal = (sig: NodeJS.Signals) => {
    if (done || proc.pid === undefined) return;
    if (sig === 'SIGKILL') byHarness = true;
    try {
      process.kill(proc.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const child = {
    label,
    arm,
    proc,
    exited,
    alive: () => !done,
    tail: () => errLines.join('\n'),
    signal,
    disarm: () => {
      if (timer) clearTimeout(timer);
      timer = null;
    },
    stdout: () => out,
  };
  live.add(child);
  if (arm?.site === 'timed') timer = setTimeout(() => signal('SIGKILL'), arm.delayMs ?? 0);
  return child;
}

// ——— accounting ———

export interface PathResult {
  path: PathName;
  input: InputSpec;
  scenarios: number;
  /** Processes that died by SIGKILL at a kill point. */
  kills: number;
  killsBySite: Partial<Record<KillSite, number>>;
  /** Armed runs that ended (or were stopped) before their crash point was reached: not counted as kills. */
  missedBySite: Partial<Record<KillSite, number>>;
  /** Child processes started (armed, unarmed, final). */
  starts: number;
  /** Valid events sent per scenario × scenarios. */
  eventsSent: number;
  eventsLost: number;
  eventsDoubled: number;
  /** Events in the log that were never sent. */
  eventsExtra: number;
  /** Invalid lines sent, and their dead letters found (exactly once each expected). */
  badLinesSent: number;
  deadLettersFound: number;
  /** Per scenario: what the checks found wrong (empty: all passed). */
  problems: string[];
  /** Children that did not exit within the grace period of a SIGTERM (then killed): a finding, not a kill point. */
  shutdownHangs: string[];
  durationMs: number;
  notes: string[];
}

export function newResult(path: PathName, input: InputSpec): PathResult {
  return {
    path,
    input,
    scenarios: 0,
    kills: 0,
    killsBySite: {},
    missedBySite: {},
    starts: 0,
    eventsSent: 0,
    eventsLost: 0,
    eventsDoubled: 0,
    eventsExtra: 0,
    badLinesSent: 0,
    deadLettersFound: 0,
    problems: [],
    shutdownHangs: [],
    durationMs: 0,
    notes: [],
  };
}

/**
 * Books how an armed run ended: a SIGKILL is a kill point (at its crash site, or `timed` when
 * the harness sent it); a normal exit of an armed run is a miss. Any other end is a failure of
 * the code under test and throws, with the child's last lines.
 */
export function book(r: PathResult, child: Child, exit: Exit, o: { expectExit0?: boolean } = {}): 'killed' | 'exited' {
  if (exit.signal === 'SIGKILL') {
    const site: KillSite = exit.byHarness ? 'timed' : (child.arm?.site ?? 'timed');
    if (!exit.byHarness && (!child.arm || child.arm.site === 'timed'))
      throw new Error(`${child.label} died of a SIGKILL nobody sent (out of memory?)\n${child.tail()}`);
    r.kills++;
    r.killsBySite[site] = (r.killsBySite[site] ?? 0) + 1;
    return 'killed';
  }
  if (exit.code === 0 || (exit.signal === 'SIGTERM' && !o.expectExit0)) {
    if (child.arm) r.missedBySite[child.arm.site] = (r.missedBySite[child.arm.site] ?? 0) + 1;
    return 'exited';
  }
  throw new Error(`${child.label} ended with ${exit.signal ?? `exit code ${exit.code}`} after ${exit.ms} ms (armed: ${JSON.stringify(child.arm)})\n${child.tail()}`);
}

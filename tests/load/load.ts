import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Verifier } from '@dvk/audit';
import { storedRows } from '@dvk/event-store-sqlite';

/**
 * `pnpm test:load` — the load test of HTTP ingest (not in CI's default run).
 *
 * Starts the ingest service on a fresh SQLite store in a child process (tests/load/server.ts, on
 * 127.0.0.1), then drives it with N concurrent clients for a bounded time, each posting NDJSON
 * batches of 1 to --max-batch valid events, with a few intended rejections (a third decimal, a
 * thirteenth month, an event outside the source's scope) and a few retried batches (sent again
 * as they were: every event must come back a duplicate at the same position). Reports events/s,
 * requests/s and latency percentiles; then stops the server and checks, in the SQLite file, that
 * every acknowledged event is in the log exactly once at the position it was acknowledged with,
 * that nothing else is, and that the hash chain verifies. Exits 1 on any unexpected answer.
 *
 *   pnpm test:load [--clients 32] [--duration 30] [--max-batch 200] [--reject-rate 0.02]
 *                  [--retry-rate 0.05] [--projection follow|off] [--out test-results/load/load.json]
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { values: a } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    duration: { type: 'string', default: '30' },
    'max-batch': { type: 'string', default: '200' },
    'reject-rate': { type: 'string', default: '0.02' },
    'retry-rate': { type: 'string', default: '0.05' },
    projection: { type: 'string', default: 'follow' },
    out: { type: 'string', default: join(ROOT, 'test-results/load/load.json') },
    keep: { type: 'boolean', default: false },
  },
});
const CLIENTS = Number(a.clients);
const DURATION_S = Number(a.duration);
const MAX_BATCH = Number(a['max-batch']);
const REJECT_RATE = Number(a['reject-rate']);
const RETRY_RATE = Number(a['retry-rate']);
for (const [k, v] of Object.entries({ CLIENTS, DURATION_S, MAX_BATCH, REJECT_RATE, RETRY_RATE })) if (!Number.isFinite(v) || v < 0) throw new Error(`bad ${k}: ${v}`);
if (DURATION_S > 600) throw new Error('--duration is at most 600 s');

interface Ready {
  url: string;
  registry: number;
  tokens: { all: string; scoped: Record<string, string> };
  communes: string[];
  villages: Record<string, string[]>;
}

const dir = mkdtempSync(join(tmpdir(), 'dvk-load-'));
const db = join(dir, 'load.sqlite');

function startServer(): Promise<{ ready: Ready; stop: () => Promise<number | null> }> {
  const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'tests/load/server.ts'), '--db', db, '--projection', a.projection!], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((r) => p.on('close', r));
  return new Promise((resolveReady, reject) => {
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolveReady({ ready: JSON.parse(out.slice(0, nl)) as Ready, stop: () => (p.kill('SIGTERM'), exited) });
    });
    void exited.then((c) => reject(new Error(`the load server exited (${c}) before serving`)));
  });
}

// --- the clients -------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
const p2 = (n: number) => String(n).padStart(2, '0');

interface Sent {
  id: string;
  bad: string | null; // why it must be rejected, or null
}
interface Answer {
  results: { status: string; id: string | null; position?: number; code?: string }[];
}
interface Stats {
  requests: number;
  retries: number;
  events: number;
  appended: number;
  duplicates: number;
  rejected: number;
  latencies: number[];
  unexpected: string[];
}
const stats: Stats = { requests: 0, retries: 0, events: 0, appended: 0, duplicates: 0, rejected: 0, latencies: [], unexpected: [] };
/** Every acknowledged event: id → position. */
const acked = new Map<string, number>();

function event(source: string, unitId: string): Obj {
  const month = 1 + rand(12);
  const when = `2019-${p2(month)}-${p2(1 + rand(28))}T${p2(7 + rand(10))}:${p2(rand(60))}:00+07:00`;
  const base = { id: randomUUID(), schemaVersion: 1, source, occurredAt: when };
  switch (rand(4)) {
    case 0:
      return { ...base, type: 'DialogueHeld', data: { unitId, heldAt: when, participants: 1 + rand(300) } };
    case 1:
      return { ...base, type: 'MonthlyReportSubmitted', data: { unitId, year: 2019, month, submittedAt: when } };
    case 2:
      return { ...base, type: 'CriterionAssessed', data: { unitId, year: 2019, criterionId: `A${1 + rand(6)}`, points: rand(2000) / 100, role: pick(['self', 'official']), assessorId: 'ban-dan-van' } };
    default:
      return { ...base, type: 'ComplaintReceived', data: { unitId, caseId: `${rand(1e6)}/2019/KN`, category: pick(['complaint', 'denunciation', 'petition']), receivedAt: when } };
  }
}

async function client(i: number, r: Ready, deadline: number): Promise<void> {
  const scopedTo = i % 4 === 0 ? Object.keys(r.tokens.scoped)[(i / 4) % Object.keys(r.tokens.scoped).length] : undefined;
  const source = scopedTo ?? 'ban-dan-van';
  const token = scopedTo ? r.tokens.scoped[scopedTo]! : r.tokens.all;
  const own = scopedTo ? [scopedTo, ...r.villages[scopedTo]!] : r.communes.flatMap((c) => [c, ...r.villages[c]!]);
  const others = r.communes.filter((c) => c !== scopedTo);
  let last: { body: string; sent: Sent[] } | null = null;

  while (Date.now() < deadline) {
    let body: string;
    let sent: Sent[];
    const retry = last !== null && Math.random() < RETRY_RATE;
    if (retry && last) {
      ({ body, sent } = last);
      stats.retries++;
    } else {
      const n = 1 + rand(MAX_BATCH);
      const events: Obj[] = [];
      sent = [];
      for (let k = 0; k < n; k++) {
        let e = event(source, pick(own));
        let bad: string | null = null;
        if (Math.random() < REJECT_RATE) {
          const kind = rand(scopedTo ? 3 : 2);
          if (kind === 0) {
            e = { ...e, type: 'CriterionAssessed', data: { unitId: (e.data as Obj).unitId, year: 2019, criterionId: 'A1', points: 10.005, role: 'official', assessorId: 'x' } };
            bad = 'schema';
          } else if (kind === 1) {
            e = { ...e, type: 'MonthlyReportSubmitted', data: { unitId: (e.data as Obj).unitId, year: 2019, month: 13, submittedAt: e.occurredAt } };
            bad = 'schema';
          } else {
            e = event(source, pick(others));
            bad = 'scope';
          }
        }
        events.push(e);
        sent.push({ id: e.id as string, bad });
      }
      body = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    }
    const t0 = performance.now();
    let status = 0;
    let answer = null as Answer | null;
    try {
      const res = await fetch(`${r.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
      status = res.status;
      const text = await res.text();
      if (status === 200) answer = JSON.parse(text) as Answer;
      else stats.unexpected.push(`HTTP ${status}: ${text.slice(0, 200)}`);
    } catch (err) {
      stats.unexpected.push(`network error: ${(err as Error).message}`);
    }
    stats.latencies.push(performance.now() - t0);
    stats.requests++;
    stats.events += sent.length;
    if (!answer) continue;
    if (answer.results.length !== sent.length) {
      stats.unexpected.push(`${answer.results.length} results for ${sent.length} events`);
      continue;
    }
    answer.results.forEach((res, k) => {
      const s = sent[k]!;
      if (s.bad) {
        if (res.status !== 'rejected' || res.code !== s.bad) stats.unexpected.push(`event ${s.id} should be rejected (${s.bad}), got ${res.status} ${res.code ?? ''}`);
        else stats.rejected++;
        return;
      }
      if (res.status === 'appended' && !retry) {
        if (acked.has(s.id)) stats.unexpected.push(`event ${s.id} appended twice`);
        acked.set(s.id, res.position!);
        stats.appended++;
      } else if (res.status === 'duplicate' && retry) {
        if (acked.get(s.id) !== res.position) stats.unexpected.push(`retried event ${s.id} answered position ${res.position}, acknowledged at ${acked.get(s.id)}`);
        stats.duplicates++;
      } else stats.unexpected.push(`event ${s.id}${retry ? ' (retried)' : ''}: ${res.status} ${res.code ?? ''}`);
    });
    last = { body, sent };
  }
}

// --- the run ---------------------------------------------------------------------------------------------

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main(): Promise<number> {
  process.stdout.write(`dvk load test: ${CLIENTS} clients × ${DURATION_S} s, batches of 1–${MAX_BATCH} events, ~${REJECT_RATE * 100}% intended rejections, ~${RETRY_RATE * 100}% retried batches, projection ${a.projection}\n`);
  const server = await startServer();
  const r = server.ready;
  process.stdout.write(`server ${r.url}, store ${db} (${r.registry} units registered)\n`);
  const t0 = performance.now();
  const deadline = Date.now() + DURATION_S * 1000;
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i, r, deadline)));
  const seconds = (performance.now() - t0) / 1000;
  const code = await server.stop();
  if (code !== 0) stats.unexpected.push(`the server exited with ${code}`);

  // nothing lost: every acknowledged event is in the log once, at its position; nothing else is
  const store = new Database(db, { readonly: true });
  const byId = store.prepare('SELECT position FROM events WHERE id = ?').pluck();
  let lost = 0;
  for (const [id, position] of acked) {
    const p = byId.get(Buffer.from(id.replace(/-/g, ''), 'hex')) as number | undefined;
    if (p !== position) {
      lost++;
      if (lost <= 5) stats.unexpected.push(`acknowledged event ${id} (position ${position}) is ${p === undefined ? 'missing' : `at ${p}`}`);
    }
  }
  const inLog = store.prepare('SELECT count(*) FROM events').pluck().get() as number;
  if (inLog !== r.registry + acked.size) stats.unexpected.push(`the log holds ${inLog} events, expected ${r.registry} + ${acked.size} acknowledged`);
  const v = new Verifier(null);
  for (const row of storedRows(store)) v.add(row);
  const verify = v.finish(null);
  if (!verify.ok) stats.unexpected.push(`the hash chain does not verify: ${verify.breakages[0]?.message}`);
  store.close();

  const L = stats.latencies;
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    settings: { clients: CLIENTS, durationS: DURATION_S, maxBatch: MAX_BATCH, rejectRate: REJECT_RATE, retryRate: RETRY_RATE, projection: a.projection },
    seconds: Number(seconds.toFixed(2)),
    requests: stats.requests,
    retriedBatches: stats.retries,
    events: stats.events,
    appended: stats.appended,
    duplicates: stats.duplicates,
    rejected: stats.rejected,
    eventsPerSecond: Math.round(stats.events / seconds),
    appendedPerSecond: Math.round(stats.appended / seconds),
    requestsPerSecond: Number((stats.requests / seconds).toFixed(1)),
    latencyMs: { p50: Math.round(pct(L, 50)), p90: Math.round(pct(L, 90)), p99: Math.round(pct(L, 99)), max: Math.round(Math.max(0, ...L)) },
    log: { events: inLog, verified: verify.ok },
    lost,
    unexpected: stats.unexpected.length,
  };
  mkdirSync(dirname(a.out!), { recursive: true });
  writeFileSync(a.out!, JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(
    [
      '',
      `  duration        ${result.seconds} s`,
      `  requests        ${result.requests} (${result.requestsPerSecond}/s), ${result.retriedBatches} of them retried batches`,
      `  events          ${result.events} (${result.eventsPerSecond}/s): ${result.appended} appended (${result.appendedPerSecond}/s), ${result.duplicates} duplicates, ${result.rejected} intended rejections`,
      `  latency (ms)    p50 ${result.latencyMs.p50} · p90 ${result.latencyMs.p90} · p99 ${result.latencyMs.p99} · max ${result.latencyMs.max}`,
      `  log             ${inLog} events, hash chain ${verify.ok ? 'verified' : 'BROKEN'}; acknowledged events missing or moved: ${lost}`,
      `  unexpected      ${stats.unexpected.length}${stats.unexpected.length ? `\n    ${stats.unexpected.slice(0, 10).join('\n    ')}` : ''}`,
      `  written to      ${a.out}`,
      '',
    ].join('\n'),
  );
  if (!a.keep) rmSync(dir, { recursive: true, force: true });
  return stats.unexpected.length === 0 && lost === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`load test failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobResult } from './jobs.js';

/**
 * `pnpm bench`: generates a deterministic history with the sample generator at a chosen scale and
 * measures, in one run and side by side, dvk against the simplest code doing the same job:
 *   import      vs raw-insert   (batched inserts of the raw lines, no unique index)
 *   replay      vs raw-replay   (sequential read + JSON.parse + a trivial per-stream fold)
 *   append-floor, replay-floor  (the least work any idempotent import / any replay with dvk's
 *                                fold must do: ceilings for the two ratios, see jobs.ts)
 *   scoring-alone               (the pure core on already-parsed events)
 *   latency                     (POST one event → changed figure readable from the API)
 *   memory                      (peak RSS of a replay at 1× and 10× the history; the worst pair of R)
 * Every job runs in a fresh process; the table (with whether each target is met) and
 * bench-results/bench.json give ratios.
 *
 *   pnpm bench [--units N] [--years Y] [--memory-units N] [--latency-samples N] [--repeat R] [--seed S]
 */
const USAGE = `pnpm bench [options]

Generates a deterministic sample history and measures dvk against the simplest code doing the same
job, side by side in one run; prints a table and writes bench-results/bench.json. Two "floor" rows
measure the least work any idempotent import, and any replay with dvk's fold, must do: the ratio
of the floor is a ceiling for the ratio of dvk's job.

Options:
  --units N            evaluated units of the main history (default 4125 = 5 districts)
  --years Y            years of history (default 5)
  --memory-units N     units of the 1× memory history; 10× is ten times this (default 825)
  --latency-samples N  single events posted for the latency figure, every 10th a model
                       registration, the others assessments (default 200)
  --repeat R           runs of each throughput pair (the best is kept) and of the memory pair
                       (the worst ratio is kept) (default 3)
  --seed S             the generator's seed (default 2016)
  -h, --help           this text
`;
const NUMBER = { type: 'string' } as const;
const OPTIONS = { units: NUMBER, years: NUMBER, 'memory-units': NUMBER, 'latency-samples': NUMBER, repeat: NUMBER, seed: NUMBER, help: { type: 'boolean', short: 'h' } } as const;
function options() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}
const values = options();
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
function num(name: Exclude<keyof typeof OPTIONS, 'help'>, dflt: number): number {
  const v = values[name];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name}: expected a whole number ≥ 1, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
}
const UNITS_PER_DISTRICT = 825;
const units = num('units', 4125);
const years = num('years', 5);
const memoryUnits = num('memory-units', UNITS_PER_DISTRICT);
const latencySamples = num('latency-samples', 200);
const repeat = num('repeat', 3);
const seed = num('seed', 2016);
const districts = (u: number) => Math.max(1, Math.round(u / UNITS_PER_DISTRICT));

const here = new URL('.', import.meta.url).pathname;
const work = join(here, '.work');
const out = join(here, '..', 'bench-results');
mkdirSync(work, { recursive: true });
mkdirSync(out, { recursive: true });

function job(name: string, ...a: string[]): JobResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'job.ts'), name, ...a], { encoding: 'utf8', maxBuffer: 1 << 26, cwd: here });
  if (r.status !== 0) throw new Error(`job ${name} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as JobResult;
}
function generate(file: string, d: number): number {
  if (!existsSync(file)) execFileSync(process.execPath, ['--import', 'tsx', join(here, '..', 'services/cli/src/main.ts'), 'generate', '--seed', String(seed), '--years', String(years), '--districts', String(d), '--out', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  return statSync(file).size;
}
const fresh = (p: string) => ['', '-wal', '-shm'].forEach((s) => rmSync(p + s, { force: true }));
/** Best of R runs (the least disturbed by a shared machine), pairs interleaved. */
function best(runs: JobResult[]): JobResult {
  return runs.reduce((a, b) => (b.eventsPerSecond > a.eventsPerSecond ? b : a));
}

const file = join(work, `history-${districts(units)}d-${years}y-s${seed}.ndjson`);
process.stderr.write(`generating ${districts(units)} district(s) × ${years} years → ${file}\n`);
generate(file, districts(units));
const db = join(work, 'dvk.sqlite');
const raw = join(work, 'raw.sqlite');

/** The events per second of a pair's latest run, for the progress lines. */
const rate = (runs: JobResult[]) => runs.at(-1)!.eventsPerSecond.toFixed(0);

const imports: JobResult[] = [];
const rawInserts: JobResult[] = [];
const appendFloors: JobResult[] = [];
for (let i = 0; i < repeat; i++) {
  fresh(raw);
  rawInserts.push(job('raw-insert', file, raw));
  fresh(raw);
  appendFloors.push(job('append-floor', file, raw));
  fresh(db);
  imports.push(job('import', file, db));
  process.stderr.write(`  import ${rate(imports)}/s, idempotent append floor ${rate(appendFloors)}/s vs raw ${rate(rawInserts)}/s\n`);
}
const replays: JobResult[] = [];
const rawReplays: JobResult[] = [];
const replayFloors: JobResult[] = [];
for (let i = 0; i < repeat; i++) {
  rawReplays.push(job('raw-replay', db));
  replayFloors.push(job('replay-floor', db));
  replays.push(job('replay', db));
  process.stderr.write(`  replay ${rate(replays)}/s, read + parse + fold floor ${rate(replayFloors)}/s vs raw ${rate(rawReplays)}/s\n`);
}
const scoring = best(Array.from({ length: repeat }, () => job('scoring-alone', file)));
const latencyDb = join(work, 'latency.sqlite');
fresh(latencyDb);
copyFileSync(db, latencyDb);
const lat = job('latency', latencyDb, String(latencySamples));

// Memory: replays of 1× and 10× the history (in units), each in its own process.
const mem1File = join(work, `history-${districts(memoryUnits)}d-${years}y-s${seed}.ndjson`);
const mem10File = join(work, `history-${districts(memoryUnits) * 10}d-${years}y-s${seed}.ndjson`);
generate(mem1File, districts(memoryUnits));
generate(mem10File, districts(memoryUnits) * 10);
const mem1Db = join(work, 'mem1.sqlite');
const mem10Db = join(work, 'mem10.sqlite');
fresh(mem1Db);
fresh(mem10Db);
job('import', mem1File, mem1Db);
job('import', mem10File, mem10Db);
// The pair is run `repeat` times, interleaved; its ratio moves with garbage collection, so the
// table shows the worst pair (the target must hold for it), bench.json every pair.
const memoryPairs = Array.from({ length: repeat }, () => {
  const one = job('replay', mem1Db);
  const ten = job('replay', mem10Db);
  process.stderr.write(`  replay peak RSS ${ten.maxRssMb.toFixed(0)} MB at 10× vs ${one.maxRssMb.toFixed(0)} MB at 1×: ${(ten.maxRssMb / one.maxRssMb).toFixed(2)}×\n`);
  return { one, ten, ratio: ten.maxRssMb / one.maxRssMb };
});
const { one: mem1, ten: mem10 } = memoryPairs.reduce((a, b) => (b.ratio > a.ratio ? b : a));

const imp = best(imports), rawIns = best(rawInserts), rep = best(replays), rawRep = best(rawReplays);
const appendFloor = best(appendFloors), replayFloor = best(replayFloors);
const ratios = {
  import: per(imp, rawIns),
  replay: per(rep, rawRep),
  memory10x: mem10.maxRssMb / mem1.maxRssMb,
  appendFloor: per(appendFloor, rawIns),
  replayFloor: per(replayFloor, rawRep),
};
const met = (ok: boolean) => (ok ? 'yes' : 'NO');
const rows: [string, string, string, string, string][] = [
  ['figure', 'value', 'ratio to the limit', 'target', 'met'],
  ['raw insert (limit)', `${fmt(rawIns.eventsPerSecond)} ev/s`, '1', '', ''],
  ['floor: idempotent append alone (parse, hash, unique id index)', `${fmt(appendFloor.eventsPerSecond)} ev/s`, ratios.appendFloor.toFixed(2), '', ''],
  ['dvk import (idempotent, hash-chained, projections up to date)', `${fmt(imp.eventsPerSecond)} ev/s`, ratios.import.toFixed(2), '≥ 0.4', met(ratios.import >= 0.4)],
  ['raw read + parse + fold (limit)', `${fmt(rawRep.eventsPerSecond)} ev/s`, '1', '', ''],
  ['floor: read + parse + dvk\'s fold (no scoring, no writes)', `${fmt(replayFloor.eventsPerSecond)} ev/s`, ratios.replayFloor.toFixed(2), '', ''],
  ['dvk replay (rebuild + every year\'s reports)', `${fmt(rep.eventsPerSecond)} ev/s`, ratios.replay.toFixed(2), '≥ 0.6', met(ratios.replay >= 0.6)],
  ['scoring alone (pure core, parsed events)', `${fmt(scoring.eventsPerSecond)} ev/s`, ratio(scoring, rawRep), '', ''],
  ['latency POST → figure in API, p50', `${lat.extra!.p50Ms!.toString().slice(0, 6)} ms`, '', '', ''],
  ['latency POST → figure in API, p99', `${String(lat.extra!.p99Ms).slice(0, 6)} ms`, '', '≤ 1000 ms', met((lat.extra!.p99Ms as number) <= 1000)],
  ['latency, model registrations (every 10th sample), max', msOrNone((lat.extra!.modelRegistrations as { maxMs: number | null }).maxMs), '', '', ''],
  [`replay peak RSS at 1× (${mem1.events} events)`, `${mem1.maxRssMb.toFixed(0)} MB`, '', '', ''],
  [
    `replay peak RSS at 10× (${mem10.events} events), worst of ${repeat}`,
    `${mem10.maxRssMb.toFixed(0)} MB`,
    ratios.memory10x.toFixed(2) + ' × 1×',
    '≤ 1.5',
    met(ratios.memory10x <= 1.5),
  ],
];
function msOrNone(ms: number | null): string {
  return ms === null ? '— (fewer than 10 samples)' : `${String(ms).slice(0, 6)} ms`;
}
function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
function per(a: JobResult, b: JobResult): number {
  return a.eventsPerSecond / b.eventsPerSecond;
}
function ratio(a: JobResult, b: JobResult): string {
  return per(a, b).toFixed(2);
}
const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
const table = rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
process.stdout.write(`\n${table}\n`);
const result = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  scale: { units, districts: districts(units), years, events: imp.events, memoryUnits },
  runs: { imports, rawInserts, appendFloors, replays, rawReplays, replayFloors, memoryPairs },
  best: { import: imp, rawInsert: rawIns, appendFloor, replay: rep, rawReplay: rawRep, replayFloor, scoringAlone: scoring, latency: lat, memory1x: mem1, memory10x: mem10 },
  ratios,
  table: rows,
};
writeFileSync(join(out, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
process.stderr.write(`\nwritten to ${join(out, 'bench.json')}\n`);

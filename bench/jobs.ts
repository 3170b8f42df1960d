import { hash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { parseEnvelopeText, streamOf, type Envelope, type RecordedEvent } from '@dvk/contracts';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { importStream } from '@dvk/ingestion';
import { ScoringProjection, catchUp, rebuild, readModelQueries } from '@dvk/projections';
import { buildContext, defaultRulebook, evaluateYear, evolve, initialState, rulebookSet, scorecardView, yearReport, yearsOf } from '@dvk/scoring';

/**
 * The measured jobs of `pnpm bench`. Each runs in a fresh process (bench/job.ts) and prints one
 * JSON line: how many events, how long, the peak RSS. Jobs come in pairs — dvk's way and the
 * simplest possible code doing the same work on the same machine — so ratios can be read even
 * on a noisy shared machine.
 */
export interface JobResult {
  job: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  maxRssMb: number;
  extra?: Record<string, unknown>;
}

const log = pino({ level: 'silent' });
const rss = () => process.resourceUsage().maxRSS / 1024;
const done = (job: string, events: number, t0: number, extra?: Record<string, unknown>): JobResult => {
  const seconds = (performance.now() - t0) / 1000;
  return { job, events, seconds, eventsPerSecond: events / seconds, maxRssMb: rss(), extra };
};

const BATCH = 5000;
/** dvk import's transaction size (importStream's default chunk). */
const IMPORT_CHUNK = 20_000;

/** Feeds the file's non-empty lines to `tx` in batches of `size`; how many lines. */
async function inBatches(file: string, size: number, tx: (lines: string[]) => void): Promise<number> {
  let batch: string[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, { highWaterMark: 1 << 20 }), crlfDelay: Infinity })) {
    if (!line) continue;
    batch.push(line);
    if (batch.length === size) {
      tx(batch);
      n += batch.length;
      batch = [];
    }
  }
  tx(batch);
  return n + batch.length;
}

/** A store file with dvk's durability: WAL, every commit synced. */
function rawStore(db: string): Database.Database {
  const conn = new Database(db);
  conn.pragma('journal_mode = WAL');
  conn.pragma('synchronous = FULL');
  return conn;
}

/** The limit of appending: batched inserts of the raw lines, no unique index, no parsing. */
export async function rawInsert(file: string, db: string): Promise<JobResult> {
  const conn = rawStore(db);
  conn.exec('CREATE TABLE raw (position INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const ins = conn.prepare('INSERT INTO raw(body) VALUES (?)');
  const tx = conn.transaction((rows: string[]) => {
    for (const r of rows) ins.run(r);
  });
  const t0 = performance.now();
  const n = await inBatches(file, BATCH, tx);
  conn.close();
  return done('raw-insert', n, t0);
}

/**
 * The floor of any idempotent append: only what idempotency by a unique index on the event ids
 * cannot do without — parse each line (for its id), hash it, insert it under a unique index on the
 * 16-byte id — in transactions of dvk's import size. No validation, canonical JSON, hash chain,
 * stream revisions, dead letters or projections: dvk's import does all of these on top.
 */
export async function appendFloor(file: string, db: string): Promise<JobResult> {
  const conn = rawStore(db);
  conn.exec('CREATE TABLE raw (position INTEGER PRIMARY KEY, id BLOB NOT NULL, body TEXT NOT NULL, hash BLOB NOT NULL); CREATE UNIQUE INDEX raw_id ON raw(id)');
  const ins = conn.prepare('INSERT INTO raw(id, body, hash) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING');
  let unparsable = 0;
  const tx = conn.transaction((rows: string[]) => {
    for (const r of rows) {
      let id: unknown;
      try {
        id = (JSON.parse(r) as { id?: unknown }).id;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string') {
        unparsable++;
        continue;
      }
      ins.run(Buffer.from(id.replace(/-/g, ''), 'hex'), r, hash('sha256', r, 'buffer'));
    }
  });
  const t0 = performance.now();
  const n = await inBatches(file, IMPORT_CHUNK, tx);
  conn.close();
  return done('append-floor', n, t0, { unparsable });
}

/** dvk import: parse, validate, authorise, idempotent hash-chained append, dead letters, projections kept up to date. */
export async function dvkImport(file: string, db: string): Promise<JobResult> {
  const store = openSqliteEventStore({ path: db });
  const projection = new ScoringProjection({ db: store.db, rulebooks: rulebookSet([defaultRulebook()]), log });
  projection.load();
  const t0 = performance.now();
  let since = 0;
  let last = 0;
  const r = await importStream(store, createReadStream(file, { highWaterMark: 1 << 20 }), {
    ref: 'bench.ndjson',
    afterChunk: async (s) => {
      since += s.appended - last;
      last = s.appended;
      if (since >= 500_000) {
        since = 0;
        await catchUp(store, projection);
      }
    },
  });
  if (E.isLeft(r)) throw new Error(r.left.message);
  const c = await catchUp(store, projection);
  if (E.isLeft(c)) throw new Error(c.left.message);
  const res = done('import', r.right.lines, t0, { appended: r.right.appended, rejected: r.right.rejected, fileMb: statSync(file).size / 1e6 });
  await store.close();
  return res;
}

/** The limit of replaying: sequential read, JSON.parse, a trivial per-stream fold. */
export async function rawReplay(db: string): Promise<JobResult> {
  const conn = new Database(db, { readonly: true });
  const t0 = performance.now();
  const perStream = new Map<number, number>();
  let n = 0;
  for (const [stream, body] of conn.prepare('SELECT sid, body FROM events ORDER BY position').raw().iterate() as Iterable<[number, string]>) {
    const e = JSON.parse(body) as { type: string };
    perStream.set(stream, (perStream.get(stream) ?? 0) + (e.type.length > 0 ? 1 : 0));
    n++;
  }
  conn.close();
  return done('raw-replay', n, t0, { streams: perStream.size });
}

/**
 * The floor of any replay that folds with dvk's rules: the raw replay's sequential read and
 * JSON.parse, then dvk's own fold (`evolve`) into one in-memory state — no evaluation, ranks,
 * reports, explanations or writes, none of which a rebuild can skip.
 */
export async function replayFloor(db: string): Promise<JobResult> {
  const conn = new Database(db, { readonly: true });
  const names = new Map(conn.prepare('SELECT sid, stream FROM streams').raw().all() as [number, string][]);
  const t0 = performance.now();
  const s = initialState();
  for (const [position, sid, revision, body] of conn.prepare('SELECT position, sid, revision, body FROM events ORDER BY position').raw().iterate() as Iterable<[number, number, number, string]>) {
    evolve(s, { position, stream: names.get(sid)!, revision, event: JSON.parse(body) as Envelope });
  }
  conn.close();
  return done('replay-floor', s.events, t0, { units: s.units.size });
}

/** dvk rebuild: the whole read model from zero (every year's scoresheets, reports, rankings, rejected facts). */
export async function dvkReplay(db: string): Promise<JobResult> {
  const store = openSqliteEventStore({ path: db });
  const projection = new ScoringProjection({ db: store.db, rulebooks: rulebookSet([defaultRulebook()]), log });
  const t0 = performance.now();
  const r = await rebuild(store, projection);
  if (E.isLeft(r)) throw new Error(r.left.message);
  const years = readModelQueries(store.db).years().length;
  const res = done('replay', r.right.position, t0, { years });
  await store.close();
  return res;
}

/** The pure core alone: fold already-parsed events and evaluate every year, in memory. */
export async function scoringAlone(file: string): Promise<JobResult> {
  const recs: RecordedEvent[] = [];
  const revs = new Map<string, number>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = parseEnvelopeText(line);
    if (E.isLeft(r)) continue;
    const stream = streamOf(r.right);
    const rev = revs.get(stream) ?? 0;
    revs.set(stream, rev + 1);
    recs.push({ position: recs.length + 1, stream, revision: rev, event: r.right });
  }
  const rb = defaultRulebook();
  const t0 = performance.now();
  const s = initialState();
  for (const r of recs) evolve(s, r);
  const tFold = performance.now();
  const ctx = buildContext(s);
  let cards = 0;
  for (const y of yearsOf(s, ctx)) {
    const ev = evaluateYear(s, rb, y, ctx);
    yearReport(ev);
    for (const c of ev.cards) scorecardView(c, rb);
    cards += ev.cards.length;
  }
  return done('scoring-alone', recs.length, t0, { foldSeconds: (tFold - t0) / 1000, evaluateSeconds: (performance.now() - tFold) / 1000, scorecards: cards });
}

export const JOBS: Record<string, (args: string[]) => Promise<JobResult>> = {
  'raw-insert': ([file, db]) => rawInsert(file!, db!),
  import: ([file, db]) => dvkImport(file!, db!),
  'raw-replay': ([db]) => rawReplay(db!),
  replay: ([db]) => dvkReplay(db!),
  'scoring-alone': ([file]) => scoringAlone(file!),
  'append-floor': ([file, db]) => appendFloor(file!, db!),
  'replay-floor': ([db]) => replayFloor(db!),
};

/**
 * Latency on the embedded default: POST one event to the ingest API, then poll the read API
 * until the changed figure is readable; repeated, p50/p99. The store is a copy of an imported one.
 * Every 10th sample is a model registration (3.5 % of the generated history's events), the
 * costliest event a commit re-scores without re-scoring everyone: a model the unit recognised
 * before it was registered (set up untimed), whose registration then shows in the unit's models
 * criterion. The others are assessments: a new A1 value.
 */
export async function latency(db: string, samples: number): Promise<JobResult> {
  const { openApp, serve, makeLogger } = await import('@dvk/svc-cli');
  const { SourceRegistry } = await import('@dvk/ingestion');
  const log = makeLogger({ logLevel: 'error' });
  const app = openApp({ db }, log);
  const token = new SourceRegistry(app.store.db).add(`bench-${Date.now()}`, { units: '*', descendants: false, kinds: '*', types: '*' });
  const source = (app.store.db.prepare('SELECT name FROM sources ORDER BY created_at DESC LIMIT 1').get() as { name: string }).name;
  const s = await serve(app, log, { port: 0, host: '127.0.0.1' });
  const year = app.queries.years().at(-1)!.year;
  const unit = app.queries.report(year)!.units.find((u) => u.list === 'dvk_candidates' && u.complete)!.unitId;
  const run = `${Date.now() % 1e6}`.padStart(6, '0');
  let seq = 0;
  const post = async (type: string, data: Record<string, unknown>): Promise<{ position: number; start: number }> => {
    const id = `0000beef-0000-4000-8000-${run}${String(seq++).padStart(6, '0')}`;
    const body = JSON.stringify({ id, type, schemaVersion: 1, source, occurredAt: `${year}-06-05T09:00:00+07:00`, data });
    const start = performance.now();
    const r = await fetch(`${s.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
    const answer = (await r.json()) as { appended: number; results: { position?: number }[] };
    if (r.status !== 200 || answer.appended !== 1) throw new Error(`POST /v1/events ${type}: ${r.status} ${JSON.stringify(answer)}`);
    return { position: answer.results[0]!.position!, start };
  };
  type Card = { scorecard: { criteria: { id: string; source: string; points: number | null; used: { position: number }[] }[] } };
  const until = async (what: string, start: number, ok: (c: Card) => boolean): Promise<void> => {
    for (;;) {
      const c = (await (await fetch(`${s.url}/v1/years/${year}/units/${unit}`)).json()) as Card;
      if (ok(c)) return;
      if (performance.now() - start > 10_000) throw new Error(`${what} not readable for ${unit} in ${year} 10 s after the POST`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const times: number[] = [];
  const byType: Record<string, number[]> = { CriterionAssessed: [], ModelRegistered: [] };
  const t0 = performance.now();
  for (let i = 0; i < samples; i++) {
    if (i % 10 === 9) {
      const modelId = `mh-bench-${run}-${i}`;
      const before = await post('ModelRecognized', { unitId: unit, modelId, year, level: 'commune' });
      await until('the recognition', before.start, () => app.queries.checkpoint()!.position >= before.position);
      const { position, start } = await post('ModelRegistered', { unitId: unit, modelId, title: 'Mô hình đo độ trễ', field: 'other', registeredAt: `${year}-06-05T09:00:00+07:00` });
      await until('the model registration', start, (c) => c.scorecard.criteria.some((k) => k.source === 'models' && k.used.some((u) => u.position === position)));
      times.push(performance.now() - start);
      byType.ModelRegistered!.push(times.at(-1)!);
    } else {
      const points = (500 + (i % 1400)) / 100; // a new A1 value every time, two decimals exactly
      const { start } = await post('CriterionAssessed', { unitId: unit, year, criterionId: 'A1', points, role: 'official', assessorId: 'bench' });
      await until('the assessment', start, (c) => c.scorecard.criteria.find((k) => k.id === 'A1')!.points === points);
      times.push(performance.now() - start);
      byType.CriterionAssessed!.push(times.at(-1)!);
    }
  }
  await s.stop();
  const q = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  };
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : null);
  return done('latency', samples, t0, {
    p50Ms: q(times, 0.5),
    p90Ms: q(times, 0.9),
    p99Ms: q(times, 0.99),
    maxMs: max(times),
    assessments: { n: byType.CriterionAssessed!.length, p50Ms: q(byType.CriterionAssessed!, 0.5), maxMs: max(byType.CriterionAssessed!) },
    modelRegistrations: { n: byType.ModelRegistered!.length, p50Ms: byType.ModelRegistered!.length ? q(byType.ModelRegistered!, 0.5) : null, maxMs: max(byType.ModelRegistered!) },
  });
}

JOBS.latency = ([db, n]) => latency(db!, Number(n ?? 200));

import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { Verifier } from '@dvk/audit';
import { CORE_MESSAGES, type Msg } from '@dvk/contracts';
import { openSqliteEventStore, storedRows } from '@dvk/event-store-sqlite';
import { ScoringProjection, readModelQueries, rebuild, rulebooksInForce } from '@dvk/projections';
import { generateLines } from '@dvk/sample';
import { ENTRY, startChild, tempDir, type InputSpec } from './harness.js';

/**
 * The oracle: an uninterrupted `dvk import` of the same input in a fresh store is the reference
 * (its events, their order in each stream, its reports, its rejected facts, its dead letters),
 * and `checkStore` holds a crashed-and-restarted store to it:
 *
 * - every event sent is in the log exactly once (no id missing, none twice, none extra), each
 *   stream holding the reference's events in the reference's order;
 * - the hash chain verifies (what `dvk verify` runs: `Verifier` over `storedRows`);
 * - every bad line is a dead letter exactly once;
 * - the read model is at the end of the log and equals, table by table, a rebuild from zero of
 *   a copy of the same store;
 * - the reports of every year equal the reference's byte for byte, and so do the rejected facts
 *   (positions read as event ids, since log positions may legitimately differ across paths).
 */

export interface Reference {
  spec: InputSpec;
  /** The input file (NDJSON) and its lines. */
  file: string;
  lines: string[];
  /** Ids of the events appended, in log order. */
  ids: string[];
  idsByStream: Map<string, string[]>;
  /** Canonical JSON of every year's report. */
  reports: Map<number, string>;
  /** Rejected facts, positions replaced by event ids, sorted. */
  rejected: string[];
  deadLetters: number;
  /** How long the uninterrupted `dvk import` took (ms), start-up included. */
  importMs: number;
  cleanup(): void;
}

const silent = pino({ level: 'silent' });
type Db = ReturnType<typeof openSqliteEventStore>['db'];

const blobToUuid = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** The source an NDJSON line declares, when it can be read (bad lines too). */
export function declaredSource(line: string): string | null {
  return /"source"\s*:\s*"([^"]+)"/.exec(line)?.[1] ?? null;
}

interface LogView {
  ids: string[];
  idsByStream: Map<string, string[]>;
  idAt: Map<number, string>;
  rows: number;
  duplicateIds: { id: string; n: number }[];
}

function readLog(db: Db): LogView {
  const streams = new Map<number, string>();
  for (const r of db.prepare('SELECT sid, stream FROM streams').raw().all() as [number, string][]) streams.set(r[0], r[1]);
  const ids: string[] = [];
  const idsByStream = new Map<string, string[]>();
  const idAt = new Map<number, string>();
  for (const [position, id, sid] of db.prepare('SELECT position, id, sid FROM events ORDER BY position').raw().iterate() as Iterable<[number, Buffer, number]>) {
    const u = blobToUuid(id);
    ids.push(u);
    idAt.set(position, u);
    const s = streams.get(sid) ?? `?${sid}`;
    let l = idsByStream.get(s);
    if (!l) idsByStream.set(s, (l = []));
    l.push(u);
  }
  // The unique index makes this impossible; the check says so rather than assuming it.
  const duplicateIds = (db.prepare('SELECT id, count(*) AS n FROM events GROUP BY id HAVING count(*) > 1').all() as { id: Buffer; n: number }[]).map((r) => ({
    id: blobToUuid(r.id),
    n: r.n,
  }));
  return { ids, idsByStream, idAt, rows: ids.length, duplicateIds };
}

function rejectedFacts(db: Db, idAt: Map<number, string>): string[] {
  const at = (p: number) => idAt.get(p) ?? `position ${p}?`;
  return readModelQueries(db)
    .rejected()
    .map((r) => JSON.stringify([at(r.position), r.unitId, r.stream, r.type, r.year, r.code, positionsAsIds(r.reason, at)]))
    .sort();
}

/** A message with the log positions it names replaced by event ids (positions differ between runs). */
function positionsAsIds(m: Msg, at: (p: number) => string): unknown {
  const spec: Record<string, string> = (CORE_MESSAGES as Record<string, Record<string, string>>)[m.code] ?? {};
  const params = Object.fromEntries(
    Object.entries(m.params).map(([k, v]) => [
      k,
      spec[k] === 'position' ? at(v as number) : spec[k] === 'msgs' ? (v as Msg[]).map((x) => positionsAsIds(x, at)) : v,
    ]),
  );
  return { code: m.code, params };
}

function reportsOf(db: Db): Map<number, string> {
  const q = readModelQueries(db);
  return new Map(q.years().map((y) => [y.year, q.reportJson(y.year)!]));
}

/** Generates the input and runs the uninterrupted reference import (a child `dvk import`). */
export async function makeReference(spec: InputSpec): Promise<Reference> {
  const tmp = tempDir('dvk-crash-ref-');
  const lines = [...generateLines({ seed: spec.seed, years: spec.years })];
  const file = tmp.file(`sample-${spec.seed}-${spec.years}y.ndjson`);
  writeFileSync(file, lines.join('\n') + '\n');
  const db = tmp.file('reference.sqlite');
  const child = startChild(ENTRY.cli, ['--db', db, 'import', '--json', file], {}, null, 'reference import');
  const exit = await child.exited;
  if (exit.code !== 0) {
    tmp.cleanup();
    throw new Error(`the reference import failed (${exit.signal ?? exit.code})\n${child.tail()}`);
  }
  const store = openSqliteEventStore({ path: db });
  try {
    const log = readLog(store.db);
    const deadLetters = (store.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
    return {
      spec,
      file,
      lines,
      ids: log.ids,
      idsByStream: log.idsByStream,
      reports: reportsOf(store.db),
      rejected: rejectedFacts(store.db, log.idAt),
      deadLetters,
      importMs: exit.ms,
      cleanup: tmp.cleanup,
    };
  } finally {
    await store.close();
  }
}

/** The rebuildable read model, table by table: the columns compared with a rebuild from zero. */
const COMPARED: Record<string, string> = {
  rm_checkpoints: 'name, position, events, rulebooks',
  rm_unit_facts: 'unit_id, facts',
  rm_model_facts: 'model_id, facts',
  rm_closures: 'position, year, closed_at',
  // `position` (the log position a year's figures were last written at) is left out: an
  // incremental commit leaves an unchanged year at the position of its last change, a rebuild
  // writes every year at the head. Every figure is compared.
  rm_years: 'year, report, rules, report_digest, kpi_explain, rulebook_id, rulebook_version, rulebook_hash, closed_position',
  rm_scorecards: 'year, unit_id, list, kind, total, complete, card',
  rm_unit_years: 'year, unit_id, packed',
  rm_ranks: 'year, unit_id, rank, rank_rule, titles, title_rules',
  rm_ranking_content: 'year, list, content, digest',
  rm_rejected: 'position, unit_id, stream, type, year, code, reason',
  rm_units: 'unit_id, kind, name, name_norm, parent_id, registered_from, ended',
};

export interface CheckResult {
  events: number;
  lost: number;
  doubled: number;
  extra: number;
  deadLetters: number;
  problems: string[];
}

/**
 * Holds a store (no process writing to it any more) to the reference. `deadLetters`: whether the
 * path records the input's bad lines (import, HTTP, Kafka do; the scoring path's writer does not).
 */
export async function checkStore(dbPath: string, ref: Reference, o: { deadLetters: boolean }): Promise<CheckResult> {
  const problems: string[] = [];
  const store = openSqliteEventStore({ path: dbPath });
  const tmp = tempDir('dvk-crash-rebuild-');
  try {
    const db = store.db;
    // 1. Exactly once, in stream order.
    const log = readLog(db);
    const got = new Set(log.ids);
    const want = new Set(ref.ids);
    const lost = ref.ids.filter((id) => !got.has(id));
    const extra = log.ids.filter((id) => !want.has(id));
    const doubled = log.rows - got.size + log.duplicateIds.reduce((s, d) => s + d.n - 1, 0);
    if (lost.length) problems.push(`${lost.length} event(s) lost, e.g. ${lost.slice(0, 3).join(', ')}`);
    if (doubled) problems.push(`${doubled} event(s) doubled: ${JSON.stringify(log.duplicateIds.slice(0, 3))}`);
    if (extra.length) problems.push(`${extra.length} event(s) in the log that were never sent, e.g. ${extra.slice(0, 3).join(', ')}`);
    if (!lost.length && !extra.length)
      for (const [stream, ids] of ref.idsByStream) {
        const mine = log.idsByStream.get(stream) ?? [];
        if (mine.join() !== ids.join()) {
          problems.push(`stream ${stream}: its events are not in the reference's order`);
          break;
        }
      }

    // 2. The hash chain (dvk verify).
    const v = new Verifier(null);
    for (const row of storedRows(db)) v.add(row);
    const verified = v.finish(store.streamHeads());
    if (!verified.ok) problems.push(`dvk verify fails: ${verified.breakages.slice(0, 3).map((b) => b.message).join('; ')}`);

    // 3. Dead letters: each bad line once.
    const deadLetters = (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
    if (o.deadLetters && deadLetters !== ref.deadLetters) problems.push(`${deadLetters} dead letters, the reference has ${ref.deadLetters}`);

    // 4. The read model is at the end of the log.
    const head = (db.prepare('SELECT coalesce(max(position), 0) AS p FROM events').get() as { p: number }).p;
    const cp = readModelQueries(db).checkpoint('scoring');
    if (!cp || cp.position !== head) problems.push(`the read model's checkpoint is at ${cp?.position ?? 'none'}, the log's head at ${head}`);

    // 5. Reports and rejected facts equal the reference's.
    const reports = reportsOf(db);
    if ([...reports.keys()].join() !== [...ref.reports.keys()].join()) problems.push(`years ${[...reports.keys()].join()} differ from the reference's ${[...ref.reports.keys()].join()}`);
    for (const [year, json] of ref.reports) if (reports.get(year) !== json) problems.push(`the report of ${year} differs from the uninterrupted run's`);
    const rejected = rejectedFacts(db, log.idAt);
    if (rejected.join('\n') !== ref.rejected.join('\n')) problems.push(`rejected facts differ from the reference's (${rejected.length} vs ${ref.rejected.length})`);

    // 6. The read model equals a rebuild from zero (of a copy of this very store).
    const copy = tmp.file('rebuilt.sqlite');
    db.exec(`VACUUM INTO '${copy.replace(/'/g, "''")}'`);
    const c = openSqliteEventStore({ path: copy });
    try {
      const proj = new ScoringProjection({ db: c.db, rulebooks: rulebooksInForce(c.db), log: silent });
      const r = await rebuild(c, proj);
      if (r._tag === 'Left') problems.push(`the rebuild failed: ${r.left.message}`);
    } finally {
      await c.close();
    }
    db.exec(`ATTACH DATABASE '${copy.replace(/'/g, "''")}' AS rebuilt`);
    try {
      for (const [table, cols] of Object.entries(COMPARED)) {
        const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
        const onlyHere = count(`SELECT count(*) AS n FROM (SELECT ${cols} FROM main.${table} EXCEPT SELECT ${cols} FROM rebuilt.${table})`);
        const onlyThere = count(`SELECT count(*) AS n FROM (SELECT ${cols} FROM rebuilt.${table} EXCEPT SELECT ${cols} FROM main.${table})`);
        if (onlyHere || onlyThere) problems.push(`${table}: ${onlyHere} row(s) differ from the rebuild's (${onlyThere} rebuilt row(s) not found)`);
      }
    } finally {
      db.exec('DETACH DATABASE rebuilt');
    }
    return { events: log.rows, lost: lost.length, doubled, extra: extra.length, deadLetters, problems };
  } finally {
    await store.close();
    tmp.cleanup();
  }
}

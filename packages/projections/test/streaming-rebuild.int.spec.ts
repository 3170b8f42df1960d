import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { parseEnvelopeText, type Envelope } from '@dvk/contracts';
import { openSqliteEventStore, type SqliteEventStore } from '@dvk/event-store-sqlite';
import { generateLines } from '@dvk/sample';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { READ_MODEL_TABLES, ScoringProjection, catchUp, readModelQueries, rebuild } from '../src/index.js';
import { buildStreams, envelope, historyArb, interleave } from './histories.js';

/**
 * The streaming rebuild (stream by stream, never the whole fold state in memory) against the
 * rebuild that folds the log in order and writes everything at the end, and against a read model
 * kept up to date commit by commit: every table of the read model, byte for byte.
 */

const log = pino({ level: 'silent' });
const rulebooks = rulebookSet([defaultRulebook()]);

async function storeOf(events: Envelope[]): Promise<SqliteEventStore> {
  const store = openSqliteEventStore({ path: ':memory:' });
  for (let i = 0; i < events.length; i += 5000) {
    const r = await store.appendMany(events.slice(i, i + 5000));
    if (E.isLeft(r)) throw new Error(r.left.message);
  }
  return store;
}

/** The sample district's valid events (its intended bad lines left out). */
function sampleEvents(seed: number, years: number): Envelope[] {
  const events: Envelope[] = [];
  for (const line of generateLines({ seed, years })) {
    const r = parseEnvelopeText(line);
    if (E.isRight(r)) events.push(r.right);
  }
  return events;
}

/** Every rebuildable table, rows in key order; `positions: false` leaves out the log position a year was last written at. */
function dump(store: SqliteEventStore, positions = true): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of READ_MODEL_TABLES) {
    const cols = (store.db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).filter(
      (c) => c !== 'updated_at' && (positions || !(c === 'position' && (t === 'rm_years' || t === 'rm_ranking_content'))),
    );
    out[t] = store.db.prepare(`SELECT ${cols.join(', ')} FROM ${t} ORDER BY ${cols.map((_, i) => i + 1).join(', ')}`).raw().all();
  }
  return out;
}

/** The rebuild of a store that cannot stream: the log folded in order, page by page, written at the end. */
function inOrderRebuild(store: SqliteEventStore, proj: ScoringProjection): void {
  proj.beginRebuild();
  for (;;) {
    const page = store.readRecordedPageSync(proj.position, 1000);
    if (page.length === 0) break;
    proj.fold(page);
  }
  proj.commitRebuild();
}

async function compare(events: Envelope[], incremental: number | null): Promise<void> {
  const store = await storeOf(events);
  try {
    const proj = new ScoringProjection({ db: store.db, rulebooks, log, now: () => 'now' });
    inOrderRebuild(store, proj);
    const inOrder = dump(store);
    const r = await rebuild(store, proj);
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(dump(store)).toEqual(inOrder);
    // The projection reloads its state from what the streaming rebuild wrote and goes on from there.
    expect(proj.position).toBe(r.right.position);
    if (incremental !== null) {
      const other = openSqliteEventStore({ path: ':memory:' });
      const inc = new ScoringProjection({ db: other.db, rulebooks, log, now: () => 'now' });
      for (let i = 0; i < events.length; i += incremental) {
        const a = await other.appendMany(events.slice(i, i + incremental));
        if (E.isLeft(a)) throw new Error(a.left.message);
        const c = await catchUp(other, inc);
        if (E.isLeft(c)) throw new Error(c.left.message);
      }
      expect(dump(other, false)).toEqual(dump(store, false));
      await other.close();
    }
  } finally {
    await store.close();
  }
}

describe('streaming rebuild', () => {
  it('writes the same read model as the in-order rebuild and as commits along the log, for random histories with cross-stream races (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.integer({ min: 1, max: 60 }), async ({ units, close, a }, every) => {
        await compare(interleave(buildStreams(units, close, true), a), every);
      }),
      { numRuns: 60 },
    );
  });

  it('commits that re-score only the changed unit-years re-score the owner of a model recognised in another stream', async () => {
    // u1 registers a model and is merged into u2 from 2017; u2 then recognises the model for 2016,
    // in its own stream: it counts for u1, which still owns the model at the end of 2016.
    const unit = (unitId: string) => envelope('UnitRegistered', { unitId, kind: 'commune_party', name: `Xã ${unitId}`, effectiveFrom: '2016-01-01' });
    const events = [
      unit('u1'),
      unit('u2'),
      envelope('ModelRegistered', { unitId: 'u1', modelId: 'm', title: 'Mô hình', field: 'other', registeredAt: '2016-03-01T08:00:00+07:00' }),
      ...['A1', 'A2', 'A7'].map((criterionId) => envelope('CriterionAssessed', { unitId: 'u1', year: 2016, criterionId, points: 5, role: 'official', assessorId: 'bdv' })),
      envelope('UnitsMerged', { unitId: 'u2', sourceUnitIds: ['u1'], effectiveFrom: '2017-01-01' }),
      envelope('ModelRecognized', { unitId: 'u2', modelId: 'm', year: 2016, level: 'province' }),
    ];
    await compare(events, 1);
    const store = await storeOf(events);
    const proj = new ScoringProjection({ db: store.db, rulebooks, log });
    await rebuild(store, proj);
    const card = readModelQueries(store.db).scorecard(2016, 'u1')!;
    expect(card.criteria.find((c) => c.source === 'models')!.points).toBeGreaterThan(0); // the recognition counts for u1
    await store.close();
  });

  it('a model registered after other units spoke of it: its commit re-scores the owner from the year of its date and rewrites those units\' rejected facts', async () => {
    // u2 recognises and u3 revokes u1's model before u1 registers it (dated 2017): the
    // recognition is an unknown model's until then, then counts for u1 in 2017 (not in 2016:
    // not registered by its end); u3's revocation is then refused as not the owner's.
    const unit = (unitId: string) => envelope('UnitRegistered', { unitId, kind: 'commune_party', name: `Xã ${unitId}`, effectiveFrom: '2016-01-01' });
    const sheet = (unitId: string, year: number) =>
      ['A1', 'A2', 'A7'].map((criterionId) => envelope('CriterionAssessed', { unitId, year, criterionId, points: 5, role: 'official', assessorId: 'bdv' }));
    const events = [
      unit('u1'),
      unit('u2'),
      unit('u3'),
      ...sheet('u1', 2016),
      ...sheet('u1', 2017),
      ...sheet('u2', 2017),
      envelope('ModelRecognized', { unitId: 'u1', modelId: 'm', year: 2016, level: 'province' }),
      envelope('ModelRecognized', { unitId: 'u1', modelId: 'm', year: 2017, level: 'commune' }),
      envelope('ModelRecognized', { unitId: 'u2', modelId: 'm', year: 2017, level: 'province' }),
      envelope('ModelRevoked', { unitId: 'u3', modelId: 'm', revokedAt: '2017-05-01T08:00:00+07:00', reason: 'thôi' }),
      envelope('ModelRegistered', { unitId: 'u1', modelId: 'm', title: 'Mô hình', field: 'other', registeredAt: '2017-03-01T08:00:00+07:00' }),
    ];
    await compare(events, 1);
    const store = await storeOf(events.slice(0, -1));
    const proj = new ScoringProjection({ db: store.db, rulebooks, log });
    await catchUp(store, proj);
    const q = readModelQueries(store.db);
    const codes = () => q.rejected().map((r) => `${r.unitId} ${r.type} ${r.code}`).sort();
    expect(codes()).toEqual(['u1 ModelRecognized unknown_model', 'u1 ModelRecognized unknown_model', 'u2 ModelRecognized unknown_model', 'u3 ModelRevoked unknown_model']);
    const written2016 = store.db.prepare('SELECT position FROM rm_years WHERE year = 2016').pluck().get();
    await store.appendMany(events.slice(-1));
    await catchUp(store, proj);
    const models = (year: number) => q.scorecard(year, 'u1')!.criteria.find((c) => c.source === 'models')!.points;
    expect(models(2016)).toBe(0);
    expect(models(2017)).toBeGreaterThan(0);
    expect(codes()).toEqual(['u2 ModelRecognized model_not_owned', 'u3 ModelRevoked model_not_owned']);
    // 2016 is left as it was: the model was not registered by its end.
    expect(store.db.prepare('SELECT position FROM rm_years WHERE year = 2016').pluck().get()).toBe(written2016);
    await store.close();
  });

  it('a rename: its commit re-scores the unit from the year it takes effect, and its index entry', async () => {
    const sheet = (year: number) =>
      ['A1', 'A2', 'A7'].map((criterionId) => envelope('CriterionAssessed', { unitId: 'u1', year, criterionId, points: 5, role: 'official', assessorId: 'bdv' }));
    const events = [
      envelope('UnitRegistered', { unitId: 'u1', kind: 'commune_party', name: 'Xã Cũ', effectiveFrom: '2016-01-01' }),
      envelope('UnitRegistered', { unitId: 'u2', kind: 'commune_party', name: 'Xã Bên', effectiveFrom: '2016-01-01' }),
      ...sheet(2016),
      ...sheet(2017),
      ...sheet(2018),
      envelope('UnitRenamed', { unitId: 'u1', name: 'Xã Mới', effectiveFrom: '2017-03-01' }),
    ];
    await compare(events, 1);
    const store = await storeOf(events.slice(0, -1));
    const proj = new ScoringProjection({ db: store.db, rulebooks, log });
    await catchUp(store, proj);
    const written2016 = store.db.prepare('SELECT position FROM rm_years WHERE year = 2016').pluck().get();
    await store.appendMany(events.slice(-1));
    await catchUp(store, proj);
    const q = readModelQueries(store.db);
    expect([2016, 2017, 2018].map((y) => q.scorecard(y, 'u1')!.name)).toEqual(['Xã Cũ', 'Xã Mới', 'Xã Mới']);
    expect(q.unit('u1')!.name).toBe('Xã Mới');
    expect(q.searchUnits('xa moi').map((u) => u.unitId)).toEqual(['u1']);
    expect(store.db.prepare('SELECT position FROM rm_years WHERE year = 2016').pluck().get()).toBe(written2016); // left as it was
    await store.close();
  });

  it('writes the same read model as the in-order rebuild for the sample district (merges, models, bad events, closed years)', async () => {
    const events = sampleEvents(7, 3);
    await compare(events, null);
  });

  it('a first catch-up streams, unless another writer started the read model meanwhile: then it writes nothing and goes on from there', async () => {
    const events = sampleEvents(5, 2);
    const store = await storeOf(events);
    const head = store.db.prepare('SELECT max(position) FROM events').pluck().get() as number;
    const late = new ScoringProjection({ db: store.db, rulebooks, log, now: () => 'late' });
    expect(late.committedPosition).toBe(0); // loaded: an empty read model
    const first = new ScoringProjection({ db: store.db, rulebooks, log, now: () => 'first' });
    const a = await catchUp(store, first);
    expect(a).toEqual(E.right(head));
    const written = dump(store);
    const b = await catchUp(store, late);
    expect(b).toEqual(E.right(head));
    expect(dump(store)).toEqual(written);
    expect(store.db.prepare("SELECT updated_at FROM rm_checkpoints WHERE name = 'scoring'").pluck().get()).toBe('first'); // not rewritten
    await store.close();
  });

  it('leaves the database to other writers while it reads the log, and takes the write lock only to write the read model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvk-rebuild-lock-'));
    try {
      const store = openSqliteEventStore({ path: join(dir, 'dvk.sqlite') });
      const events = sampleEvents(3, 1);
      for (let i = 0; i < events.length; i += 5000) {
        const a = await store.appendMany(events.slice(i, i + 5000));
        if (E.isLeft(a)) throw new Error(a.left.message);
      }
      const streams = store.db.prepare('SELECT count(*) FROM streams').pluck().get() as number;
      const other = new Database(join(dir, 'dvk.sqlite'));
      other.pragma('busy_timeout = 0');
      other.exec('CREATE TABLE probe (n INTEGER)');
      const outcomes: ('wrote' | 'busy')[] = [];
      const proj = new ScoringProjection({ db: store.db, rulebooks, log });
      // Progress is reported once per stream read (step 1), then once per unit scored (step 2).
      const r = await rebuild(store, proj, {
        onProgress: () => {
          try {
            other.prepare('INSERT INTO probe(n) VALUES (?)').run(outcomes.length);
            outcomes.push('wrote');
          } catch (e) {
            expect((e as { code?: string }).code).toBe('SQLITE_BUSY');
            outcomes.push('busy');
          }
        },
      });
      if (E.isLeft(r)) throw new Error(r.left.message);
      expect(outcomes.slice(0, streams).every((o) => o === 'wrote')).toBe(true);
      expect(outcomes.slice(streams, -1).every((o) => o === 'busy')).toBe(true);
      expect(outcomes.slice(streams, -1).length).toBeGreaterThan(0);
      expect(outcomes.at(-1)).toBe('wrote'); // after the commit
      other.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is what a store that reads stream by stream gets, and the read model answers the same', async () => {
    const events = sampleEvents(11, 2);
    const store = await storeOf(events);
    const proj = new ScoringProjection({ db: store.db, rulebooks, log });
    const progress: number[] = [];
    const r = await rebuild(store, proj, { onProgress: (p) => progress.push(p.position) });
    if (E.isLeft(r)) throw new Error(r.left.message);
    const head = store.db.prepare('SELECT max(position) FROM events').pluck().get() as number;
    expect(r.right.position).toBe(head);
    expect(progress.at(-1)).toBe(head);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress); // never goes back
    const q = readModelQueries(store.db);
    const year = q.years().at(-1)!.year;
    const unit = q.report(year)!.units.find((u) => u.rank === 1)!;
    const card = q.scorecard(year, unit.unitId)!;
    expect(card.rank).toBe(1);
    expect(card.rankRule.code).toBe('rule.rank');
    expect(card.rankComputation).toEqual({ code: 'calc.rank', params: { rank: 1, total: Math.round(card.total * 100) } });
    expect(card.titles).toEqual(unit.titles);
    expect(card.criteria.map((c) => c.rule.code)).toEqual(card.criteria.map((c) => `rule.${c.source}`));
    expect(card.criteria.every((c) => c.rule.params.text !== null)).toBe(true); // the default rulebook words every rule
    await store.close();
  });
});

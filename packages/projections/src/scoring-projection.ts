import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { RANK_LISTS, canonicalJson, formatDay, msg, type Msg, type RecordedEvent } from '@dvk/contracts';
import { stripRules, type YearRules } from './card-rules.js';
import { sha256HexNode } from '@dvk/audit';
import { crashPoint } from '@dvk/event-store';
import {
  buildContext,
  emptyUnit,
  evaluateUnitYear,
  evolve,
  finishYear,
  k6Owners,
  initialState,
  kpiView,
  packUnitYear,
  modelsOwnedAtEndOf,
  rankingContent,
  rejectedFactsOfUnit,
  roll,
  scorecardView,
  takeChanges,
  yearReport,
  yearsOf,
  type Changes,
  type Context,
  type ModelFacts,
  type RankedCard,
  type Rulebook,
  type RulebookSet,
  type ScoringState,
  type UnitFacts,
  type PackedUnitYear,
  type UnitYear,
  type YearEvaluation,
  unitYearUnpacker,
} from '@dvk/scoring';
import { collectGarbage } from './gc.js';
import { READ_MODEL_TABLES, ensureReadModel, normalizeName } from './read-model.js';

/**
 * The scoring projection: folds the log into the core's state, and writes the results of every
 * year whose figures may have changed — scoresheets with explanations, reports, KPIs, ranking
 * contents, rejected facts — with the checkpoint, in one transaction.
 *
 * `fold` only changes memory; `commit` writes. A failed commit leaves the database as it was and
 * marks the in-memory state stale: it is reloaded before the next use.
 */
/** digestOf's `sha256:<hex>` of a canonical JSON string already made, with Node's hashing (the same bytes, faster than the core's pure-JS hash). */
const sha256Digest = (canonical: string): string => `sha256:${sha256HexNode(canonical)}`;

export interface ScoringProjectionOptions {
  db: Database.Database;
  rulebooks: RulebookSet;
  log: Logger;
  /** Checkpoint name (default `scoring`). */
  name?: string;
  /** The clock for `updated_at` (not part of any result). */
  now?: () => string;
}

export interface CommitSummary {
  position: number;
  years: number[];
  units: number;
  durationMs: number;
  /** Another writer had moved the checkpoint: nothing was written, the state was reloaded. */
  conflict?: boolean;
}

export class ScoringProjection {
  readonly db: Database.Database;
  readonly rulebooks: RulebookSet;
  readonly name: string;
  private readonly log: Logger;
  private readonly now: () => string;
  private state: ScoringState = initialState();
  private committed = 0;
  private stale = true;
  /** The connection's page cache size while a rebuild runs with a small one. */
  private cacheSize: number | undefined;
  private readonly q;

  constructor(opts: ScoringProjectionOptions) {
    this.db = opts.db;
    this.rulebooks = opts.rulebooks;
    this.name = opts.name ?? 'scoring';
    this.log = opts.log.child({ component: 'scoring-projection' });
    this.now = opts.now ?? (() => new Date().toISOString());
    ensureReadModel(this.db);
    const db = this.db;
    this.q = {
      checkpoint: db.prepare<[string], { position: number; events: number; rulebooks: string }>(
        'SELECT position, events, rulebooks FROM rm_checkpoints WHERE name = ?',
      ),
      setCheckpoint: db.prepare(
        'INSERT INTO rm_checkpoints(name, position, events, rulebooks, updated_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT(name) DO UPDATE SET position = excluded.position, events = excluded.events, rulebooks = excluded.rulebooks, updated_at = excluded.updated_at',
      ),
      units: db.prepare<[], { facts: string }>('SELECT facts FROM rm_unit_facts'),
      models: db.prepare<[], { facts: string }>('SELECT facts FROM rm_model_facts'),
      closures: db.prepare<[], { position: number; year: number; closed_at: number }>('SELECT position, year, closed_at FROM rm_closures ORDER BY position'),
      putUnit: db.prepare('INSERT INTO rm_unit_facts(unit_id, facts) VALUES (?, ?) ON CONFLICT(unit_id) DO UPDATE SET facts = excluded.facts'),
      putModel: db.prepare('INSERT INTO rm_model_facts(model_id, facts) VALUES (?, ?) ON CONFLICT(model_id) DO UPDATE SET facts = excluded.facts'),
      putClosure: db.prepare('INSERT OR IGNORE INTO rm_closures(position, year, closed_at) VALUES (?, ?, ?)'),
      putYear: db.prepare(
        'INSERT INTO rm_years(year, report, rules, report_digest, kpi_explain, rulebook_id, rulebook_version, rulebook_hash, position, closed_position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT(year) DO UPDATE SET report = excluded.report, rules = excluded.rules, report_digest = excluded.report_digest, kpi_explain = excluded.kpi_explain, ' +
          'rulebook_id = excluded.rulebook_id, rulebook_version = excluded.rulebook_version, rulebook_hash = excluded.rulebook_hash, position = excluded.position, closed_position = excluded.closed_position',
      ),
      delCards: db.prepare('DELETE FROM rm_scorecards WHERE year = ?'),
      delCard: db.prepare('DELETE FROM rm_scorecards WHERE year = ? AND unit_id = ?'),
      putUnitYear: db.prepare('INSERT OR REPLACE INTO rm_unit_years(year, unit_id, packed) VALUES (?, ?, ?)'),
      delUnitYears: db.prepare('DELETE FROM rm_unit_years WHERE year = ?'),
      unitYears: db.prepare<[number], { unit_id: string; packed: string }>('SELECT unit_id, packed FROM rm_unit_years WHERE year = ?'),
      countUnitYears: db.prepare<[number], number>('SELECT count(*) FROM rm_unit_years WHERE year = ?').pluck(),
      yearRules: db.prepare<[number], string>('SELECT rules FROM rm_years WHERE year = ?').pluck(),
      putCard: db.prepare('INSERT INTO rm_scorecards(year, unit_id, list, kind, total, complete, card) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      delRanks: db.prepare('DELETE FROM rm_ranks WHERE year = ?'),
      putRank: db.prepare('INSERT INTO rm_ranks(year, unit_id, rank, rank_rule, titles, title_rules) VALUES (?, ?, ?, ?, ?, ?)'),
      putContent: db.prepare(
        'INSERT INTO rm_ranking_content(year, list, content, digest, position) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT(year, list) DO UPDATE SET content = excluded.content, digest = excluded.digest, position = excluded.position',
      ),
      delRejected: db.prepare('DELETE FROM rm_rejected WHERE unit_id = ?'),
      delAllRejected: db.prepare('DELETE FROM rm_rejected'),
      putRejected: db.prepare('INSERT OR REPLACE INTO rm_rejected(position, unit_id, stream, type, year, code, reason) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      putUnitIndex: db.prepare(
        'INSERT INTO rm_units(unit_id, kind, name, name_norm, parent_id, registered_from, ended) VALUES (?, ?, ?, ?, ?, ?, ?) ' +
          'ON CONFLICT(unit_id) DO UPDATE SET kind = excluded.kind, name = excluded.name, name_norm = excluded.name_norm, parent_id = excluded.parent_id, registered_from = excluded.registered_from, ended = excluded.ended',
      ),
      delUnitIndex: db.prepare('DELETE FROM rm_units WHERE unit_id = ?'),
    };
  }

  /** Position of the last event folded in (committed or not). */
  get position(): number {
    this.ensureLoaded();
    return this.state.position;
  }
  /** Position of the last committed event. */
  get committedPosition(): number {
    this.ensureLoaded();
    return this.committed;
  }
  /** The in-memory state (read-only use: replays, explanations). */
  get current(): ScoringState {
    this.ensureLoaded();
    return this.state;
  }

  /**
   * Loads the checkpoint and the fold state. When the read model was built under another set of
   * rulebooks, returns 'rebuild-needed' and starts from an empty state.
   */
  load(): 'resumed' | 'empty' | 'rebuild-needed' {
    const cp = this.q.checkpoint.get(this.name);
    this.state = initialState();
    this.committed = 0;
    this.stale = false;
    if (!cp) return 'empty';
    if (cp.rulebooks !== this.rulebooks.hash) {
      this.log.warn({ stored: cp.rulebooks, configured: this.rulebooks.hash }, 'the read model was built under other rulebooks: it must be rebuilt');
      return 'rebuild-needed';
    }
    for (const r of this.q.units.all()) {
      const u = JSON.parse(r.facts) as UnitFacts;
      this.state.units.set(u.id, u);
    }
    for (const r of this.q.models.all()) {
      const m = JSON.parse(r.facts) as ModelFacts;
      this.state.models.set(m.id, m);
    }
    this.state.closures = this.q.closures.all().map((c) => ({ p: c.position, year: c.year, at: c.closed_at }));
    this.state.position = cp.position;
    this.state.events = cp.events;
    takeChanges(this.state);
    this.committed = cp.position;
    this.log.info({ position: cp.position, units: this.state.units.size }, 'resumed from the checkpoint');
    return 'resumed';
  }

  private ensureLoaded(): void {
    if (this.stale) this.load();
  }

  /** Folds events into memory (no write). Events at or before the position are skipped. */
  fold(batch: readonly RecordedEvent[]): void {
    this.ensureLoaded();
    for (const r of batch) evolve(this.state, r);
  }

  /**
   * Writes the changes folded in since the last commit, their results and the checkpoint.
   * Another writer of the same read model (a `dvk` command while the service runs) may have
   * committed in between: then nothing is written, the state is reloaded from that writer's
   * checkpoint, and the summary says `conflict` — the caller simply reads on from there.
   */
  commit(): CommitSummary {
    this.ensureLoaded();
    const t0 = performance.now();
    const changes = takeChanges(this.state);
    try {
      const years = this.db
        .transaction(() => {
          const cp = this.q.checkpoint.get(this.name);
          if ((cp?.position ?? 0) !== this.committed || (cp && cp.rulebooks !== this.rulebooks.hash)) return null;
          return this.write(changes, false);
        })
        .immediate();
      crashPoint('projection.committed');
      if (years === null) {
        this.log.info({ ours: this.committed }, 'the read model was updated by another writer; reloading');
        this.load();
        return { position: this.state.position, years: [], units: 0, durationMs: performance.now() - t0, conflict: true };
      }
      this.committed = this.state.position;
      return { position: this.state.position, years, units: changes.units.size, durationMs: performance.now() - t0 };
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  /** Starts over from an empty state (nothing is written until `commitRebuild`). */
  beginRebuild(): void {
    // A rebuild reads the log once, in order, and writes the read model once: a large page cache
    // buys nothing there and would hold up to its size in memory (restored by commitRebuild).
    if (this.cacheSize === undefined) this.cacheSize = this.db.pragma('cache_size', { simple: true }) as number;
    this.db.pragma('cache_size = -8192');
    this.state = initialState();
    this.committed = 0;
    this.stale = false;
  }

  /** Replaces the whole read model by the results of the folded state, in one transaction. */
  commitRebuild(): CommitSummary {
    const t0 = performance.now();
    const changes = takeChanges(this.state);
    try {
      const years = this.db
        .transaction(() => {
          for (const t of READ_MODEL_TABLES) this.db.exec(`DELETE FROM ${t}`);
          return this.write(changes, true);
        })
        .immediate();
      this.committed = this.state.position;
      return { position: this.state.position, years, units: this.state.units.size, durationMs: performance.now() - t0 };
    } catch (err) {
      this.stale = true;
      throw err;
    } finally {
      if (this.cacheSize !== undefined) this.db.pragma(`cache_size = ${this.cacheSize}`);
      this.cacheSize = undefined;
    }
  }

  /**
   * Rebuilds the whole read model from the log read stream by stream — `streams` yields every
   * stream's events in stream order, up to one log position, streams in the order of their first
   * event — with the same results as folding the log in order and `commitRebuild` (a test holds
   * the two to each other), but without ever holding the whole fold state: memory grows with the
   * number of units and models, not of events. The read model is replaced in one transaction.
   *
   * 1. Each stream is folded alone; its unit's facts are set aside in a temporary table, and only
   *    what the whole-log decisions need is kept: registrations, renames, merges, dissolutions,
   *    the years it names, and the facts of every model (put back in log order afterwards). This
   *    step writes nothing to the database file: it runs before the write transaction, so other
   *    writers (ingest) wait only for steps 2 and 3.
   * 2. With the context of the whole log, unit by unit: its facts are read back, each year of the
   *    roll it is on is scored, the explained scoresheet and a packed line without explanations
   *    written (rm_unit_years); its rejected facts and index entry written.
   * 3. Year by year: ranks, titles, KPIs, report and ranking contents from the packed lines.
   *
   * The in-memory state is not loaded: the next use of the projection loads it from the read model.
   * With `ifEmpty` (a first catch-up), nothing is written when another writer has committed a
   * checkpoint meanwhile: the summary says `conflict`, and the caller catches up from there.
   */
  rebuildFromStreams(streams: Iterable<readonly RecordedEvent[]>, opts: { onProgress?: (done: number) => void; ifEmpty?: boolean } = {}): CommitSummary {
    const t0 = performance.now();
    this.beginRebuild();
    // The units' facts wait in a temporary table, not in memory: its page cache is kept small (it
    // would be 16 MiB), so they go to its file.
    const tempCache = this.db.pragma('temp.cache_size', { simple: true }) as number;
    this.db.pragma('temp.cache_size = -1024');
    let done = 0;
    const progress = () => opts.onProgress?.(++done);
    try {
      this.db.exec(
        'CREATE TEMP TABLE IF NOT EXISTS rebuild_unit_facts (unit_id TEXT PRIMARY KEY, facts TEXT NOT NULL) WITHOUT ROWID; DELETE FROM temp.rebuild_unit_facts',
      );
      // Step 1 reads the log in one snapshot and writes only the temporary tables.
      const g = this.db.transaction(() => this.foldStreams(streams, progress))();
      const years = this.db
        .transaction(() => {
          if (opts.ifEmpty && this.q.checkpoint.get(this.name)) return null;
          for (const t of READ_MODEL_TABLES) this.db.exec(`DELETE FROM ${t}`);
          this.db.exec('INSERT INTO rm_unit_facts(unit_id, facts) SELECT unit_id, facts FROM temp.rebuild_unit_facts');
          for (const m of g.models.values()) this.q.putModel.run(m.id, JSON.stringify(m));
          for (const c of g.closures) this.q.putClosure.run(c.p, c.year, c.at);
          crashPoint('projection.tx');
          // Each step's leftovers are collected before the next (gc.ts): the peak stays that of one step.
          collectGarbage();
          const plans = this.scoreUnits(g, progress);
          collectGarbage();
          crashPoint('projection.tx');
          this.finishYears(g, plans);
          this.q.setCheckpoint.run(this.name, g.position, g.events, this.rulebooks.hash, this.now());
          return plans.years.map((y) => y.year);
        })
        .immediate();
      crashPoint('projection.committed');
      if (years === null) {
        this.log.info('the read model was started by another writer; catching up from its checkpoint');
        return { position: 0, years: [], units: 0, durationMs: performance.now() - t0, conflict: true };
      }
      this.committed = g.position;
      return { position: g.position, years, units: g.units.size, durationMs: performance.now() - t0 };
    } finally {
      // The fold state was never held whole: it is loaded from the read model when next needed.
      this.stale = true;
      this.db.exec('DROP TABLE IF EXISTS temp.rebuild_unit_facts');
      this.db.pragma(`temp.cache_size = ${tempCache}`);
      if (this.cacheSize !== undefined) this.db.pragma(`cache_size = ${this.cacheSize}`);
      this.cacheSize = undefined;
    }
  }

  /** Step 1 of `rebuildFromStreams`: folds each stream alone, sets its unit's facts aside (temp.rebuild_unit_facts), keeps what the whole-log decisions need. */
  private foldStreams(streams: Iterable<readonly RecordedEvent[]>, progress: () => void): ScoringState {
    const g = initialState();
    const modelOrder = new Map<string, number>();
    const putFacts = this.db.prepare('INSERT INTO temp.rebuild_unit_facts(unit_id, facts) VALUES (?, ?)');
    for (const events of streams) {
      const s = initialState();
      for (const r of events) evolve(s, r);
      g.events += s.events;
      if (s.position > g.position) g.position = s.position;
      for (const c of s.closures) g.closures.push(c);
      for (const [id, u] of s.units) {
        if (g.units.has(id)) throw new Error(`rebuild: the facts of unit ${id} come from more than one stream`);
        putFacts.run(id, JSON.stringify(u));
        g.units.set(id, registryFacts(u));
      }
      for (const [id, m] of s.models) {
        compactModel(m);
        const first = Math.min(...[...m.regs, ...m.recognitions, ...m.revocations].map((x) => x.p));
        const into = g.models.get(id);
        if (!into) {
          g.models.set(id, m);
          modelOrder.set(id, first);
        } else {
          into.regs.push(...m.regs);
          into.recognitions.push(...m.recognitions);
          into.revocations.push(...m.revocations);
          modelOrder.set(id, Math.min(modelOrder.get(id)!, first));
        }
      }
      progress();
      // A stream's rows and fold are garbage once set aside; see the note in scoreUnits.
      collectGarbage();
    }
    // Models and closures as a fold in log order has them: by first event, facts by position.
    const byP = (a: { p: number }, b: { p: number }) => a.p - b.p;
    g.closures.sort(byP);
    g.models = new Map([...g.models.values()].sort((a, b) => modelOrder.get(a.id)! - modelOrder.get(b.id)!).map((m) => [m.id, m]));
    for (const m of g.models.values()) {
      m.regs.sort(byP);
      m.recognitions.sort(byP);
      m.revocations.sort(byP);
    }
    return g;
  }

  /**
   * Step 2: unit by unit, every year of the roll it is on: the explained scoresheet written, a
   * packed line written (rm_unit_years); rejected facts and index entry written.
   */
  private scoreUnits(g: ScoringState, progress: () => void) {
    const ctx = buildContext(g);
    // Units by their order in g.units; each year's roll index of each (-1: not on the roll).
    const unitIndex = new Map<string, number>();
    for (const id of g.units.keys()) unitIndex.set(id, unitIndex.size);
    const years = yearsOf(g, ctx).map((year) => {
      const onRoll = roll(ctx, year);
      const rollIndex = new Int32Array(unitIndex.size).fill(-1);
      onRoll.forEach((id, i) => (rollIndex[unitIndex.get(id)!] = i));
      const owned = modelsOwnedAtEndOf(ctx, year);
      return { year, rb: this.rulebooks.forYear(year), onRoll, rollIndex, owned, modelOwners: k6Owners(ctx, year, owned), rules: {} as YearRules };
    });
    const rulebookFor = (y: number) => this.rulebooks.forYear(y);
    const factsOf = this.db.prepare<[string], string>('SELECT facts FROM temp.rebuild_unit_facts WHERE unit_id = ?').pluck();
    for (const [id, k] of unitIndex) {
      const u = JSON.parse(factsOf.get(id)!) as UnitFacts;
      for (const y of years) {
        const i = y.rollIndex[k]!;
        if (i < 0) continue;
        this.scoreUnitYear(ctx, y.rb, u, y.year, y.owned.get(id) ?? [], y.rules);
      }
      for (const f of rejectedFactsOfUnit(ctx, rulebookFor, u)) this.q.putRejected.run(f.position, f.unitId, f.stream, f.type, f.year, f.code, JSON.stringify(f.reason));
      this.writeUnitIndex(ctx, u);
      progress();
      // A unit's facts, cards and rows are garbage once written, but V8 may pretenure them (move
      // allocations that often survive a scavenge straight to the old generation), and then lets
      // that generation grow to several times its live size: a 10-year 10× replay peaked at
      // 400 MB instead of 205 MB in about a third of the runs. The check is a heap-size read;
      // a collection happens only past the budget.
      collectGarbage();
    }
    // The year-level step reads only the registrations: the models and what each unit owned go.
    g.models.clear();
    for (const y of years) y.owned.clear();
    return { reg: { reg: ctx.reg }, years };
  }

  /** Step 3: year by year, from the packed lines: ranks and titles, the report, KPIs and ranking contents. */
  private finishYears(g: ScoringState, plans: ReturnType<ScoringProjection['scoreUnits']>): void {
    for (const y of plans.years) {
      const units = this.unpackYear(plans.reg, y.rb, y.year, rollIndexOf(y.onRoll), new Array(y.onRoll.length));
      if (!units) throw new Error(`rebuild: a unit on the roll of ${y.year} was not scored`);
      this.putYear(finishYear(plans.reg, y.rb, y.year, y.onRoll, units, y.modelOwners), y.rules, g);
      collectGarbage();
    }
  }

  private write(changes: Changes, everything: boolean): number[] {
    const s = this.state;
    const unitIds = everything ? [...s.units.keys()] : [...changes.units].filter((id) => s.units.has(id));
    const modelIds = everything ? [...s.models.keys()] : [...changes.models].filter((id) => s.models.has(id));
    for (const id of unitIds) this.q.putUnit.run(id, JSON.stringify(s.units.get(id)));
    for (const id of modelIds) this.q.putModel.run(id, JSON.stringify(s.models.get(id)));
    for (const c of s.closures) this.q.putClosure.run(c.p, c.year, c.at);
    crashPoint('projection.tx');

    const ctx = buildContext(s);
    const allYears = yearsOf(s, ctx);
    const full = everything || changes.allYears;
    const from = changes.fromYear ?? Infinity;
    const years = full ? allYears : allYears.filter((y) => changes.years.has(y) || y >= from);
    for (const y of years) this.writeYear(ctx, y, full ? null : changes);

    // Rejected facts and the unit index depend on the whole log: a registration, merge or
    // dissolution may change them for any unit. Otherwise the index changes only with a unit's own
    // facts (a rename), and rejected facts also for the units that spoke of a changed model (which
    // registration counts decides whether their recognitions and revocations do).
    const rejectFor = full ? [...s.units.keys()] : [...unitsSpeakingOf(s, unitIds, modelIds)];
    if (full) this.q.delAllRejected.run();
    const rulebookFor = (y: number) => this.rulebooks.forYear(y);
    for (const id of rejectFor) {
      if (!full) this.q.delRejected.run(id);
      for (const f of rejectedFactsOfUnit(ctx, rulebookFor, s.units.get(id)!))
        this.q.putRejected.run(f.position, f.unitId, f.stream, f.type, f.year, f.code, JSON.stringify(f.reason));
    }
    for (const id of full ? rejectFor : unitIds) this.writeUnitIndex(ctx, s.units.get(id)!);

    crashPoint('projection.tx');
    this.q.setCheckpoint.run(this.name, s.position, s.events, this.rulebooks.hash, this.now());
    this.log.debug({ position: s.position, years, units: unitIds.length }, 'committed');
    return years;
  }

  /**
   * Writes a year: every unit on its roll scored (`changes` null), or only the units `changes`
   * can have changed — those whose facts changed, and the owners at the end of the year of the
   * models whose facts changed (a model's events may come from another unit's stream) — the
   * others' packed lines read back (rm_unit_years). Then the year-level step: ranks, titles,
   * KPIs, report and ranking contents. Registrations, merges and dissolutions set `allYears`
   * (they can change any unit's results and the rolls): their commits score every unit, as does
   * a year whose lines are not all there. A model registration or revocation changes only its
   * model: from the year of its date on (`fromYear`), that model's year-end owner is re-scored —
   * it owned the model before the event too, or nobody did, since the first registration by a
   * registered unit wins and a revocation does not move ownership. A rename changes only its
   * unit's name, from the year it takes effect on.
   */
  private writeYear(ctx: Context, year: number, changes: Changes | null): void {
    const s = this.state;
    const rb = this.rulebooks.forYear(year);
    const onRoll = roll(ctx, year);
    const owned = modelsOwnedAtEndOf(ctx, year);
    const score = (id: string, rules: YearRules) => this.scoreUnitYear(ctx, rb, s.units.get(id)!, year, owned.get(id) ?? [], rules);
    let units: UnitYear[] | null = null;
    let rules: YearRules = {};
    if (changes && this.q.countUnitYears.get(year) === onRoll.length) {
      const stored = this.q.yearRules.get(year);
      rules = stored ? (JSON.parse(stored) as YearRules) : {};
      const again = new Set(changes.units);
      if (changes.models.size > 0) for (const [owner, ids] of owned) if (ids.some((m) => changes.models.has(m))) again.add(owner);
      const at = rollIndexOf(onRoll);
      const fresh: UnitYear[] = new Array(onRoll.length);
      for (const id of again) {
        const i = at.get(id);
        if (i === undefined) continue;
        this.q.delCard.run(year, id);
        fresh[i] = score(id, rules);
      }
      units = this.unpackYear(ctx, rb, year, at, fresh);
    }
    if (!units) {
      this.q.delCards.run(year);
      this.q.delUnitYears.run(year);
      rules = {};
      units = onRoll.map((id) => score(id, rules));
    }
    this.q.delRanks.run(year);
    this.putYear(finishYear(ctx, rb, year, onRoll, units, k6Owners(ctx, year, owned)), rules, s);
  }

  /** Scores a unit on the roll of a year: its explained scoresheet and its packed line written, its card's rule texts collected into `rules`. */
  private scoreUnitYear(ctx: Context, rb: Rulebook, u: UnitFacts, year: number, owned: readonly string[], rules: YearRules): UnitYear {
    const uy = evaluateUnitYear(ctx, rb, u, year, owned);
    if (uy.card) this.putCard(uy.card, rb, rules);
    this.q.putUnitYear.run(year, u.id, JSON.stringify(packUnitYear(uy)));
    return uy;
  }

  /**
   * Fills the unit-years of a roll (`at`: each unit's index on it) not given in `units` from their
   * packed lines (lean cards, no explanations); null when a unit on the roll has none.
   */
  private unpackYear(ctx: Pick<Context, 'reg'>, rb: Rulebook, year: number, at: ReadonlyMap<string, number>, units: UnitYear[]): UnitYear[] | null {
    const unpack = unitYearUnpacker(ctx, rb, year);
    for (const r of this.q.unitYears.iterate(year)) {
      const i = at.get(r.unit_id);
      if (i !== undefined && units[i] === undefined) units[i] = unpack(r.unit_id, JSON.parse(r.packed) as PackedUnitYear);
    }
    for (let i = 0; i < at.size; i++) if (units[i] === undefined) return null;
    return units;
  }

  /**
   * Writes the explained scoresheet of a card, but its rank and titles (they depend on the whole
   * list: `putYear` writes them), and collects its rules into the year's `rules`: they are the
   * same for every unit of the year under its rulebook, kept once in rm_years.rules and put back
   * when a card is read (`readModelQueries`).
   */
  private putCard(c: RankedCard, rb: Rulebook, rules: YearRules): void {
    const v = scorecardView(c, rb);
    this.q.putCard.run(c.year, c.unitId, c.list.id, c.kind, c.totalH / 100, c.complete ? 1 : 0, JSON.stringify(stripRules(v, rules)));
  }

  /** Writes what a year's evaluation says beyond the scoresheets: ranks and titles, the report, the KPIs' explanations, the ranking contents. */
  private putYear(ev: YearEvaluation, rules: YearRules, s: ScoringState): void {
    const { year, rulebook: rb } = ev;
    for (const c of ev.cards) this.q.putRank.run(year, c.unitId, c.rank, JSON.stringify(c.rankRule), JSON.stringify(c.titles), JSON.stringify(c.titleRules));
    const reportJson = canonicalJson(yearReport(ev));
    const closure = s.closures.find((c) => c.year === year);
    this.q.putYear.run(
      year,
      reportJson,
      canonicalJson(rules),
      sha256Digest(reportJson),
      JSON.stringify(ev.kpis.map(kpiView)),
      rb.ref.id,
      rb.ref.version,
      rb.ref.hash,
      s.position,
      closure ? closure.p : null,
    );
    for (const list of RANK_LISTS) {
      if (!rb.lists.some((l) => l.id === list)) continue;
      const json = canonicalJson(rankingContent(ev, list));
      this.q.putContent.run(year, list, json, sha256Digest(json), s.position);
    }
  }

  private writeUnitIndex(ctx: Context, u: UnitFacts): void {
    const id = u.id;
    const reg = ctx.reg.get(id);
    if (!reg) {
      this.q.delUnitIndex.run(id);
      return;
    }
    let name = reg.name;
    let from = -Infinity;
    for (const r of u.renames) if (r.from >= from) ((from = r.from), (name = r.name));
    const diss = u.dissolutions.length ? Math.min(...u.dissolutions.map((d) => d.from)) : null;
    const merge = ctx.mergedInto.get(id);
    const ended: Msg | null =
      merge && (diss === null || merge.from <= diss)
        ? msg('unit.merged', { target: merge.target, from: formatDay(merge.from) })
        : diss !== null
          ? msg('unit.dissolved', { from: formatDay(diss) })
          : null;
    this.q.putUnitIndex.run(id, reg.kind, name, normalizeName(name), reg.parentId, formatDay(reg.from), ended && JSON.stringify(ended));
  }
}

/** The units given, and the units whose streams spoke of the models given (registered, recognised or revoked them). */
function unitsSpeakingOf(s: ScoringState, unitIds: readonly string[], modelIds: readonly string[]): Set<string> {
  const out = new Set(unitIds);
  for (const id of modelIds) {
    const m = s.models.get(id)!;
    for (const x of [...m.regs, ...m.recognitions, ...m.revocations]) if (s.units.has(x.unit)) out.add(x.unit);
  }
  return out;
}

/** Each unit's index on a roll. */
const rollIndexOf = (onRoll: readonly string[]) => new Map(onRoll.map((id, i) => [id, i]));

/**
 * What the whole-log decisions (the context, the roll, the years) need of a unit's facts; the
 * other facts are left empty (shared, frozen). Arrays grown by push have room for more: kept ones
 * are copied to their size (`slice`).
 */
function registryFacts(u: UnitFacts): UnitFacts {
  const fit = <T>(xs: T[], none: T[]) => (xs.length ? xs.slice() : none);
  return {
    ...NO_FACTS,
    id: u.id,
    regs: fit(u.regs, NO_FACTS.regs),
    renames: fit(u.renames, NO_FACTS.renames),
    merges: fit(u.merges, NO_FACTS.merges),
    dissolutions: fit(u.dissolutions, NO_FACTS.dissolutions),
    years: fit(u.years, NO_FACTS.years),
  };
}

/**
 * A streaming rebuild holds every model's facts: the facts folded from one stream name one unit,
 * that stream's, of which parsing gave each event its own copy (one is kept), and arrays grown by
 * push are copied to their size.
 */
function compactModel(m: ModelFacts): void {
  const unit = m.regs[0]?.unit ?? m.recognitions[0]?.unit ?? m.revocations[0]?.unit;
  for (const x of m.regs) if (x.unit === unit) x.unit = unit;
  for (const x of m.recognitions) if (x.unit === unit) x.unit = unit;
  for (const x of m.revocations) if (x.unit === unit) x.unit = unit;
  m.regs = m.regs.slice();
  m.recognitions = m.recognitions.slice();
  m.revocations = m.revocations.slice();
}
const NO_FACTS: UnitFacts = (() => {
  const u = emptyUnit('');
  for (const v of Object.values(u)) if (typeof v === 'object') Object.freeze(v);
  return u;
})();

import type Database from 'better-sqlite3';

/**
 * The read model: SQLite tables prefixed `rm_`. In the embedded default they live in the same
 * file as the event store; with EventStoreDB, in a file of their own. Every table is written
 * together with the checkpoint, in one transaction.
 */
export const READ_MODEL_SCHEMA = `
CREATE TABLE IF NOT EXISTS rm_checkpoints (
  name        TEXT PRIMARY KEY,
  position    INTEGER NOT NULL,
  events      INTEGER NOT NULL,
  rulebooks   TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) WITHOUT ROWID;
-- The fold state, per unit and per model, so that a restart resumes from the checkpoint.
CREATE TABLE IF NOT EXISTS rm_unit_facts (unit_id TEXT PRIMARY KEY, facts TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_model_facts (model_id TEXT PRIMARY KEY, facts TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_closures (position INTEGER PRIMARY KEY, year INTEGER NOT NULL, closed_at INTEGER NOT NULL);
-- Results.
CREATE TABLE IF NOT EXISTS rm_years (
  year            INTEGER PRIMARY KEY,
  report          TEXT NOT NULL,   -- canonical JSON of the YearReport (dvk report --json)
  rules           TEXT NOT NULL,   -- JSON: the rules (messages) every scorecard of the year quotes, stored once
  report_digest   TEXT NOT NULL,
  kpi_explain     TEXT NOT NULL,   -- JSON: rule and computation (messages), counted and denominator units of every KPI
  rulebook_id     TEXT NOT NULL,
  rulebook_version INTEGER NOT NULL,
  rulebook_hash   TEXT NOT NULL,
  position        INTEGER NOT NULL, -- log position the figures reflect
  closed_position INTEGER           -- position of the year's first YearClosed, if any
);
CREATE TABLE IF NOT EXISTS rm_scorecards (
  year     INTEGER NOT NULL,
  unit_id  TEXT NOT NULL,
  list     TEXT NOT NULL,
  kind     TEXT NOT NULL,
  total    REAL NOT NULL,
  complete INTEGER NOT NULL,
  card     TEXT NOT NULL,           -- JSON ScorecardView: every figure with its computation and events
                                    -- (messages), without the year's rules (rm_years.rules) and
                                    -- without rank and titles (rm_ranks)
  PRIMARY KEY (year, unit_id)
) WITHOUT ROWID;
-- What the year-level step needs of each unit on a year's roll (packUnitYear: points, total,
-- tier, vetoes, the KPI inputs; no explanation): an event then re-scores only the unit-years it
-- can change, and the year's ranks, titles, KPIs and report are finished from these lines.
CREATE TABLE IF NOT EXISTS rm_unit_years (
  year     INTEGER NOT NULL,
  unit_id  TEXT NOT NULL,
  packed   TEXT NOT NULL,           -- JSON PackedUnitYear
  PRIMARY KEY (year, unit_id)
) WITHOUT ROWID;
-- Rank and titles of each scorecard: they depend on the whole list, so a streaming replay writes
-- them once the year's every scorecard is known, and the card itself as soon as it is computed.
CREATE TABLE IF NOT EXISTS rm_ranks (
  year        INTEGER NOT NULL,
  unit_id     TEXT NOT NULL,
  rank        INTEGER,
  rank_rule   TEXT NOT NULL,        -- JSON message: where the card stands in its list, and why
  titles      TEXT NOT NULL,        -- JSON array of title ids
  title_rules TEXT NOT NULL,        -- JSON array of messages: why it holds each title, or not
  PRIMARY KEY (year, unit_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_ranking_content (
  year     INTEGER NOT NULL,
  list     TEXT NOT NULL,
  content  TEXT NOT NULL,           -- canonical JSON of RankingContent
  digest   TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (year, list)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_rejected (
  position INTEGER PRIMARY KEY,
  unit_id  TEXT NOT NULL,
  stream   TEXT NOT NULL,
  type     TEXT NOT NULL,
  year     INTEGER,
  code     TEXT NOT NULL,
  reason   TEXT NOT NULL            -- JSON message (code and parameters)
);
CREATE INDEX IF NOT EXISTS rm_rejected_unit ON rm_rejected(unit_id);
-- Published rankings (the ranking service's outbox): every version is kept, so a revised ranking
-- of a closed year and the final one it replaced are both retrievable.
CREATE TABLE IF NOT EXISTS rm_published (
  year           INTEGER NOT NULL,
  list           TEXT NOT NULL,
  version        INTEGER NOT NULL,
  status         TEXT NOT NULL,      -- provisional | final | revised
  position       INTEGER NOT NULL,
  content_digest TEXT NOT NULL,
  message        TEXT NOT NULL,      -- canonical JSON of the RankingMessage
  published_at   TEXT NOT NULL,
  delivered_at   TEXT,               -- when Kafka acknowledged it (NULL: not yet, or Kafka off)
  PRIMARY KEY (year, list, version)
) WITHOUT ROWID;
-- Ranking content digests as of each year's close, to tell "final" from "revised".
CREATE TABLE IF NOT EXISTS rm_close_digests (
  year      INTEGER NOT NULL,
  list      TEXT NOT NULL,
  rulebooks TEXT NOT NULL,          -- the rulebook set the digest was computed under
  position  INTEGER NOT NULL,
  digest    TEXT NOT NULL,
  PRIMARY KEY (year, list, rulebooks)
) WITHOUT ROWID;
-- Saved state of the log digest builder (not part of the rebuildable read model).
CREATE TABLE IF NOT EXISTS rm_digest_state (name TEXT PRIMARY KEY, state TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rm_units (
  unit_id    TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  name       TEXT NOT NULL,
  name_norm  TEXT NOT NULL,         -- lower case, without diacritics: "dan van" finds "Dân vận"
  parent_id  TEXT,
  registered_from TEXT NOT NULL,
  ended      TEXT                   -- JSON message: unit.dissolved {from} / unit.merged {target, from}
) WITHOUT ROWID;
`;

export const READ_MODEL_TABLES = [
  'rm_checkpoints',
  'rm_unit_facts',
  'rm_model_facts',
  'rm_closures',
  'rm_years',
  'rm_scorecards',
  'rm_unit_years',
  'rm_ranks',
  'rm_ranking_content',
  'rm_rejected',
  'rm_units',
] as const;

/**
 * Version of the rebuildable tables' layout. A read model of another version is dropped and
 * rebuilt from the log (it holds nothing the log does not); published rankings, their close
 * digests and the digest state are kept.
 */
export const READ_MODEL_VERSION = 7;

export function ensureReadModel(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS rm_schema (version INTEGER NOT NULL)');
  const version = () => (db.prepare('SELECT version FROM rm_schema').get() as { version: number } | undefined)?.version;
  if (version() !== READ_MODEL_VERSION) {
    // IMMEDIATE: the write lock is waited for (busy timeout) before anything is read. A deferred
    // transaction reads the schema first and then fails at once (SQLITE_BUSY) if another process
    // — ingest filling the store, another service starting — wrote meanwhile.
    db.transaction(() => {
      if (version() === READ_MODEL_VERSION) return; // another process did it while we waited
      for (const t of READ_MODEL_TABLES) db.exec(`DROP TABLE IF EXISTS ${t}`);
      db.exec('DELETE FROM rm_schema');
      db.prepare('INSERT INTO rm_schema(version) VALUES (?)').run(READ_MODEL_VERSION);
    }).immediate();
  }
  db.exec(READ_MODEL_SCHEMA);
}

/** Lower case without diacritics (đ → d), NFC-insensitive: the search key of names. */
export function normalizeName(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{Mn}+/gu, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

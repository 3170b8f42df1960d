import type Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson } from '@dvk/contracts';
import { defaultRulebook, loadRulebook, rulebookSet, type Rulebook, type RulebookSet } from '@dvk/scoring';

/**
 * The rulebooks in force, kept beside the read model (admin: `dvk rulebook use FILE`). Each
 * applies from its `appliesFromYear` until the next one's; with none installed, the default
 * `tan-yen-2016` v1 applies to every year. Installing one changes the set's hash, so the scoring
 * projection rebuilds the read model under it; every installation is kept (never deleted), so an
 * auditor can see which rulebooks were in force when.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS dvk_rulebooks (
  seq           INTEGER PRIMARY KEY,
  id            TEXT NOT NULL,
  version       INTEGER NOT NULL,
  hash          TEXT NOT NULL,
  applies_from  INTEGER NOT NULL,
  body          TEXT NOT NULL,   -- canonical JSON of the rulebook file
  installed_at  TEXT NOT NULL,
  replaced_at   TEXT             -- when a later installation for the same year took its place
);
`;

export interface InstalledRulebook {
  seq: number;
  ref: { id: string; version: number; hash: string };
  appliesFrom: number;
  installedAt: string;
  replacedAt: string | null;
}

export function rulebooksInForce(db: Database.Database): RulebookSet {
  db.exec(SCHEMA);
  const rows = db.prepare('SELECT body FROM dvk_rulebooks WHERE replaced_at IS NULL ORDER BY applies_from').all() as { body: string }[];
  if (rows.length === 0) return rulebookSet([defaultRulebook()]);
  return rulebookSet(
    rows.map((r) => {
      const rb = loadRulebook(JSON.parse(r.body));
      if (E.isLeft(rb)) throw new Error(`an installed rulebook no longer validates: ${rb.left.message}`);
      return rb.right;
    }),
  );
}

/** Puts a rulebook in force from its appliesFromYear (replacing the one installed for that year). */
export function installRulebook(db: Database.Database, rb: Rulebook, now = new Date().toISOString()): RulebookSet {
  db.exec(SCHEMA);
  db.transaction(() => {
    const current = rulebooksInForce(db);
    // The first installation records the default it replaces, so the history is complete.
    if ((db.prepare('SELECT count(*) AS n FROM dvk_rulebooks').get() as { n: number }).n === 0)
      for (const r of current.rulebooks)
        db.prepare('INSERT INTO dvk_rulebooks(id, version, hash, applies_from, body, installed_at) VALUES (?, ?, ?, ?, ?, ?)').run(r.ref.id, r.ref.version, r.ref.hash, r.file.appliesFromYear, canonicalJson(r.file), now);
    db.prepare('UPDATE dvk_rulebooks SET replaced_at = ? WHERE applies_from = ? AND replaced_at IS NULL').run(now, rb.file.appliesFromYear);
    db.prepare('INSERT INTO dvk_rulebooks(id, version, hash, applies_from, body, installed_at) VALUES (?, ?, ?, ?, ?, ?)').run(rb.ref.id, rb.ref.version, rb.ref.hash, rb.file.appliesFromYear, canonicalJson(rb.file), now);
  }).immediate(); // it reads, then writes: the write lock is waited for first (see ensureReadModel)
  return rulebooksInForce(db);
}

export function rulebookHistory(db: Database.Database): InstalledRulebook[] {
  db.exec(SCHEMA);
  return (db.prepare('SELECT seq, id, version, hash, applies_from, installed_at, replaced_at FROM dvk_rulebooks ORDER BY seq').all() as Record<string, unknown>[]).map((r) => ({
    seq: r.seq as number,
    ref: { id: r.id as string, version: r.version as number, hash: r.hash as string },
    appliesFrom: r.applies_from as number,
    installedAt: r.installed_at as string,
    replacedAt: (r.replaced_at as string | null) ?? null,
  }));
}

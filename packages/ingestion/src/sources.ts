import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { EVENT_TYPES, UNIT_KINDS, type Envelope, type UnitKind } from '@dvk/contracts';
import { ensureReadModel } from '@dvk/projections';

/**
 * Upstream sources and what they may emit. Every source has a token, stored only as a SHA-256
 * hash (tokens are 256 random bits, so a fast hash is enough) and compared in constant time, and
 * a scope: the units (optionally with every unit below them by parentId), the kinds and the event
 * types it may emit, and whether it may close a year. Revoked sources authenticate no more.
 */

export const Scope = z.strictObject({
  /** `*`, or unit ids; with `descendants`, also every unit whose parent chain reaches one of them. */
  units: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
  descendants: z.boolean().default(false),
  kinds: z.union([z.literal('*'), z.array(z.enum(UNIT_KINDS)).min(1)]),
  types: z.union([z.literal('*'), z.array(z.enum(EVENT_TYPES as [string, ...string[]])).min(1)]),
});
export type Scope = z.infer<typeof Scope>;

export const SOURCE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export interface SourceRecord {
  name: string;
  scope: Scope;
  createdAt: string;
  revokedAt: string | null;
  /** First characters of the token, to tell tokens apart in listings (never the token). */
  tokenHint: string;
}

/** What the registry knows of a unit, to check kinds and parent chains. */
export type UnitLookup = (unitId: string) => { kind: UnitKind; parentId: string | null } | null;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sources (
  name       TEXT PRIMARY KEY,
  token_hash BLOB NOT NULL,
  token_hint TEXT NOT NULL,
  scope      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sources_token ON sources(token_hash);
`;

const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export class SourceRegistry {
  private readonly q;
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    db.exec(SCHEMA);
    this.q = {
      insert: db.prepare('INSERT INTO sources(name, token_hash, token_hint, scope, created_at) VALUES (?, ?, ?, ?, ?)'),
      rotate: db.prepare('UPDATE sources SET token_hash = ?, token_hint = ?, scope = ?, revoked_at = NULL WHERE name = ?'),
      get: db.prepare<[string], Row>('SELECT * FROM sources WHERE name = ?'),
      all: db.prepare<[], Row>('SELECT * FROM sources ORDER BY name'),
      byHash: db.prepare<[Buffer], Row>('SELECT * FROM sources WHERE token_hash = ?'),
      revoke: db.prepare('UPDATE sources SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL'),
    };
  }

  /** Adds a source (or replaces the token of a revoked one); returns the token, shown once. */
  add(name: string, scope: Scope, opts: { replace?: boolean } = {}): string {
    if (!SOURCE_NAME_RE.test(name)) throw new Error(`source name "${name}" must be 1–128 letters, digits, ".", "_", ":" or "-"`);
    const parsed = Scope.parse(scope);
    const token = `dvk_${randomBytes(32).toString('base64url')}`;
    const existing = this.q.get.get(name);
    if (existing && !opts.replace) throw new Error(`source "${name}" already exists (use --replace to issue a new token)`);
    if (existing) this.q.rotate.run(hashToken(token), token.slice(0, 10), JSON.stringify(parsed), name);
    else this.q.insert.run(name, hashToken(token), token.slice(0, 10), JSON.stringify(parsed), this.now());
    return token;
  }

  list(): SourceRecord[] {
    return this.q.all.all().map(toRecord);
  }

  get(name: string): SourceRecord | null {
    const r = this.q.get.get(name);
    return r ? toRecord(r) : null;
  }

  revoke(name: string): boolean {
    return this.q.revoke.run(this.now(), name).changes === 1;
  }

  /**
   * The active source a bearer token belongs to, or null. The lookup is by hash (an index, so
   * no timing signal about the token itself), then the stored hash is compared in constant time.
   */
  authenticate(token: string | undefined | null): SourceRecord | null {
    if (!token || token.length > 200) return null;
    const h = hashToken(token);
    const r = this.q.byHash.get(h);
    if (!r || !timingSafeEqual(r.token_hash, h) || r.revoked_at) return null;
    return toRecord(r);
  }
}

interface Row {
  name: string;
  token_hash: Buffer;
  token_hint: string;
  scope: string;
  created_at: string;
  revoked_at: string | null;
}
const toRecord = (r: Row): SourceRecord => ({
  name: r.name,
  scope: Scope.parse(JSON.parse(r.scope)),
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  tokenHint: r.token_hint,
});

/** Checks an event against a source's scope; null when allowed, else the reason in words. */
export function checkScope(source: SourceRecord, e: Envelope, lookup: UnitLookup): string | null {
  const s = source.scope;
  if (s.types !== '*' && !s.types.includes(e.type)) return `source "${source.name}" may not emit ${e.type} events (scope: ${s.types.join(', ')})`;
  if (e.type === 'YearClosed') return s.units === '*' ? null : `source "${source.name}" may not close a year: its scope is limited to some units`;
  const unitId = e.data.unitId;
  if (e.type === 'UnitRegistered') {
    // A registration is judged as the unit it declares, and, when the unit exists already, as that
    // unit too: a source may not write into the stream of a unit outside its scope by
    // re-registering it under a parent of its own.
    const existing = lookup(unitId);
    if (existing) {
      const asExisting = checkUnit(source, unitId, existing, lookup);
      if (asExisting) return asExisting;
    }
    return checkUnit(source, unitId, { kind: e.data.kind, parentId: e.data.parentId ?? null }, lookup);
  }
  const own = lookup(unitId);
  const denied = checkUnit(source, unitId, own, lookup);
  if (denied) return denied;
  if (e.type === 'UnitsMerged' && s.units !== '*')
    for (const src of e.data.sourceUnitIds)
      if (!inScope(source, src, lookup(src)?.parentId ?? null, lookup)) return `source unit ${src} of the merge is outside the scope of source "${source.name}"`;
  return null;
}

/** Whether a unit (its id and parent) is within a source's units (with descendants when the scope says so). */
function inScope(source: SourceRecord, id: string, parentId: string | null, lookup: UnitLookup): boolean {
  const s = source.scope;
  if (s.units === '*') return true;
  const allowed = new Set(s.units);
  if (allowed.has(id)) return true;
  if (!s.descendants) return false;
  let parent = parentId;
  for (let guard = 0; parent && guard < 32; guard++) {
    if (allowed.has(parent)) return true;
    parent = lookup(parent)?.parentId ?? null;
  }
  return false;
}

/** The kind and unit checks of a scope for one unit (as registered, or as an event declares it). */
function checkUnit(source: SourceRecord, unitId: string, own: { kind: UnitKind; parentId: string | null } | null, lookup: UnitLookup): string | null {
  const s = source.scope;
  if (s.kinds !== '*') {
    if (!own) return `unit ${unitId} is not registered, so its kind cannot be checked against the scope of "${source.name}"`;
    if (!s.kinds.includes(own.kind)) return `source "${source.name}" may not emit for units of kind ${own.kind}`;
  }
  if (!inScope(source, unitId, own?.parentId ?? null, lookup)) return `unit ${unitId} is outside the scope of source "${source.name}"`;
  return null;
}

/** A unit lookup over the read model's unit index (`rm_units`). */
export function readModelUnitLookup(db: Database.Database): UnitLookup {
  ensureReadModel(db);
  const stmt = db.prepare<[string], { kind: UnitKind; parent_id: string | null }>('SELECT kind, parent_id FROM rm_units WHERE unit_id = ?');
  return (id) => {
    const r = stmt.get(id);
    return r ? { kind: r.kind, parentId: r.parent_id } : null;
  };
}

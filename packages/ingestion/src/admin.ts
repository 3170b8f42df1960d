import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { SOURCE_NAME_RE } from './sources.js';

/**
 * The admin role, separate from sources: who may register and revoke sources, rebuild the read
 * model and put a rulebook in force. Admins have tokens of their own (`dvka_…`, 256 random bits),
 * stored only as a SHA-256 hash under a domain of their own (so no source token's hash can ever
 * match) in a table of their own, compared in constant time. Every admin action is recorded in
 * `admin_log` (who, what, when — never a token).
 *
 * Bootstrap: while a store has no active admin, admin actions are allowed to whoever can open the
 * file (the file system is the root of trust of the embedded store) and `dvk admin init` creates
 * the first admin; from then on every admin action needs an admin token. Over HTTP there is no
 * bootstrap: the admin endpoints answer only to an admin token.
 */

export const ADMIN_TOKEN_PREFIX = 'dvka_';

export interface AdminRecord {
  name: string;
  createdAt: string;
  revokedAt: string | null;
  /** The first characters of the token, to tell tokens apart (never the token). */
  tokenHint: string;
}

export interface AdminLogEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  detail: string;
}

/** Why an admin action was refused (tagged data; the CLI and HTTP shells word it). */
export interface AdminDenied {
  readonly _tag: 'AdminDenied';
  readonly reason: 'token_required' | 'token_invalid' | 'no_admin';
  readonly message: string;
}
const denied = (reason: AdminDenied['reason'], message: string): AdminDenied => ({ _tag: 'AdminDenied', reason, message });

/** A refused change to the admins themselves (the name taken, the last admin). */
export interface AdminConflict {
  readonly _tag: 'AdminConflict';
  readonly message: string;
}
const conflict = (message: string): AdminConflict => ({ _tag: 'AdminConflict', message });

/** Who is acting: an authenticated admin, or anyone with the file while no admin exists. */
export interface Actor {
  readonly name: string;
  readonly bootstrap: boolean;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS admins (
  name       TEXT PRIMARY KEY,
  token_hash BLOB NOT NULL,
  token_hint TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS admins_token ON admins(token_hash);
CREATE TABLE IF NOT EXISTS admin_log (
  seq    INTEGER PRIMARY KEY,
  at     TEXT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  detail TEXT NOT NULL
);
`;

/** The stored form of an admin token: SHA-256 under an admin-only domain. */
export const hashAdminToken = (token: string): Buffer => createHash('sha256').update('dvk-admin-token\0').update(token, 'utf8').digest();

interface Row {
  name: string;
  token_hash: Buffer;
  token_hint: string;
  created_at: string;
  revoked_at: string | null;
}
const toRecord = (r: Row): AdminRecord => ({ name: r.name, createdAt: r.created_at, revokedAt: r.revoked_at, tokenHint: r.token_hint });

export class AdminRegistry {
  private readonly q;
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    db.exec(SCHEMA);
    this.q = {
      insert: db.prepare('INSERT INTO admins(name, token_hash, token_hint, created_at) VALUES (?, ?, ?, ?)'),
      get: db.prepare<[string], Row>('SELECT * FROM admins WHERE name = ?'),
      all: db.prepare<[], Row>('SELECT * FROM admins ORDER BY name'),
      active: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM admins WHERE revoked_at IS NULL'),
      byHash: db.prepare<[Buffer], Row>('SELECT * FROM admins WHERE token_hash = ?'),
      revoke: db.prepare('UPDATE admins SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL'),
      log: db.prepare('INSERT INTO admin_log(at, actor, action, detail) VALUES (?, ?, ?, ?)'),
      history: db.prepare<[number], AdminLogEntry>('SELECT seq, at, actor, action, detail FROM admin_log ORDER BY seq DESC LIMIT ?'),
    };
  }

  /** Whether an active admin exists (from then on admin actions need a token). */
  initialised(): boolean {
    return this.q.active.get()!.n > 0;
  }

  list(): AdminRecord[] {
    return this.q.all.all().map(toRecord);
  }

  /** The latest admin actions, newest first. */
  history(limit = 100): AdminLogEntry[] {
    return this.q.history.all(limit);
  }

  /** Records an admin action (never a token: callers pass names and scopes only). */
  record(actor: Actor, action: string, detail: unknown = {}): void {
    this.q.log.run(this.now(), actor.bootstrap ? `${actor.name} (no admin yet: file access)` : actor.name, action, JSON.stringify(detail));
  }

  /**
   * The first admin of a store; returns the token, shown once. Refused when an active admin
   * exists (then an admin adds others with `add`).
   */
  init(name = 'admin'): E.Either<AdminConflict, string> {
    return this.db.transaction(() => {
      if (this.initialised()) return E.left(conflict('an admin exists already: an admin adds others (`dvk admin add`)'));
      const r = this.create(name);
      if (E.isRight(r)) this.record({ name, bootstrap: true }, 'admin.init', { name });
      return r;
    }).immediate();
  }

  /** Another admin, added by an authenticated one; returns the token, shown once. */
  add(name: string, by: Actor): E.Either<AdminConflict, string> {
    return this.db.transaction(() => {
      const r = this.create(name);
      if (E.isRight(r)) this.record(by, 'admin.add', { name });
      return r;
    }).immediate();
  }

  /** Revokes an admin; the last active one cannot be revoked (the store would fall back to bootstrap). */
  revoke(name: string, by: Actor): E.Either<AdminConflict, void> {
    return this.db.transaction(() => {
      const r = this.q.get.get(name);
      if (!r || r.revoked_at) return E.left(conflict(`no active admin named "${name}"`));
      if (this.q.active.get()!.n <= 1) return E.left(conflict(`"${name}" is the last active admin: add another one first`));
      this.q.revoke.run(this.now(), name);
      this.record(by, 'admin.revoke', { name });
      return E.right(undefined);
    }).immediate();
  }

  /**
   * The active admin a token belongs to, or null. Looked up by hash (no timing signal about the
   * token), then the stored hash is compared in constant time. A source token never matches: it
   * hashes under another domain and lives in another table.
   */
  authenticate(token: string | undefined | null): AdminRecord | null {
    if (!token || token.length > 200) return null;
    const h = hashAdminToken(token);
    const r = this.q.byHash.get(h);
    if (!r || !timingSafeEqual(r.token_hash, h) || r.revoked_at) return null;
    return toRecord(r);
  }

  /**
   * May the holder of `token` perform an admin action? With no admin initialised, yes (bootstrap,
   * unless `allowBootstrap` is false, as over HTTP); otherwise only with a valid admin token.
   */
  authorize(token: string | undefined | null, opts: { allowBootstrap?: boolean } = {}): E.Either<AdminDenied, Actor> {
    if (!this.initialised()) {
      if (opts.allowBootstrap === false) return E.left(denied('no_admin', 'no admin is initialised for this store: run `dvk admin init` on the machine that holds it'));
      return E.right({ name: 'anyone', bootstrap: true });
    }
    if (!token) return E.left(denied('token_required', 'this is an admin action: give an admin token (DVK_ADMIN_TOKEN, or --admin-token)'));
    const a = this.authenticate(token);
    if (!a) return E.left(denied('token_invalid', 'the admin token is not valid (unknown or revoked)'));
    return E.right({ name: a.name, bootstrap: false });
  }

  private create(name: string): E.Either<AdminConflict, string> {
    if (!SOURCE_NAME_RE.test(name)) return E.left(conflict(`admin name "${name.slice(0, 140)}" must be 1–128 letters, digits, ".", "_", ":" or "-"`));
    if (this.q.get.get(name)) return E.left(conflict(`an admin named "${name}" exists already`));
    const token = `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    this.q.insert.run(name, hashAdminToken(token), token.slice(0, 10), this.now());
    return E.right(token);
  }
}

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import * as E from 'fp-ts/lib/Either.js';
import { streamOf, type Envelope, type RecordedEvent } from '@dvk/contracts';
import { GENESIS, chainHash, hashEnvelope, type Hashed } from '@dvk/audit';
import {
  catchUpSubscription,
  crashPoint,
  idConflict,
  revisionMatches,
  storeUnavailable,
  wrongExpectedRevision,
  type AppendError,
  type AppendOutcome,
  type DeadLetter,
  type DeadLetterStore,
  type EventStore,
  type ExpectedRevision,
  type IngestOutcome,
  type StoreError,
  type StoredDeadLetter,
  type StoredEvent,
  type StreamHead,
} from '@dvk/event-store';

/**
 * The embedded event store: one SQLite file (better-sqlite3 12, WAL). Events are rows of one
 * table in log order (`position` is the rowid); the id is a 16-byte blob under a unique index
 * (idempotency), `(stream, revision)` is unique (optimistic concurrency), and `streams` keeps each
 * stream's head. Appends run in one IMMEDIATE transaction per call, so several processes may
 * write to the same file. Dead letters live in the same file, written in the same transaction as
 * the events of their batch.
 */

export interface SqliteStoreOptions {
  path: string;
  /** The store's clock for `recordedAt` (default: the system clock). */
  now?: () => string;
  /** FULL (default) makes every commit durable before it returns; NORMAL trades that for speed. */
  synchronous?: 'FULL' | 'NORMAL';
  /** How often a live subscription polls for writers in other processes (ms). */
  pollMs?: number;
  readonly?: boolean;
}

export interface SqliteEventStore extends EventStore, DeadLetterStore {
  /** The connection, for read models kept in the same file (one transaction for both). */
  readonly db: Database.Database;
  readonly path: string;
  /**
   * Bulk ingest in one transaction, with the batch's dead letters: those given, and one per
   * conflicting id made by `onConflict` (so a refused event is recorded with its batch).
   */
  appendMany(
    events: readonly Envelope[],
    opts?: { deadLetters?: readonly DeadLetter[]; onConflict?: (index: number, reason: string) => DeadLetter; hashed?: readonly Hashed[] },
  ): Promise<E.Either<StoreError, IngestOutcome[]>>;
  /** Heads of every stream (for the log digest). */
  streamHeads(): StreamHead[];
  /** Synchronous page read, for replays that must not yield between pages. */
  readPageSync(after: number, maxCount: number, upTo?: number): StoredEvent[];
  /** The lean page read of replays: position, stream, revision and envelope only (no hashes, no times). */
  readRecordedPageSync(after: number, maxCount: number, upTo?: number): RecordedEvent[];
  /** Raw page read: [position, sid, revision, body, hashes, recordedAt] rows (see streamName). */
  readRawPageSync(after: number, maxCount: number, upTo?: number): RawRow[];
  /** The name of a stream id. */
  streamName(sid: number): string;
  /**
   * Every stream's events up to a log position, one stream at a time in stream order, streams in
   * the order of their first event (stream ids are given in log order): the read of a streaming
   * replay. `streams` is how many there are (some may yield no event at or before `upTo`).
   */
  readStreamsSync(upTo: number): { streams: number; each: Iterable<RecordedEvent[]> };
}

export type RawRow = [position: number, sid: number, revision: number, body: string, hashes: Buffer, recordedAt: number];

/** Storage format version, in dvk_meta; a file of another format is refused, not misread. */
export const STORE_FORMAT = '2';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dvk_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Streams get a small integer id: the (stream, revision) index stays narrow.
CREATE TABLE IF NOT EXISTS streams (
  sid        INTEGER PRIMARY KEY,
  stream     TEXT    NOT NULL UNIQUE,
  revision   INTEGER NOT NULL,
  chain_hash BLOB    NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY,
  id          BLOB    NOT NULL,   -- the event id, 16 bytes
  sid         INTEGER NOT NULL,   -- streams.sid
  revision    INTEGER NOT NULL,
  body        TEXT    NOT NULL,   -- canonical JSON of the envelope: the bytes that are hashed
  hashes      BLOB    NOT NULL,   -- content hash (32 bytes) then chain hash (32 bytes)
  recorded_at INTEGER NOT NULL    -- epoch ms, never decreasing along the log
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream ON events(sid, revision);
CREATE TABLE IF NOT EXISTS dead_letters (
  seq         INTEGER PRIMARY KEY,
  key         TEXT NOT NULL UNIQUE,
  received_at TEXT NOT NULL,
  channel     TEXT NOT NULL,
  source      TEXT,
  ref         TEXT NOT NULL,
  event_id    TEXT,
  reason      TEXT NOT NULL,
  issues      TEXT NOT NULL,
  raw         TEXT NOT NULL
);
`;

const uuidToBlob = (id: string): Buffer => Buffer.from(id.replace(/-/g, ''), 'hex');
const hexToBlob = (hex: string): Buffer => Buffer.from(hex, 'hex');

export function openSqliteEventStore(opts: SqliteStoreOptions): SqliteEventStore {
  if (opts.path !== ':memory:' && !opts.readonly) mkdirSync(dirname(opts.path), { recursive: true });
  const db = new Database(opts.path, { readonly: opts.readonly ?? false });
  db.pragma('busy_timeout = 10000');
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    // Fewer, larger checkpoints: index pages dirtied by a batch are written back once.
    db.pragma('wal_autocheckpoint = 4000');
    const format = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'").get()
      ? (db.prepare("SELECT value FROM dvk_meta WHERE key = 'format'").pluck().get() as string | undefined)
      : STORE_FORMAT;
    if (format !== STORE_FORMAT) throw new Error(`${opts.path}: event store format ${format ?? '1'} is not this release's (${STORE_FORMAT})`);
    db.exec(SCHEMA);
    db.prepare("INSERT OR IGNORE INTO dvk_meta(key, value) VALUES ('format', ?)").run(STORE_FORMAT);
  }
  db.pragma('cache_size = -65536'); // 64 MiB page cache
  const now = opts.now ?? (() => new Date().toISOString());
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  const COLS = 'position, sid, revision, body, hashes, recorded_at';
  const q = {
    streamHead: db.prepare<[string], { sid: number; revision: number; chain_hash: Buffer }>('SELECT sid, revision, chain_hash FROM streams WHERE stream = ?'),
    newStream: db.prepare('INSERT INTO streams(stream, revision, chain_hash) VALUES (?, -1, ?)'),
    setStreamHead: db.prepare('UPDATE streams SET revision = ?, chain_hash = ? WHERE sid = ?'),
    streamNames: db.prepare<[number], { sid: number; stream: string }>('SELECT sid, stream FROM streams WHERE sid > ?'),
    insert: db.prepare('INSERT INTO events(id, sid, revision, body, hashes, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING'),
    byId: db.prepare<[Buffer], { position: number; revision: number; hashes: Buffer }>('SELECT position, revision, hashes FROM events WHERE id = ?'),
    lastRecorded: db.prepare<[], { recorded_at: number }>('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1'),
    page: db.prepare(`SELECT ${COLS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`).raw(),
    stream: db.prepare(`SELECT ${COLS} FROM events WHERE sid = ? AND revision >= ? ORDER BY revision LIMIT ?`).raw(),
    at: db.prepare(`SELECT ${COLS} FROM events WHERE position = ?`).raw(),
    full: db.prepare(`SELECT ${COLS} FROM events WHERE id = ?`).raw(),
    head: db.prepare<[], { p: number | null; n: number }>('SELECT max(position) AS p, count(*) AS n FROM events'),
    positionAt: db.prepare<[number], { p: number | null }>('SELECT max(position) AS p FROM events WHERE recorded_at <= ?'),
    heads: db.prepare<[], { stream: string; revision: number; chain_hash: Buffer }>('SELECT stream, revision, chain_hash FROM streams WHERE revision >= 0 ORDER BY stream'),
    dl: db.prepare(
      'INSERT INTO dead_letters(key, received_at, channel, source, ref, event_id, reason, issues, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING',
    ),
    dlList: db.prepare('SELECT seq, key, received_at, channel, source, ref, event_id, reason, issues, raw FROM dead_letters WHERE seq > ? AND (? IS NULL OR channel = ?) ORDER BY seq LIMIT ?'),
    dlCount: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM dead_letters'),
  };

  /** Stream ids to names, cached (streams are never renamed or removed). */
  const names = new Map<number, string>();
  let maxSid = 0;
  const streamName = (sid: number): string => {
    let n = names.get(sid);
    if (n === undefined) {
      for (const r of q.streamNames.all(maxSid)) {
        names.set(r.sid, r.stream);
        maxSid = Math.max(maxSid, r.sid);
      }
      n = names.get(sid);
      if (n === undefined) throw new Error(`event store ${opts.path}: unknown stream id ${sid}`);
    }
    return n;
  };

  const toStored = (r: RawRow): StoredEvent => ({
    position: r[0],
    stream: streamName(r[1]),
    revision: r[2],
    event: JSON.parse(r[3]) as Envelope,
    contentHash: r[4].toString('hex', 0, 32),
    chainHash: r[4].toString('hex', 32, 64),
    recordedAt: new Date(r[5]).toISOString(),
  });

  /** recordedAt never goes backwards along the log, so "as of a time" is a prefix of the log. */
  function recordedAtNow(): number {
    const t = Date.parse(now());
    const last = q.lastRecorded.get();
    return last && last.recorded_at > t ? last.recorded_at : t;
  }

  function recordDeadLettersTx(items: readonly DeadLetter[], at: string): number {
    let n = 0;
    for (const d of items) {
      const raw = typeof d.raw === 'string' ? d.raw : Buffer.from(d.raw).toString('utf8');
      // The same bad input from the same place and source is kept once (retries, re-imports).
      const key = createHash('sha256').update(`${d.channel}\n${d.source ?? ''}\n${d.ref}\n`).update(raw).digest('hex');
      n += q.dl.run(key, at, d.channel, d.source, d.ref, d.eventId, d.reason, JSON.stringify(d.issues), raw).changes;
    }
    return n;
  }

  /** Heads of the streams touched by a transaction, read once, written back at the end. */
  class Heads {
    private readonly map = new Map<string, { sid: number; revision: number; chain: string; dirty: boolean }>();
    get(stream: string) {
      let h = this.map.get(stream);
      if (!h) {
        let row = q.streamHead.get(stream);
        if (!row) {
          const sid = Number(q.newStream.run(stream, Buffer.from(GENESIS, 'hex')).lastInsertRowid);
          names.set(sid, stream);
          row = { sid, revision: -1, chain_hash: Buffer.from(GENESIS, 'hex') };
        }
        h = { sid: row.sid, revision: row.revision, chain: row.chain_hash.toString('hex'), dirty: false };
        this.map.set(stream, h);
      }
      return h;
    }
    flush() {
      for (const h of this.map.values()) if (h.dirty) q.setStreamHead.run(h.revision, Buffer.from(h.chain, 'hex'), h.sid);
    }
  }

  type Attempt =
    | { kind: 'appended'; position: number; revision: number }
    | { kind: 'duplicate'; position: number; revision: number }
    | { kind: 'conflict'; position: number };

  /** Inserts one event unless its id exists; compares content when it does. Inside a transaction. */
  function attempt(heads: Heads, stream: string, e: Envelope, h: Hashed, at: number): Attempt {
    const head = heads.get(stream);
    const revision = head.revision + 1;
    const chain = chainHash(stream, revision, head.chain, h.contentHash);
    const idBlob = uuidToBlob(e.id);
    const r = q.insert.run(idBlob, head.sid, revision, h.canonical, Buffer.from(h.contentHash + chain, 'hex'), at);
    if (r.changes === 1) {
      head.revision = revision;
      head.chain = chain;
      head.dirty = true;
      return { kind: 'appended', position: Number(r.lastInsertRowid), revision };
    }
    const existing = q.byId.get(idBlob)!;
    return existing.hashes.toString('hex', 0, 32) === h.contentHash
      ? { kind: 'duplicate', position: existing.position, revision: existing.revision }
      : { kind: 'conflict', position: existing.position };
  }

  class Rollback extends Error {
    constructor(readonly error: AppendError) {
      super(error.message);
    }
  }

  const appendToStreamTx = db.transaction((stream: string, events: readonly Envelope[], hashed: Hashed[], expected: ExpectedRevision) => {
    const heads = new Heads();
    const actual = heads.get(stream).revision;
    const at = recordedAtNow();
    const outcomes: AppendOutcome[] = [];
    let checked = false;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      // Check the expected revision before the first new event is written (duplicates are free).
      const known = q.byId.get(uuidToBlob(e.id));
      if (known) {
        if (known.hashes.toString('hex', 0, 32) !== hashed[i]!.contentHash) throw new Rollback(idConflict(e.id, known.position));
        outcomes.push({ status: 'duplicate', id: e.id, position: known.position, revision: known.revision });
        continue;
      }
      if (!checked) {
        if (!revisionMatches(expected, actual)) throw new Rollback(wrongExpectedRevision(stream, expected, actual));
        checked = true;
      }
      const a = attempt(heads, stream, e, hashed[i]!, at);
      if (a.kind === 'conflict') throw new Rollback(idConflict(e.id, a.position));
      outcomes.push({ status: a.kind, id: e.id, position: a.position, revision: a.revision });
    }
    heads.flush();
    return { stream, revision: heads.get(stream).revision, outcomes, wrote: checked };
  });

  const appendManyTx = db.transaction(
    (events: readonly Envelope[], hashed: readonly Hashed[], deadLetters: readonly DeadLetter[], onConflict?: (i: number, reason: string) => DeadLetter) => {
    const heads = new Heads();
    const at = recordedAtNow();
    const out: IngestOutcome[] = new Array(events.length);
    const letters = [...deadLetters];
    let wrote = false;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const a = attempt(heads, streamOf(e), e, hashed[i]!, at);
      if (a.kind === 'conflict') {
        const reason = idConflict(e.id, a.position).message;
        out[i] = { status: 'conflict', id: e.id, position: a.position, reason };
        if (onConflict) letters.push(onConflict(i, reason));
      } else {
        out[i] = { status: a.kind, id: e.id, position: a.position, revision: a.revision };
        if (a.kind === 'appended') wrote = true;
      }
      crashPoint('store.append.tx');
    }
    heads.flush();
    if (letters.length) recordDeadLettersTx(letters, new Date(at).toISOString());
    return { out, wrote };
  });

  function guard<T>(fn: () => T): E.Either<StoreError, T> {
    try {
      return E.right(fn());
    } catch (err) {
      return E.left(storeUnavailable(`SQLite store ${opts.path}: ${(err as Error).message}`, err));
    }
  }

  const leanPage = db.prepare('SELECT position, sid, revision, body FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?').raw();
  const readRecordedPageSync = (after: number, maxCount: number, upTo?: number): RecordedEvent[] => {
    const rows = leanPage.all(after, upTo ?? Number.MAX_SAFE_INTEGER, maxCount) as [number, number, number, string][];
    const out: RecordedEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[i] = { position: r[0], stream: streamName(r[1]), revision: r[2], event: JSON.parse(r[3]) as Envelope };
    }
    return out;
  };

  const streamEvents = db.prepare('SELECT position, revision, body FROM events WHERE sid = ? AND position <= ? ORDER BY revision').raw();
  const readStreamsSync = (upTo: number): { streams: number; each: Iterable<RecordedEvent[]> } => {
    const rows = db.prepare('SELECT sid, stream FROM streams ORDER BY sid').raw().all() as [number, string][];
    const sids = Int32Array.from(rows, (r) => r[0]);
    const names = rows.map((r) => r[1]);
    function* each(): Generator<RecordedEvent[]> {
      for (let k = 0; k < sids.length; k++) {
        const sid = sids[k]!;
        const stream = names[k]!;
        const rows = streamEvents.all(sid, upTo) as [number, number, string][];
        if (rows.length === 0) continue;
        const out: RecordedEvent[] = new Array(rows.length);
        for (let i = 0; i < rows.length; i++) {
          const r = rows[i]!;
          out[i] = { position: r[0], stream, revision: r[1], event: JSON.parse(r[2]) as Envelope };
        }
        yield out;
      }
    }
    return { streams: rows.length, each: each() };
  };

  const readPageSync = (after: number, maxCount: number, upTo?: number): StoredEvent[] =>
    (q.page.all(after, upTo ?? Number.MAX_SAFE_INTEGER, maxCount) as RawRow[]).map(toStored);

  const store: SqliteEventStore = {
    db,
    path: opts.path,

    async appendToStream(stream, events, expected = 'any') {
      try {
        const hashed = events.map(hashEnvelope);
        const r = appendToStreamTx.immediate(stream, events, hashed, expected);
        if (r.wrote) notify();
        return E.right({ stream: r.stream, revision: r.revision, outcomes: r.outcomes });
      } catch (err) {
        if (err instanceof Rollback) return E.left(err.error);
        return E.left(storeUnavailable(`SQLite store ${opts.path}: ${(err as Error).message}`, err));
      }
    },

    async appendMany(events, o = {}) {
      const hashed = o.hashed ?? events.map(hashEnvelope);
      const r = guard(() => appendManyTx.immediate(events, hashed, o.deadLetters ?? [], o.onConflict));
      crashPoint('store.appended');
      if (E.isRight(r) && r.right.wrote) notify();
      return E.map((x: { out: IngestOutcome[] }) => x.out)(r);
    },

    async readStream(stream, o = {}) {
      return guard(() => {
        const h = q.streamHead.get(stream);
        return h ? (q.stream.all(h.sid, o.fromRevision ?? 0, o.maxCount ?? -1) as RawRow[]).map(toStored) : [];
      });
    },

    async readAll({ after, maxCount, upTo }) {
      return guard(() => readPageSync(after, maxCount, upTo));
    },

    readPageSync,
    readRecordedPageSync,
    readRawPageSync: (after, maxCount, upTo) => q.page.all(after, upTo ?? Number.MAX_SAFE_INTEGER, maxCount) as RawRow[],
    streamName,
    readStreamsSync,

    async readAt(positions) {
      return guard(() => {
        const out: StoredEvent[] = [];
        for (const p of [...new Set(positions)].sort((a, b) => a - b)) {
          const r = q.at.get(p) as RawRow | undefined;
          if (r) out.push(toStored(r));
        }
        return out;
      });
    },

    async findById(id) {
      return guard(() => {
        if (!/^[0-9a-fA-F-]{36}$/.test(id)) return null;
        const r = q.full.get(uuidToBlob(id)) as RawRow | undefined;
        return r ? toStored(r) : null;
      });
    },

    async head() {
      return guard(() => {
        const r = q.head.get()!;
        return { position: r.p ?? 0, events: r.n };
      });
    },

    async positionAt(timestamp) {
      return guard(() => {
        const t = Date.parse(timestamp);
        if (Number.isNaN(t)) throw new Error(`not a timestamp: ${timestamp}`);
        return q.positionAt.get(t)!.p ?? 0;
      });
    },

    streamHeads() {
      return q.heads.all().map((r) => ({ stream: r.stream, revision: r.revision, chainHash: r.chain_hash.toString('hex') }));
    },

    subscribe(o, handler) {
      return catchUpSubscription(
        store,
        { onAppend: (cb) => (listeners.add(cb), () => listeners.delete(cb)) },
        { ...o, pollMs: opts.pollMs ?? 200 },
        handler,
      );
    },

    async recordDeadLetters(items) {
      return guard(() => db.transaction(() => recordDeadLettersTx(items, now())).immediate());
    },

    async listDeadLetters(o = {}) {
      return guard(() =>
        (q.dlList.all(o.afterSeq ?? 0, o.channel ?? null, o.channel ?? null, o.limit ?? -1) as Record<string, unknown>[]).map(
          (r): StoredDeadLetter => ({
            seq: r.seq as number,
            key: r.key as string,
            receivedAt: r.received_at as string,
            channel: r.channel as StoredDeadLetter['channel'],
            source: (r.source as string | null) ?? null,
            ref: r.ref as string,
            eventId: (r.event_id as string | null) ?? null,
            reason: r.reason as string,
            issues: JSON.parse(r.issues as string),
            raw: r.raw as string,
          }),
        ),
      );
    },

    async countDeadLetters() {
      return guard(() => q.dlCount.get()!.n);
    },

    async close() {
      listeners.clear();
      if (db.open) db.close();
    },
  };
  return store;
}

const blobToUuid = (b: Buffer): string => {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/**
 * Every stored row in log order, as the verifier reads it (the raw bytes, not a re-encoding), and
 * the recorded stream heads: what `dvk verify` checks.
 */
export function* storedRows(db: Database.Database): Generator<import('@dvk/audit').StoredRow> {
  const names = new Map<number, string>();
  for (const r of db.prepare('SELECT sid, stream FROM streams').raw().iterate() as Iterable<[number, string]>) names.set(r[0], r[1]);
  const stmt = db.prepare('SELECT position, sid, revision, id, body, hashes FROM events ORDER BY position').raw();
  for (const r of stmt.iterate() as Iterable<[number, number, number, Buffer, string, Buffer]>) {
    yield {
      position: r[0],
      stream: names.get(r[1]) ?? `(unknown stream id ${r[1]})`,
      revision: r[2],
      id: blobToUuid(r[3]),
      body: r[4],
      contentHash: r[5].toString('hex', 0, 32),
      chainHash: r[5].toString('hex', 32, 64),
    };
  }
}

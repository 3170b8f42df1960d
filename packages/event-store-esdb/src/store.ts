import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import pino, { type Logger } from 'pino';
import { streamOf, type Envelope } from '@dvk/contracts';
import { GENESIS, chainHash, hashEnvelope, type Hashed } from '@dvk/audit';
import {
  ID_REUSED,
  idConflict,
  revisionMatches,
  storeUnavailable,
  wrongExpectedRevision,
  type AppendError,
  type AppendOutcome,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type IdConflict,
  type IngestOutcome,
  type StoreError,
  type StoredEvent,
  type Subscription,
} from '@dvk/event-store';
import { isEsdbError, type EsdbClient, type EsdbEventData, type EsdbFrom, type EsdbRecorded } from './client.js';
import {
  CLAIM_STREAM_PREFIX,
  CLAIM_TYPE,
  COUNT_STREAM,
  COUNT_TYPE,
  DVK_STREAM_PREFIXES,
  Fail,
  RecentPositions,
  commitOf,
  guard,
  isDvkStream,
  mapLimit,
  portPosition,
  storeCorrupt,
  toStored,
} from './internal.js';
import { esdbSubscription, type ResubscribeOptions } from './subscription.js';
import { connectEsdbClient, type RealClientOptions } from './real-client.js';

/**
 * The event store port on EventStoreDB (README.md of this package explains the design):
 * - every dvk event is an EventStoreDB event of its stream (`unit-<id>`, `district`) whose event id
 *   is the envelope id, whose data is the envelope's canonical JSON and whose metadata carries the
 *   content hash, the chain hash, the revision and recordedAt;
 * - idempotency by id holds always through a claim stream per id (`dvk-id-<uuid>`, written with
 *   expected revision no_stream) naming the content hash and the target stream, and through
 *   appends at the exact revision the writer checked, so one id is never stored twice;
 * - positions are commit positions + 1; reads of the log go through $all filtered to dvk's
 *   streams; subscriptions are catch-up subscriptions to $all that resubscribe after a drop.
 */

export interface EsdbStoreOptions {
  log?: Logger;
  /** The store's clock for `recordedAt` (default: the system clock). */
  now?: () => string;
  /** Size of the server's transaction-log chunks (EVENTSTORE_CHUNK_SIZE; default 256 MiB). */
  chunkSize?: number;
  /** Claims and stream appends in flight at once in `appendMany` (default 16). */
  concurrency?: number;
  /** Write a count snapshot when `head()` has counted this many new events (default 10,000). */
  countSnapshotEvery?: number;
  /** Resubscription after a dropped connection (default: from 250 ms doubling to 10 s, forever). */
  resubscribe?: ResubscribeOptions;
  /** During catch-up, wait up to this long for a fuller batch (default 20 ms). */
  batchLingerMs?: number;
}

export interface OpenEsdbOptions extends EsdbStoreOptions, RealClientOptions {
  /** e.g. `esdb://localhost:2113?tls=false` or `esdb+discover://…` for a cluster. */
  connectionString: string;
}

export interface EsdbEventStore extends EventStore {
  readonly kind: 'esdb';
  /** One cheap read: Right when the server answers (for readiness checks and start-up). */
  ping(): Promise<E.Either<StoreError, void>>;
}

const DEFAULT_CHUNK = 256 * 1024 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_ATTEMPTS = 100;

/** Opens the adapter on a real server (the connection is made lazily, at the first call). */
export function openEsdbEventStore(opts: OpenEsdbOptions): EsdbEventStore {
  const log = (opts.log ?? pino({ level: 'silent' })).child({ component: 'event-store-esdb' });
  return createEsdbEventStore(connectEsdbClient(opts.connectionString, log, opts), { ...opts, log });
}

interface Head {
  revision: number;
  chain: string;
}

interface Claim {
  stream: string;
  contentHash: string;
  /** Revision of the target stream's last event seen before the claim: the event lands after it. */
  fromRevision: number;
}

/** One event to write to a stream: checked for in the stream's events after `scannedUpTo`. */
interface Pending {
  e: Envelope;
  h: Hashed;
  scannedUpTo: number;
}

interface Written {
  status: 'appended' | 'duplicate';
  position: number;
  revision: number;
}

/** Adapter logic over the narrow client (the real one, or the in-process fake in tests). */
export function createEsdbEventStore(client: EsdbClient, opts: EsdbStoreOptions = {}): EsdbEventStore {
  const log = opts.log ?? pino({ level: 'silent' });
  const now = opts.now ?? (() => new Date().toISOString());
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  const concurrency = opts.concurrency ?? 16;
  const snapshotEvery = opts.countSnapshotEvery ?? 10_000;
  const heads = new Map<string, Head>();
  const known = new RecentPositions();
  const subscriptions = new Set<Subscription>();
  let lastRecorded = '';

  /** recordedAt never goes backwards along what this process writes. */
  function recordedAtNow(): string {
    const t = now();
    lastRecorded = t > lastRecorded ? t : lastRecorded;
    return lastRecorded;
  }

  const remember = (e: StoredEvent) => known.add(e.position);
  const stored = (r: EsdbRecorded): StoredEvent => {
    const s = toStored(r);
    remember(s);
    return s;
  };

  // --- stream heads (revision + chain hash of the last event) ---------------------------------

  async function freshHead(stream: string): Promise<Head> {
    const [last] = await client.readStream(stream, { from: 'end', direction: 'backwards', maxCount: 1 });
    const h: Head = last ? { revision: Number(last.revision), chain: toStored(last).chainHash } : { revision: -1, chain: GENESIS };
    heads.set(stream, h);
    return h;
  }
  /** The cached head (possibly behind: appends at its revision fail and refresh it), else a fresh one. */
  const cachedHead = async (stream: string): Promise<Head> => heads.get(stream) ?? freshHead(stream);

  /** Events of a stream after a revision (up to `upTo`), in pages. */
  async function readStreamRange(stream: string, after: number, upTo: number): Promise<EsdbRecorded[]> {
    const out: EsdbRecorded[] = [];
    let from = after + 1;
    while (from <= upTo) {
      const page = await client.readStream(stream, { from: BigInt(from), direction: 'forwards', maxCount: Math.min(1024, upTo - from + 1) });
      out.push(...page);
      if (page.length === 0) break;
      from = Number(page[page.length - 1]!.revision) + 1;
    }
    return out;
  }

  /** Finds the event with this id in a stream, after a revision. */
  async function locate(stream: string, id: string, after: number): Promise<StoredEvent | null> {
    let from = Math.max(0, after + 1);
    for (;;) {
      const page = await client.readStream(stream, { from: BigInt(from), direction: 'forwards', maxCount: 256 });
      for (const r of page) if (r.id.toLowerCase() === id) return stored(r);
      if (page.length < 256) return null;
      from = Number(page[page.length - 1]!.revision) + 1;
    }
  }

  // --- claims -----------------------------------------------------------------------------------

  const claimStream = (id: string) => CLAIM_STREAM_PREFIX + id.toLowerCase();

  async function readClaim(id: string): Promise<Claim | null> {
    const [r] = await client.readStream(claimStream(id), { from: 'start', direction: 'forwards', maxCount: 1 });
    if (!r) return null;
    const c = r.data as Partial<Claim> | null;
    if (!c || typeof c.stream !== 'string' || typeof c.contentHash !== 'string' || typeof c.fromRevision !== 'number')
      throw new Fail(storeCorrupt(`claim stream ${claimStream(id)} holds no valid claim`));
    return c as Claim;
  }

  /** Writes the claim of an id; false when the id was already claimed. */
  async function writeClaim(id: string, c: Claim): Promise<boolean> {
    const data: EsdbEventData = { id: randomUUID(), type: CLAIM_TYPE, data: { ...c }, metadata: { claimedAt: now() } };
    try {
      await client.appendToStream(claimStream(id), [data], 'no_stream');
      return true;
    } catch (err) {
      if (isEsdbError(err, 'wrong_expected_version')) return false;
      throw err;
    }
  }

  /** An id reused with other content, whose claimed event is not (yet) in its stream. */
  const claimConflict = (eventId: string): IdConflict => ({
    _tag: 'IdConflict',
    retriable: false,
    eventId,
    existingPosition: null,
    message: `event ${eventId}: ${ID_REUSED} (claimed by a writer that has not stored it yet)`,
  });

  // --- writing to one stream ------------------------------------------------------------------

  /**
   * Appends the pending events to a stream at the exact revision it checked: before each attempt
   * it reads the stream's events after what was already scanned, and drops the pending events
   * found there (written by a concurrent writer or an earlier, interrupted attempt) as duplicates.
   * A stream moving in between makes the append fail, and it starts over: so no id is stored twice.
   */
  async function writeToStream(stream: string, pending: readonly Pending[], expected: ExpectedRevision, start: Head): Promise<Map<string, Written>> {
    const result = new Map<string, Written>();
    let head = start;
    let todo = [...pending];
    for (let attempt = 1; ; attempt++) {
      const lo = Math.min(...todo.map((p) => p.scannedUpTo));
      if (lo < head.revision) {
        const ids = new Map(todo.map((p) => [p.e.id, p]));
        for (const r of await readStreamRange(stream, lo, head.revision)) {
          const p = ids.get(r.id.toLowerCase());
          if (!p) continue;
          const s = stored(r);
          if (s.contentHash !== p.h.contentHash) throw new Fail(idConflict(p.e.id, s.position));
          result.set(p.e.id, { status: 'duplicate', position: s.position, revision: s.revision });
        }
        todo = todo.filter((p) => !result.has(p.e.id));
        for (const p of todo) p.scannedUpTo = head.revision;
      }
      if (todo.length === 0) return result;
      if (!revisionMatches(expected, head.revision)) throw new Fail(wrongExpectedRevision(stream, expected, head.revision));

      const at = recordedAtNow();
      let chain = head.chain;
      const data: EsdbEventData[] = todo.map((p, i) => {
        const revision = head.revision + 1 + i;
        chain = chainHash(stream, revision, chain, p.h.contentHash);
        return {
          id: p.e.id,
          type: p.e.type,
          data: JSON.parse(p.h.canonical) as Record<string, unknown>,
          metadata: { contentHash: p.h.contentHash, chainHash: chain, revision, recordedAt: at },
        };
      });
      try {
        await client.appendToStream(stream, data, head.revision < 0 ? 'no_stream' : BigInt(head.revision));
      } catch (err) {
        if (!isEsdbError(err, 'wrong_expected_version')) throw err;
        if (attempt >= MAX_ATTEMPTS) throw new Fail(storeUnavailable(`stream ${stream}: still moving after ${attempt} attempts to append`));
        log.debug({ stream, expected: head.revision, attempt }, 'stream moved under the append; re-checking');
        head = await freshHead(stream);
        continue;
      }
      const newHead: Head = { revision: head.revision + todo.length, chain };
      heads.set(stream, newHead);
      // Positions of the new events (the append answers with the last one only).
      const back = await client.readStream(stream, { from: BigInt(head.revision + 1), direction: 'forwards', maxCount: todo.length });
      for (let i = 0; i < todo.length; i++) {
        const r = back[i];
        const p = todo[i]!;
        if (!r || r.id.toLowerCase() !== p.e.id) throw new Fail(storeCorrupt(`stream ${stream}: event ${p.e.id} is not at revision ${head.revision + 1 + i} after its append`));
        const position = portPosition(r);
        known.add(position);
        // EventStoreDB answers success, without writing, to the same ids at the same expected
        // revision: an event another writer stored just before is not this call's append.
        const mine = (r.metadata as { recordedAt?: unknown } | undefined)?.recordedAt === at;
        result.set(p.e.id, { status: mine ? 'appended' : 'duplicate', position, revision: head.revision + 1 + i });
      }
      return result;
    }
  }

  // --- the port -----------------------------------------------------------------------------------

  async function appendToStream(stream: string, events: readonly Envelope[], expected: ExpectedRevision): Promise<AppendResult> {
    if (!isDvkStream(stream)) throw new TypeError(`the EventStoreDB adapter keeps dvk streams only (unit-…, district), not ${JSON.stringify(stream)}`);
    // 1. the batch itself: the same id twice is a duplicate, or a conflict when the content differs
    const hashed = events.map(hashEnvelope);
    const firstHash = new Map<string, string>();
    const ids: string[] = [];
    events.forEach((e, i) => {
      const h = hashed[i]!.contentHash;
      const seen = firstHash.get(e.id);
      if (seen === undefined) {
        firstHash.set(e.id, h);
        ids.push(e.id);
      } else if (seen !== h) throw new Fail(idConflict(e.id, null));
    });
    const hashOf = (id: string) => hashed[events.findIndex((e) => e.id === id)]!;
    const envOf = (id: string) => events.find((e) => e.id === id)!;

    // 2. existing claims: nothing is written when one conflicts
    const claims = await mapLimit(ids, concurrency, (id) => readClaim(id));
    const done = new Map<string, Written>();
    const takeovers: Pending[] = [];
    const elsewhere: { claim: Claim; p: Pending }[] = [];
    const fresh: string[] = [];
    const located = await mapLimit(ids, concurrency, async (id, i) => {
      const c = claims[i];
      return c ? locate(c.stream, id, c.fromRevision) : null;
    });
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const c = claims[i];
      const found = located[i];
      if (!c) {
        fresh.push(id);
        continue;
      }
      if (c.contentHash !== firstHash.get(id)) throw new Fail(found ? idConflict(id, found.position) : claimConflict(id));
      if (found) done.set(id, { status: 'duplicate', position: found.position, revision: found.revision });
      else if (c.stream === stream) takeovers.push({ e: envOf(id), h: hashOf(id), scannedUpTo: c.fromRevision });
      else elsewhere.push({ claim: c, p: { e: envOf(id), h: hashOf(id), scannedUpTo: c.fromRevision } });
    }

    let head: Head | null = null;
    if (fresh.length + takeovers.length > 0) {
      // 3. the expected revision, checked on the stream as it is now, before anything is written
      head = await freshHead(stream);
      if (!revisionMatches(expected, head.revision)) throw new Fail(wrongExpectedRevision(stream, expected, head.revision));
      // 4. claim the new ids
      const h0 = head.revision;
      const won = await mapLimit(fresh, concurrency, (id) => writeClaim(id, { stream, contentHash: firstHash.get(id)!, fromRevision: h0 }));
      const pending: Pending[] = [...takeovers];
      for (let i = 0; i < fresh.length; i++) {
        const id = fresh[i]!;
        if (won[i]) {
          pending.push({ e: envOf(id), h: hashOf(id), scannedUpTo: h0 });
          continue;
        }
        // claimed by someone else in the meantime
        const c = (await readClaim(id))!;
        if (c.contentHash !== firstHash.get(id)) {
          const f = await locate(c.stream, id, c.fromRevision);
          throw new Fail(f ? idConflict(id, f.position) : claimConflict(id));
        }
        if (c.stream === stream) pending.push({ e: envOf(id), h: hashOf(id), scannedUpTo: c.fromRevision });
        else elsewhere.push({ claim: c, p: { e: envOf(id), h: hashOf(id), scannedUpTo: c.fromRevision } });
      }
      // 5. append, in batch order
      const order = new Map(ids.map((id, i) => [id, i]));
      pending.sort((a, b) => order.get(a.e.id)! - order.get(b.e.id)!);
      if (pending.length > 0) for (const [id, w] of await writeToStream(stream, pending, expected, head)) done.set(id, w);
    }
    // The same content claimed for another stream: complete it there (it is a duplicate here).
    for (const { claim, p } of elsewhere) {
      const w = (await writeToStream(claim.stream, [p], 'any', await cachedHead(claim.stream))).get(p.e.id)!;
      done.set(p.e.id, { ...w, status: 'duplicate' });
    }

    const seen = new Set<string>();
    const outcomes: AppendOutcome[] = events.map((e) => {
      const w = done.get(e.id)!;
      const first = !seen.has(e.id);
      seen.add(e.id);
      return { status: first ? w.status : 'duplicate', id: e.id, position: w.position, revision: w.revision };
    });
    const wrote = outcomes.some((o) => o.status === 'appended');
    const revision = wrote ? heads.get(stream)!.revision : (await freshHead(stream)).revision;
    return { stream, revision, outcomes };
  }

  async function appendMany(events: readonly Envelope[]): Promise<IngestOutcome[]> {
    const hashed = events.map(hashEnvelope);
    // Occurrences of each id, in batch order.
    const byId = new Map<string, number[]>();
    events.forEach((e, i) => byId.set(e.id, [...(byId.get(e.id) ?? []), i]));
    const ids = [...byId.keys()];
    const first = (id: string) => byId.get(id)![0]!;

    // Heads of the target streams (cached; an append at a stale one refreshes it).
    const streams = [...new Set(ids.map((id) => streamOf(events[first(id)]!)))];
    const hs = await mapLimit(streams, concurrency, (s) => cachedHead(s));
    const headOf = new Map(streams.map((s, i) => [s, hs[i]!]));

    // Claim every id (or read the claim that is there).
    interface State {
      claim: Claim;
      found: StoredEvent | null;
      pending: Pending | null;
    }
    const states = await mapLimit(ids, concurrency, async (id): Promise<State> => {
      const i = first(id);
      const e = events[i]!;
      const stream = streamOf(e);
      const mine: Claim = { stream, contentHash: hashed[i]!.contentHash, fromRevision: headOf.get(stream)!.revision };
      if (await writeClaim(id, mine)) return { claim: mine, found: null, pending: { e, h: hashed[i]!, scannedUpTo: mine.fromRevision } };
      const claim = (await readClaim(id))!;
      const found = await locate(claim.stream, id, claim.fromRevision);
      if (found) return { claim, found, pending: null };
      // Not stored yet: the first occurrence with the claimed content writes it (a takeover when
      // the claimer crashed; a concurrent claimer and this writer are serialised by the stream).
      const j = byId.get(id)!.find((k) => hashed[k]!.contentHash === claim.contentHash);
      return { claim, found: null, pending: j === undefined ? null : { e: events[j]!, h: hashed[j]!, scannedUpTo: claim.fromRevision } };
    });
    const stateOf = new Map(ids.map((id, i) => [id, states[i]!]));

    // Append per stream, in batch order within a stream.
    const groups = new Map<string, Pending[]>();
    for (const s of states) if (s.pending) groups.set(s.claim.stream, [...(groups.get(s.claim.stream) ?? []), s.pending]);
    const written = new Map<string, Written>();
    await mapLimit([...groups], concurrency, async ([stream, pending]) => {
      const w = await writeToStream(stream, pending, 'any', headOf.get(stream) ?? (await cachedHead(stream)));
      for (const [id, x] of w) written.set(id, x);
    });

    // One outcome per event.
    const used = new Set<string>();
    return events.map((e, i): IngestOutcome => {
      const s = stateOf.get(e.id)!;
      const at: Written | null = s.found ? { status: 'duplicate', position: s.found.position, revision: s.found.revision } : written.get(e.id) ?? null;
      if (hashed[i]!.contentHash !== s.claim.contentHash || !at) {
        const c = at ? idConflict(e.id, at.position) : claimConflict(e.id);
        return { status: 'conflict', id: e.id, position: at?.position ?? null, reason: c.message };
      }
      const firstTime = at.status === 'appended' && !used.has(e.id);
      used.add(e.id);
      return { status: firstTime ? 'appended' : 'duplicate', id: e.id, position: at.position, revision: at.revision };
    });
  }

  // --- reading the log ------------------------------------------------------------------------

  /**
   * Where to start reading $all to see every event after a port position. A position this process
   * has seen is a record start; another one is checked with a one-event read; one that is not the
   * start of a record (arithmetic on positions, `p - 1`) starts at the beginning of its chunk —
   * chunk starts are always record starts — and the events up to the position are skipped.
   */
  async function startFor(after: number): Promise<EsdbFrom> {
    if (after <= 0) return 'start';
    if (known.has(after)) return commitOf(after);
    try {
      const [r] = await client.readAll({ from: commitOf(after), direction: 'forwards', maxCount: 1 });
      if (r && r.commit === commitOf(after)) return commitOf(after);
    } catch (err) {
      if (!isEsdbError(err, 'invalid_position')) throw err;
    }
    const floor = BigInt(Math.floor((after - 1) / chunkSize) * chunkSize);
    if (floor === 0n) return 'start';
    try {
      await client.readAll({ from: floor, direction: 'forwards', maxCount: 1 });
      return floor;
    } catch (err) {
      if (!isEsdbError(err, 'invalid_position')) throw err;
      // No chunk there: the position is past the end of the log; only later events follow it.
      return 'end';
    }
  }

  /** Reads dvk events after a position, in $all order, filtered by the server to dvk's streams. */
  async function readLog(after: number, maxCount: number, upTo?: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    if (maxCount <= 0 || (upTo !== undefined && upTo <= after)) return out;
    let from = await startFor(after);
    let last = after;
    for (;;) {
      const page = Math.min(maxCount - out.length + 1, 4096);
      const evs = await client.readAll({ from, direction: 'forwards', maxCount: page, prefixes: DVK_STREAM_PREFIXES });
      let fresh = 0;
      for (const r of evs) {
        const p = portPosition(r);
        if (p <= last) continue;
        fresh++;
        last = p;
        if (!isDvkStream(r.stream)) continue;
        if (upTo !== undefined && p > upTo) return out;
        out.push(stored(r));
        if (out.length >= maxCount) return out;
      }
      if (evs.length < page || fresh === 0) return out;
      from = commitOf(last);
    }
  }

  /** The last dvk event of the log (position 0 when none). */
  async function lastPosition(): Promise<number> {
    let from: EsdbFrom = 'end';
    let last = Infinity;
    for (;;) {
      const evs = await client.readAll({ from, direction: 'backwards', maxCount: 16, prefixes: DVK_STREAM_PREFIXES });
      let fresh = 0;
      for (const r of evs) {
        const p = portPosition(r);
        if (p >= last) continue;
        fresh++;
        last = p;
        if (isDvkStream(r.stream)) return p;
      }
      if (evs.length < 16 || fresh === 0) return 0;
      from = commitOf(last);
    }
  }

  // --- head(): position and number of events ----------------------------------------------------

  let counted: { position: number; count: number } | null = null;
  let counting: Promise<unknown> = Promise.resolve();

  async function loadCountSnapshot(): Promise<{ position: number; count: number }> {
    const [r] = await client.readStream(COUNT_STREAM, { from: 'end', direction: 'backwards', maxCount: 1 });
    const d = r?.data as { position?: unknown; count?: unknown } | undefined;
    if (d && Number.isSafeInteger(d.position) && Number.isSafeInteger(d.count)) return { position: d.position as number, count: d.count as number };
    if (r) log.warn({ stream: COUNT_STREAM }, 'ignoring an unreadable count snapshot; counting from the start');
    return { position: 0, count: 0 };
  }

  /** Number of dvk events at or before a position: a snapshot plus the events after it. */
  async function countUpTo(position: number): Promise<number> {
    counted ??= await loadCountSnapshot();
    if (counted.position >= position) return counted.position === position ? counted.count : countFromZero(position);
    let n = counted.count;
    let after = counted.position;
    for (;;) {
      const page = await readLog(after, 4096, position);
      if (page.length === 0) break;
      n += page.length;
      after = page[page.length - 1]!.position;
    }
    const delta = n - counted.count;
    counted = { position, count: n };
    if (delta >= snapshotEvery) {
      try {
        await client.appendToStream(COUNT_STREAM, [{ id: randomUUID(), type: COUNT_TYPE, data: { position, count: n }, metadata: { at: now() } }], 'any');
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'could not write a count snapshot (it only saves time)');
      }
    }
    return n;
  }

  async function countFromZero(position: number): Promise<number> {
    let n = 0;
    let after = 0;
    for (;;) {
      const page = await readLog(after, 4096, position);
      if (page.length === 0) return n;
      n += page.length;
      after = page[page.length - 1]!.position;
    }
  }

  // --- subscriptions ----------------------------------------------------------------------------

  const store: EsdbEventStore = {
    kind: 'esdb',

    appendToStream: (stream, events, expected = 'any') => guard<AppendError, AppendResult>(`append to ${stream}`, () => appendToStream(stream, events, expected)),

    appendMany: (events) => guard<never, IngestOutcome[]>('appendMany', () => appendMany(events)),

    readStream: (stream, o = {}) =>
      guard<never, StoredEvent[]>(`read ${stream}`, async () => {
        const evs = await client.readStream(stream, { from: BigInt(o.fromRevision ?? 0), direction: 'forwards', maxCount: o.maxCount ?? Number.MAX_SAFE_INTEGER });
        return evs.map(stored);
      }),

    readAll: ({ after, maxCount, upTo }) => guard<never, StoredEvent[]>('read $all', () => readLog(after, maxCount, upTo)),

    readAt: (positions) =>
      guard<never, StoredEvent[]>('read at positions', async () => {
        const ps = [...new Set(positions)].filter((p) => Number.isSafeInteger(p) && p > 0).sort((a, b) => a - b);
        const found = await mapLimit(ps, concurrency, async (p) => {
          try {
            const [r] = await client.readAll({ from: commitOf(p), direction: 'forwards', maxCount: 1 });
            return r && r.commit === commitOf(p) && isDvkStream(r.stream) ? stored(r) : null;
          } catch (err) {
            if (isEsdbError(err, 'invalid_position')) return null;
            throw err;
          }
        });
        return found.filter((x): x is StoredEvent => x !== null);
      }),

    findById: (id) =>
      guard<never, StoredEvent | null>(`find ${id}`, async () => {
        if (!UUID_RE.test(id)) return null;
        const c = await readClaim(id.toLowerCase());
        return c ? locate(c.stream, id.toLowerCase(), c.fromRevision) : null;
      }),

    head: () =>
      guard<never, { position: number; events: number }>('head', () => {
        // One count at a time per process; the snapshot is read before the head, so it is behind it.
        const run = counting.then(async () => {
          counted ??= await loadCountSnapshot();
          const position = await lastPosition();
          return { position, events: await countUpTo(position) };
        });
        counting = run.catch(() => undefined);
        return run;
      }),

    positionAt: (timestamp) =>
      guard<never, number>('position at a time', async () => {
        const t = Date.parse(timestamp);
        if (Number.isNaN(t)) throw new Fail(storeUnavailable(`not a timestamp: ${timestamp}`));
        // Backwards from the end to the first event recorded at or before t: the last such position.
        let from: EsdbFrom = 'end';
        let last = Infinity;
        for (;;) {
          const evs = await client.readAll({ from, direction: 'backwards', maxCount: 512, prefixes: DVK_STREAM_PREFIXES });
          let fresh = 0;
          for (const r of evs) {
            const p = portPosition(r);
            if (p >= last) continue;
            fresh++;
            last = p;
            if (isDvkStream(r.stream) && Date.parse(toStored(r).recordedAt) <= t) return p;
          }
          if (evs.length < 512 || fresh === 0) return 0;
          from = commitOf(last);
        }
      }),

    subscribe(o, handler) {
      const sub = esdbSubscription(
        {
          client,
          log: log.child({ component: 'esdb-subscription' }),
          startFor,
          headPosition: lastPosition,
          remember,
          retry: opts.resubscribe ?? {},
          lingerMs: opts.batchLingerMs ?? 20,
          onEnd: (s) => subscriptions.delete(s),
        },
        o,
        handler,
      );
      subscriptions.add(sub);
      return sub;
    },

    ping: () =>
      guard<never, void>('ping', async () => {
        await client.readAll({ from: 'end', direction: 'backwards', maxCount: 1 });
      }),

    async close() {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await client.close();
    },
  };
  return store;
}

export type { ExpectedRevision };

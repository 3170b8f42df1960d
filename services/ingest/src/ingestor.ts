import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import type { Envelope, UnitKind } from '@dvk/contracts';
import type { DeadLetter, DeadLetterChannel, StoreError } from '@dvk/event-store';
import type { IngestStore } from './store.js';
import { SourceRegistry, checkLine, checkScope, readModelUnitLookup, type Frame, type SourceRecord, type UnitLookup } from '@dvk/ingestion';
import { catchUp, readModelQueries, rebuild, type ScoringProjection } from '@dvk/projections';
import type { IngestMetrics } from './metrics.js';

/**
 * The channel-independent heart of ingest, shared by HTTP and Kafka: read each item as an
 * envelope (`checkLine`: schema, then the envelope's `source` against the authenticated source,
 * then the channel's own check and the source's scope), and append the batch's valid events and
 * its dead letters in ONE SQLite transaction (`appendMany`). A batch is therefore applied whole
 * or not at all, and a retry of it (a client retry, a Kafka re-delivery) appends nothing twice:
 * the same id with the same content is a duplicate, with other content a rejection.
 *
 * Batches run one at a time per process (a queue). Scope checks read the unit index of the read
 * model (`rm_units`), plus the units registered earlier in the same batch. Ingest keeps that read
 * model following the log (a catch-up shortly after appends, `scheduleSync`), and when a scope
 * check refuses an event for want of a unit it does not know, it catches up first and checks the
 * batch again: so a unit registered by an earlier batch, or by another ingest process sharing the
 * file, always counts.
 */

/** Why an item was refused, as a small fixed set (metric labels, the answer's `code`). */
export type RejectCode =
  | 'framing'
  | 'malformed_json'
  | 'schema'
  | 'source_mismatch'
  | 'unknown_source'
  | 'scope'
  | 'key_mismatch'
  | 'id_conflict';

export interface Refused {
  readonly code: RejectCode;
  readonly reason: string;
}

export interface Candidate {
  readonly frame: Frame;
  /** Where the item came from, as its dead letter will say: `POST /v1/events#3`, `topic/2/1043`. */
  readonly ref: string;
  /** The authenticated source, or why the item has none (a Kafka message's source header). */
  readonly source: SourceRecord | { readonly refused: Refused; readonly name: string | null };
  /** A check of the channel's own, once the envelope is read (the Kafka key): null when it passes. */
  readonly check?: (e: Envelope) => Refused | null;
}

export type ItemResult =
  | { readonly status: 'appended' | 'duplicate'; readonly id: string; readonly position: number }
  | { readonly status: 'rejected'; readonly id: string | null; readonly code: RejectCode; readonly reason: string };

export interface IngestorOptions {
  store: IngestStore;
  log: Logger;
  metrics: IngestMetrics;
  /** The projection to keep up to date after batches; null leaves it to another component. */
  projection: ScoringProjection | null;
  /** How long after an append the read model is caught up (default 200 ms; bursts share one catch-up). */
  syncDelayMs?: number;
  /** Without a projection of its own: how long a scope check that misses a unit waits for the read model to reach the end of the log (default 2 s). */
  readModelWaitMs?: number;
}

const isSource = (s: Candidate['source']): s is SourceRecord => !('refused' in s);

/** The reason code of a line `checkLine` refused before any authorisation. */
function classify(f: Frame, d: DeadLetter): RejectCode {
  if (f.kind === 'error') return 'framing';
  const first = d.issues[0];
  if (first?.path === 'source' && first.message.startsWith('must be the authenticated source')) return 'source_mismatch';
  if (first?.path === '' && first.message.startsWith('not valid JSON')) return 'malformed_json';
  return 'schema';
}

export class Ingestor {
  readonly sources: SourceRegistry;
  private readonly store: IngestStore;
  private readonly log: Logger;
  private readonly metrics: IngestMetrics;
  private readonly projection: ScoringProjection | null;
  private readonly baseLookup: UnitLookup;
  private readonly checkpoint: () => { position: number; rulebooks: string } | null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Events were appended since the read model was last brought up to date. */
  private dirty = true;
  private syncQueued = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private readonly syncDelayMs: number;
  private readonly readModelWaitMs: number;
  private closed = false;

  constructor(o: IngestorOptions) {
    this.store = o.store;
    this.log = o.log.child({ component: 'ingestor' });
    this.metrics = o.metrics;
    this.projection = o.projection;
    this.syncDelayMs = o.syncDelayMs ?? 200;
    this.readModelWaitMs = o.readModelWaitMs ?? 2000;
    this.sources = new SourceRegistry(o.store.db);
    this.baseLookup = readModelUnitLookup(o.store.db);
    const q = readModelQueries(o.store.db);
    this.checkpoint = () => q.checkpoint(this.projection?.name ?? 'scoring');
    // Read at every scrape: right from the start (a restarted service is not at 0), and also when
    // another component (the scoring service) keeps the read model.
    this.metrics.setReadModelPositionSource(() => this.checkpoint()?.position ?? 0);
  }

  /** Runs tasks one after the other; a failing task does not stop the queue. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const next = this.queue.then(task, task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Validates, authorises and appends one batch; one result per candidate, in order. Left when
   * the store failed: then nothing of the batch was written, and the same batch may be retried.
   */
  ingest(channel: DeadLetterChannel, candidates: readonly Candidate[]): Promise<E.Either<StoreError, ItemResult[]>> {
    return this.enqueue(() => this.ingestNow(channel, candidates));
  }

  /**
   * Reads and authorises every candidate. `stale` is true when a scope check refused an event
   * after failing to find a unit in the unit index: the index may be behind the log (events
   * appended by another process, or not yet projected), so the caller catches it up and checks
   * again.
   */
  private checkAll(channel: DeadLetterChannel, candidates: readonly Candidate[]) {
    // Units registered earlier in this batch count for the scope checks of the rest of it.
    const overlay = new Map<string, { kind: UnitKind; parentId: string | null }>();
    let missed = false;
    let stale = false;
    const lookup: UnitLookup = (id) => {
      const u = overlay.get(id) ?? this.baseLookup(id);
      if (!u) missed = true;
      return u;
    };

    const results: (ItemResult | null)[] = new Array<ItemResult | null>(candidates.length).fill(null);
    const events: Envelope[] = [];
    const owners: number[] = []; // candidate index of each event
    const dead: DeadLetter[] = [];
    const reject = (i: number, d: DeadLetter, code: RejectCode) => {
      dead.push(d);
      results[i] = { status: 'rejected', id: d.eventId, code, reason: d.reason };
    };

    candidates.forEach((c, i) => {
      const src = c.source;
      if (!isSource(src)) {
        const raw = c.frame.kind === 'line' ? c.frame.text : c.frame.raw;
        const issue = { path: '', message: src.refused.reason };
        reject(i, { channel, source: src.name, ref: c.ref, eventId: null, reason: src.refused.reason, issues: [issue], raw }, src.refused.code);
        return;
      }
      let denied: RejectCode | null = null;
      const r = checkLine(c.frame, {
        ref: c.ref,
        channel,
        source: src.name,
        authorize: (e) => {
          const own = c.check?.(e);
          if (own) {
            denied = own.code;
            return own.reason;
          }
          missed = false;
          const scope = checkScope(src, e, lookup);
          if (scope) {
            denied = 'scope';
            if (missed) stale = true;
          }
          return scope;
        },
      });
      if ('dead' in r) {
        reject(i, { ...r.dead, ref: c.ref }, denied ?? classify(c.frame, r.dead));
        return;
      }
      const e = r.ok;
      if (e.type === 'UnitRegistered' && !overlay.has(e.data.unitId) && !this.baseLookup(e.data.unitId))
        overlay.set(e.data.unitId, { kind: e.data.kind, parentId: e.data.parentId ?? null });
      events.push(e);
      owners.push(i);
    });
    return { results, events, owners, dead, stale };
  }

  private async ingestNow(channel: DeadLetterChannel, candidates: readonly Candidate[]): Promise<E.Either<StoreError, ItemResult[]>> {
    const t0 = performance.now();
    let checked = this.checkAll(channel, candidates);
    if (checked.stale) {
      // The unit index may be behind the log: bring it up (or, when another component keeps it,
      // wait a little for it), then check again.
      const fresh = this.projection ? await this.syncNow() : await this.waitForReadModel(this.readModelWaitMs);
      if (fresh) checked = this.checkAll(channel, candidates);
    }
    const { results, events, owners, dead } = checked;

    const appended = await this.store.appendMany(events, {
      deadLetters: dead,
      onConflict: (j, reason) => {
        const c = candidates[owners[j]!]!;
        return {
          channel,
          source: isSource(c.source) ? c.source.name : null,
          ref: c.ref,
          eventId: events[j]!.id,
          reason,
          issues: [{ path: 'id', message: reason }],
          raw: c.frame.kind === 'line' ? c.frame.text : c.frame.raw,
        };
      },
    });
    if (E.isLeft(appended)) {
      this.log.error({ channel, events: events.length, err: appended.left.message }, 'append failed; nothing of the batch was written');
      return appended;
    }

    let nAppended = 0;
    let nDuplicates = 0;
    appended.right.forEach((o, j) => {
      const i = owners[j]!;
      if (o.status === 'conflict') results[i] = { status: 'rejected', id: o.id, code: 'id_conflict', reason: o.reason };
      else {
        results[i] = { status: o.status, id: o.id, position: o.position };
        if (o.status === 'appended') nAppended++;
        else nDuplicates++;
      }
    });
    const out = results as ItemResult[];
    const m = this.metrics;
    m.appended.inc({ channel }, nAppended);
    m.duplicates.inc({ channel }, nDuplicates);
    for (const r of out) if (r.status === 'rejected') m.rejected.inc({ channel, reason: r.code });
    m.batchSeconds.observe({ channel }, (performance.now() - t0) / 1000);
    this.log.debug({ channel, items: candidates.length, appended: nAppended, duplicates: nDuplicates, rejected: out.length - nAppended - nDuplicates }, 'batch ingested');

    if (nAppended > 0) {
      this.dirty = true;
      this.scheduleSync();
    }
    return E.right(out);
  }

  /**
   * Catches the read model up a little after appends (`syncDelayMs`), once for a burst of
   * batches, queued after the batches already waiting. Scope checks do not depend on it: a batch
   * whose scope check misses a unit catches up first (see `ingestNow`).
   */
  private scheduleSync(): void {
    if (!this.projection || this.closed || this.syncTimer || this.syncQueued) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.syncQueued = true;
      void this.enqueue(async () => {
        this.syncQueued = false;
        if (this.dirty) await this.syncNow();
      });
    }, this.syncDelayMs);
    this.syncTimer.unref();
  }

  /** Waits until the read model someone else keeps has reached the end of the log (false on timeout). */
  private async waitForReadModel(timeoutMs: number): Promise<boolean> {
    const head = await this.store.head();
    if (E.isLeft(head)) return false;
    const deadline = Date.now() + timeoutMs;
    while ((this.checkpoint()?.position ?? 0) < head.right.position) {
      if (Date.now() >= deadline) {
        this.log.warn({ head: head.right.position, readModel: this.checkpoint()?.position ?? 0 }, 'the read model is behind the log; scope checks use it as it is');
        return false;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /**
   * Records input refused before it could be split into events (an HTTP body that is not JSON or
   * not UTF-8): one dead letter, so that what was refused is on record like any bad event.
   */
  recordRefused(letter: DeadLetter): Promise<E.Either<StoreError, number>> {
    return this.enqueue(() => this.store.recordDeadLetters([letter]));
  }

  /** Brings the read model up to the end of the log (queued after the batches in flight). */
  syncReadModel(): Promise<boolean> {
    return this.enqueue(() => this.syncNow());
  }

  /**
   * Catches the projection up to the end of the log (rebuilding it when it was built under other
   * rulebooks). Several ingest processes may share one file: a commit finds out when another
   * writer moved the checkpoint, writes nothing and reloads (`CommitSummary.conflict`), and the
   * catch-up simply goes on from there.
   */
  private async syncNow(): Promise<boolean> {
    const proj = this.projection;
    if (!proj) {
      this.dirty = false;
      return true;
    }
    const t0 = performance.now();
    try {
      const cp = this.checkpoint();
      const rebuilt = cp !== null && cp.rulebooks !== proj.rulebooks.hash;
      let position: number;
      if (rebuilt) {
        this.log.warn({ stored: cp.rulebooks, configured: proj.rulebooks.hash }, 'the read model was built under other rulebooks: rebuilding it');
        const r = await rebuild(this.store, proj);
        if (E.isLeft(r)) throw new Error(r.left.message);
        position = r.right.position;
      } else {
        for (let attempt = 1; ; attempt++) {
          let conflict = false;
          const r = await catchUp(this.store, proj, { onCommit: (c) => (conflict ||= c.conflict === true) });
          if (E.isLeft(r)) throw new Error(r.left.message);
          position = r.right;
          if (!conflict) break;
          if (attempt >= 5) throw new Error('another writer keeps moving the read model');
        }
      }
      this.dirty = false;
      this.log.debug({ position, rebuilt, ms: Math.round(performance.now() - t0) }, 'read model up to date');
      return true;
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'updating the read model failed; it stays behind until the next batch');
      return false;
    }
  }

  /** Waits for the batches queued so far, brings the read model up to date, accepts no more catch-ups. */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    await this.enqueue(async () => {
      if (this.dirty && this.projection) await this.syncNow();
    });
  }
}

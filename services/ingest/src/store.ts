import * as E from 'fp-ts/lib/Either.js';
import type Database from 'better-sqlite3';
import type { Envelope } from '@dvk/contracts';
import type { DeadLetter, DeadLetterStore, EventStore, IngestOutcome, StoreError } from '@dvk/event-store';
import type { SqliteEventStore } from '@dvk/event-store-sqlite';

/**
 * What ingest needs of a store: the event store port, dead letters, a SQLite file for sources and
 * the unit index, and a bulk append that records a batch's dead letters with it.
 *
 * - Embedded (DVK_STORE=sqlite): the SQLite store itself — events and dead letters in ONE
 *   transaction.
 * - Distributed (DVK_STORE=esdb): events to EventStoreDB, dead letters (and sources, the unit
 *   index) in the service's local SQLite file. Not one transaction: the events are appended
 *   first, then the dead letters; a crash in between loses no event and, on the retry or
 *   re-delivery, the append is a no-op (idempotent by id) and the dead letters are recorded
 *   (kept once by their key).
 */
export interface IngestStore extends EventStore, DeadLetterStore {
  readonly db: Database.Database;
  appendMany(
    events: readonly Envelope[],
    opts?: { deadLetters?: readonly DeadLetter[]; onConflict?: (index: number, reason: string) => DeadLetter },
  ): Promise<E.Either<StoreError, IngestOutcome[]>>;
}

export const sqliteIngestStore = (s: SqliteEventStore): IngestStore => s;

export function splitIngestStore(events: EventStore, local: { db: Database.Database; deadLetters: DeadLetterStore; close(): Promise<void> }): IngestStore {
  return {
    db: local.db,
    appendToStream: (...a) => events.appendToStream(...a),
    readStream: (...a) => events.readStream(...a),
    readAll: (o) => events.readAll(o),
    readAt: (p) => events.readAt(p),
    findById: (id) => events.findById(id),
    head: () => events.head(),
    positionAt: (t) => events.positionAt(t),
    subscribe: (o, h) => events.subscribe(o, h),
    close: () => local.close(),
    recordDeadLetters: (items) => local.deadLetters.recordDeadLetters(items),
    listDeadLetters: (o) => local.deadLetters.listDeadLetters(o),
    countDeadLetters: () => local.deadLetters.countDeadLetters(),
    async appendMany(batch, opts = {}) {
      const r = await events.appendMany(batch);
      if (E.isLeft(r)) return r;
      const letters = [...(opts.deadLetters ?? [])];
      r.right.forEach((o, i) => {
        if (o.status === 'conflict' && opts.onConflict) letters.push(opts.onConflict(i, o.reason));
      });
      if (letters.length) {
        const d = await local.deadLetters.recordDeadLetters(letters);
        if (E.isLeft(d)) return d;
      }
      return r;
    },
  };
}

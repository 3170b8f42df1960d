import type * as E from 'fp-ts/lib/Either.js';
import type { Envelope, RecordedEvent } from '@dvk/contracts';

/**
 * The event store port: one ordered log of streams. Adapters: in-memory (tests), SQLite (the
 * embedded default), EventStoreDB (distributed). All of them pass the contract suite in
 * `@dvk/event-store/contract`.
 *
 * Revisions are 0-based within a stream; positions are 1-based in the global log and strictly
 * increasing in append order. Every event carries the hash chain of issue 6.
 */

/** What the writer expects the stream to be: a revision (of its last event), or a state. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface StoredEvent extends RecordedEvent {
  /** When the store appended it (the store's clock, ISO-8601 UTC). Not part of any result. */
  readonly recordedAt: string;
  /** SHA-256 (hex) of the canonical JSON of the envelope. */
  readonly contentHash: string;
  /** SHA-256 (hex) chaining this event to the previous one of its stream. */
  readonly chainHash: string;
}

export type AppendOutcome =
  | { readonly status: 'appended'; readonly id: string; readonly position: number; readonly revision: number }
  /** The same id with the same content is already in the log: nothing written. */
  | { readonly status: 'duplicate'; readonly id: string; readonly position: number; readonly revision: number };

export type IngestOutcome =
  | AppendOutcome
  /** The same id with other content is already in the log (or earlier in the batch). */
  | { readonly status: 'conflict'; readonly id: string; readonly position: number | null; readonly reason: string };

export interface AppendResult {
  readonly stream: string;
  /** Revision of the stream's last event after the append (-1: the stream is still empty). */
  readonly revision: number;
  readonly outcomes: readonly AppendOutcome[];
}

export interface Head {
  /** Position of the last event (0 for an empty log). */
  readonly position: number;
  readonly events: number;
}

export interface StreamHead {
  readonly stream: string;
  readonly revision: number;
  readonly chainHash: string;
}

// --- Errors at the edge: tagged data, never thrown (house style §2). ---------------------------

export interface WrongExpectedRevision {
  readonly _tag: 'WrongExpectedRevision';
  readonly retriable: true;
  readonly stream: string;
  readonly expected: ExpectedRevision;
  /** Revision of the stream's last event; -1 when the stream does not exist. */
  readonly actual: number;
  readonly message: string;
}
export interface IdConflict {
  readonly _tag: 'IdConflict';
  readonly retriable: false;
  readonly eventId: string;
  readonly existingPosition: number | null;
  readonly message: string;
}
export interface StoreUnavailable {
  readonly _tag: 'StoreUnavailable';
  readonly retriable: true;
  readonly message: string;
  readonly cause?: unknown;
}
export interface StoreCorrupt {
  readonly _tag: 'StoreCorrupt';
  readonly retriable: false;
  readonly message: string;
  readonly position?: number;
}
export type StoreError = StoreUnavailable | StoreCorrupt;
export type AppendError = WrongExpectedRevision | IdConflict | StoreError;

export const ID_REUSED = 'id reused with a different payload';

export const wrongExpectedRevision = (stream: string, expected: ExpectedRevision, actual: number): WrongExpectedRevision => ({
  _tag: 'WrongExpectedRevision',
  retriable: true,
  stream,
  expected,
  actual,
  message: `stream ${stream}: expected ${typeof expected === 'number' ? `revision ${expected}` : expected}, but it is ${actual < 0 ? 'empty' : `at revision ${actual}`}`,
});
export const idConflict = (eventId: string, existingPosition: number | null): IdConflict => ({
  _tag: 'IdConflict',
  retriable: false,
  eventId,
  existingPosition,
  message: `event ${eventId}: ${ID_REUSED}${existingPosition ? ` (the stored one is at position ${existingPosition})` : ' (earlier in the same batch)'}`,
});
export const storeUnavailable = (message: string, cause?: unknown): StoreUnavailable => ({
  _tag: 'StoreUnavailable',
  retriable: true,
  message,
  cause,
});

/** True when `actual` (revision of the last event, -1 when none) satisfies `expected`. */
export function revisionMatches(expected: ExpectedRevision, actual: number): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return actual < 0;
  if (expected === 'stream_exists') return actual >= 0;
  return expected === actual;
}

export interface ReadAllOptions {
  /** Read events at positions strictly after this one (0: from the start). */
  readonly after: number;
  readonly maxCount: number;
  /** Stop at this position (inclusive): replays as of a point. */
  readonly upTo?: number;
}

export interface SubscribeOptions {
  /** Deliver events strictly after this position (a checkpoint). */
  readonly after: number;
  readonly batchSize?: number;
}

/** A catch-up subscription: delivers the log from `after` in batches, then goes live. */
export interface Subscription {
  /** Position of the last event handed to the handler and completed. */
  readonly position: () => number;
  /** Resolves once the subscription has read everything that existed when it started. */
  readonly caughtUp: Promise<void>;
  /** Resolves when the subscription ends: Right after stop(), Left on a store or handler failure. */
  readonly done: Promise<E.Either<StoreError | { _tag: 'HandlerFailed'; cause: unknown }, void>>;
  stop(): Promise<void>;
}

export type BatchHandler = (batch: readonly StoredEvent[]) => Promise<void> | void;

export interface EventStore {
  /** Appends to one stream, atomically, if the stream is at the expected revision. Idempotent by event id. */
  appendToStream(stream: string, events: readonly Envelope[], expected?: ExpectedRevision): Promise<E.Either<AppendError, AppendResult>>;
  /**
   * Bulk ingest: each event to its own stream (`streamOf`), expected revision `any`, with one
   * outcome per event; a conflicting id is an outcome, not a failure of the batch. Atomic as a
   * whole where the store allows it (SQLite: one transaction).
   */
  appendMany(events: readonly Envelope[]): Promise<E.Either<StoreError, IngestOutcome[]>>;
  readStream(stream: string, opts?: { fromRevision?: number; maxCount?: number }): Promise<E.Either<StoreError, StoredEvent[]>>;
  readAll(opts: ReadAllOptions): Promise<E.Either<StoreError, StoredEvent[]>>;
  /** The events at the given positions (those that exist), in position order. */
  readAt(positions: readonly number[]): Promise<E.Either<StoreError, StoredEvent[]>>;
  findById(id: string): Promise<E.Either<StoreError, StoredEvent | null>>;
  head(): Promise<E.Either<StoreError, Head>>;
  /** The last position recorded at or before an instant (ISO-8601): replays "as of" a time. */
  positionAt(timestamp: string): Promise<E.Either<StoreError, number>>;
  subscribe(opts: SubscribeOptions, handler: BatchHandler): Subscription;
  close(): Promise<void>;
}

import * as E from 'fp-ts/lib/Either.js';
import type { RecordedEvent } from '@dvk/contracts';
import type { EventStore, StoreError, Subscription } from '@dvk/event-store';
import { evolve, initialState, type ScoringState } from '@dvk/scoring';
import type { CommitSummary, ScoringProjection } from './scoring-projection.js';

/**
 * Runs the scoring projection over the log: catch up from the checkpoint (committing every
 * `commitEvery` events, so a long catch-up neither holds one huge transaction nor loses much on a
 * crash), rebuild from zero, or follow the log live through the store's catch-up subscription.
 */

export interface Progress {
  position: number;
  head: number;
}

export interface CatchUpOptions {
  pageSize?: number;
  /** Commit after this many events (default 500,000) and when caught up: a commit re-evaluates every changed year, so fewer is faster. */
  commitEvery?: number;
  onProgress?: (p: Progress) => void;
  onCommit?: (c: CommitSummary) => void;
}

/** Reads pages synchronously when the store can (SQLite), else through the port. */
type PageReader = (after: number, max: number, upTo?: number) => Promise<E.Either<StoreError, readonly RecordedEvent[]>>;

export function pageReader(store: EventStore): PageReader {
  const sync = (store as { readRecordedPageSync?: (a: number, m: number, u?: number) => RecordedEvent[] }).readRecordedPageSync;
  if (sync) return async (after, max, upTo) => E.right(sync(after, max, upTo));
  return (after, max, upTo) => store.readAll({ after, maxCount: max, upTo });
}

export async function catchUp(store: EventStore, proj: ScoringProjection, opts: CatchUpOptions = {}): Promise<E.Either<StoreError, number>> {
  // From an empty read model, catching up is rebuilding: streamed where the store can (memory
  // then grows with the units, not the events), unless another writer starts the read model first.
  if (proj.committedPosition === 0 && proj.position === 0 && streamsOf(store)) {
    const r = await streamingRebuild(store, proj, opts, true);
    if (E.isLeft(r)) return r;
    if (!r.right.conflict) return E.right(r.right.position);
  }
  const pageSize = opts.pageSize ?? 1000;
  const commitEvery = opts.commitEvery ?? 500_000;
  const read = pageReader(store);
  const head = await store.head();
  if (E.isLeft(head)) return head;
  let pending = 0;
  for (;;) {
    const page = await read(proj.position, pageSize);
    if (E.isLeft(page)) return page;
    if (page.right.length === 0) break;
    proj.fold(page.right);
    pending += page.right.length;
    opts.onProgress?.({ position: proj.position, head: Math.max(head.right.position, proj.position) });
    if (pending >= commitEvery) {
      const c = proj.commit();
      opts.onCommit?.(c);
      pending = 0;
    }
  }
  if (pending > 0 || proj.committedPosition !== proj.position) {
    const c = proj.commit();
    opts.onCommit?.(c);
  }
  return E.right(proj.position);
}

/** A store that can read the log stream by stream, synchronously (SQLite): a rebuild then streams. */
interface StreamReader {
  readStreamsSync(upTo: number): { streams: number; each: Iterable<readonly RecordedEvent[]> };
}
const streamsOf = (store: EventStore): StreamReader | null => (typeof (store as Partial<StreamReader>).readStreamsSync === 'function' ? (store as unknown as StreamReader) : null);

async function streamingRebuild(store: EventStore, proj: ScoringProjection, opts: Omit<CatchUpOptions, 'commitEvery'>, ifEmpty: boolean): Promise<E.Either<StoreError, CommitSummary>> {
  const head = await store.head();
  if (E.isLeft(head)) return head;
  const to = head.right.position;
  const { streams, each } = streamsOf(store)!.readStreamsSync(to);
  // Two steps of about the same size: every stream is read, then every unit is scored.
  const work = Math.max(1, 2 * streams);
  const summary = proj.rebuildFromStreams(each, { ifEmpty, onProgress: (done) => opts.onProgress?.({ position: Math.min(to, Math.round((to * done) / work)), head: to }) });
  if (summary.conflict) return E.right(summary);
  opts.onProgress?.({ position: summary.position, head: to });
  opts.onCommit?.(summary);
  return E.right(summary);
}

/**
 * Rebuilds the read model from position 0; the old one stays until the new one is committed.
 * On a store that reads stream by stream (SQLite), the rebuild streams: memory grows with the
 * number of units, not of events (`ScoringProjection.rebuildFromStreams`). Elsewhere the log is
 * folded in order, page by page, and written at the end. Progress goes from 0 to the head.
 */
export async function rebuild(store: EventStore, proj: ScoringProjection, opts: Omit<CatchUpOptions, 'commitEvery'> = {}): Promise<E.Either<StoreError, CommitSummary>> {
  if (streamsOf(store)) return streamingRebuild(store, proj, opts, false);
  const pageSize = opts.pageSize ?? 1000;
  const head = await store.head();
  if (E.isLeft(head)) return head;
  const read = pageReader(store);
  proj.beginRebuild();
  for (;;) {
    const page = await read(proj.position, pageSize);
    if (E.isLeft(page)) return page;
    if (page.right.length === 0) break;
    proj.fold(page.right);
    opts.onProgress?.({ position: proj.position, head: Math.max(head.right.position, proj.position) });
  }
  const summary = proj.commitRebuild();
  opts.onCommit?.(summary);
  return E.right(summary);
}

/** Follows the log live: every delivered batch is folded and committed with the checkpoint. */
export function follow(store: EventStore, proj: ScoringProjection, opts: { batchSize?: number; onCommit?: (c: CommitSummary) => void } = {}): Subscription {
  return store.subscribe({ after: proj.committedPosition, batchSize: opts.batchSize ?? 5000 }, (batch) => {
    proj.fold(batch);
    const c = proj.commit();
    opts.onCommit?.(c);
    // Another writer moved the checkpoint: end this subscription so the caller resumes from it.
    if (c.conflict) throw new CheckpointMoved(c.position);
  });
}

export class CheckpointMoved extends Error {
  readonly _tag = 'CheckpointMoved';
  constructor(readonly position: number) {
    super(`the read model was advanced to position ${position} by another writer`);
  }
}

/**
 * Folds the log up to a position (inclusive; the whole log when omitted) into a fresh state (or
 * continues `into` an earlier one),
 * streaming page by page: what `dvk report --as-of`, `dvk audit check` and `dvk diff-rules` use.
 */
export async function replayState(
  store: EventStore,
  opts: { upTo?: number; pageSize?: number; onProgress?: (p: Progress) => void; into?: ScoringState } = {},
): Promise<E.Either<StoreError, ScoringState>> {
  const read = pageReader(store);
  const head = await store.head();
  if (E.isLeft(head)) return head;
  const end = Math.min(opts.upTo ?? head.right.position, head.right.position);
  // `into` continues an earlier replay (positions at or before its own are skipped by evolve).
  const s = opts.into ?? initialState();
  for (;;) {
    const page = await read(s.position, opts.pageSize ?? 1000, end);
    if (E.isLeft(page)) return page;
    if (page.right.length === 0) break;
    for (const r of page.right) evolve(s, r);
    opts.onProgress?.({ position: s.position, head: end });
  }
  return E.right(s);
}

import * as E from 'fp-ts/lib/Either.js';
import { DISTRICT_STREAM, UNIT_STREAM_PREFIX, type Envelope } from '@dvk/contracts';
import { storeUnavailable, type AppendError, type StoreCorrupt, type StoreError, type StoredEvent } from '@dvk/event-store';
import { EsdbError, type EsdbRecorded } from './client.js';

/** Helpers shared by the adapter and its subscription. */

/** dvk's streams: the only ones the adapter writes events to and reads back from $all. */
export const DVK_STREAM_PREFIXES: readonly string[] = [UNIT_STREAM_PREFIX, DISTRICT_STREAM];
export const isDvkStream = (s: string): boolean => s === DISTRICT_STREAM || s.startsWith(UNIT_STREAM_PREFIX);

/** Id claims: one stream per event id, outside dvk's prefixes (so $all reads never see them). */
export const CLAIM_STREAM_PREFIX = 'dvk-id-';
export const CLAIM_TYPE = 'dvk.IdClaimed';
/** Snapshots of the number of dvk events up to a position (for `head().events`). */
export const COUNT_STREAM = 'dvk-count';
export const COUNT_TYPE = 'dvk.LogCounted';

/** A port error carried through the adapter's internals as an exception, turned into Left at the edge. */
export class Fail extends Error {
  constructor(readonly error: AppendError) {
    super(error.message);
  }
}

export const storeCorrupt = (message: string, position?: number): StoreCorrupt => ({
  _tag: 'StoreCorrupt',
  retriable: false,
  message,
  ...(position === undefined ? {} : { position }),
});

/** Turns a failure of the client into the port's StoreError. */
export function storeErrorOf(err: EsdbError, what: string): StoreError {
  return storeUnavailable(`EventStoreDB ${what}: ${err.message}${err.kind === 'access_denied' ? ' (check the credentials in the connection string)' : ''}`, err);
}

/** Runs an adapter step: Fail and client errors become Left; anything else is a bug and is thrown. */
export async function guard<L, T>(what: string, fn: () => Promise<T>): Promise<E.Either<L | StoreError, T>> {
  try {
    return E.right(await fn());
  } catch (err) {
    if (err instanceof Fail) return E.left(err.error as L | StoreError);
    if (err instanceof EsdbError) return E.left(storeErrorOf(err, what));
    throw err;
  }
}

/**
 * Port positions are EventStoreDB commit positions plus one: 1-based, strictly increasing along
 * $all, and 0 keeps meaning "before the first event". They are exact JavaScript numbers while the
 * transaction log is under 2^53 bytes (8 PiB).
 */
export function portPosition(r: EsdbRecorded): number {
  if (r.commit === undefined)
    throw new Fail(storeCorrupt(`EventStoreDB did not report the position of event ${r.id} in ${r.stream}: dvk needs EventStoreDB 22.6 or later`));
  if (r.prepare !== undefined && r.prepare !== r.commit)
    throw new Fail(storeCorrupt(`event ${r.id} in ${r.stream} was written in an explicit transaction (commit ${r.commit} ≠ prepare ${r.prepare}); dvk streams take only gRPC appends`));
  const p = r.commit + 1n;
  if (p > BigInt(Number.MAX_SAFE_INTEGER))
    throw new Fail(storeCorrupt(`position ${p} of event ${r.id} is beyond 2^53: dvk positions are JavaScript numbers`));
  return Number(p);
}

/** The commit position of the event at a port position. */
export const commitOf = (position: number): bigint => BigInt(position - 1);

export interface DvkMetadata {
  contentHash: string;
  chainHash: string;
  revision: number;
  recordedAt: string;
}

function metadataOf(r: EsdbRecorded, position: number): DvkMetadata {
  const m = r.metadata as Partial<DvkMetadata> | undefined;
  if (!m || typeof m !== 'object' || typeof m.contentHash !== 'string' || typeof m.chainHash !== 'string' || typeof m.recordedAt !== 'string' || typeof m.revision !== 'number')
    throw new Fail(storeCorrupt(`event ${r.id} at position ${position} in ${r.stream} has no dvk metadata (contentHash, chainHash, revision, recordedAt)`, position));
  return m as DvkMetadata;
}

/** An event of a dvk stream as the port's StoredEvent; checks what the adapter wrote alongside it. */
export function toStored(r: EsdbRecorded): StoredEvent {
  const position = portPosition(r);
  const m = metadataOf(r, position);
  const revision = Number(r.revision);
  if (m.revision !== revision)
    throw new Fail(storeCorrupt(`event ${r.id} in ${r.stream} is at revision ${revision} but was chained for revision ${m.revision}`, position));
  let event: Envelope;
  if (r.data instanceof Uint8Array) event = JSON.parse(Buffer.from(r.data).toString('utf8')) as Envelope;
  else if (r.data && typeof r.data === 'object') event = r.data as Envelope;
  else throw new Fail(storeCorrupt(`event ${r.id} at position ${position} has no JSON data`, position));
  return { position, stream: r.stream, revision, event, recordedAt: m.recordedAt, contentHash: m.contentHash, chainHash: m.chainHash };
}

/** Runs `fn` over items with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null) {
      const i = next++;
      if (i >= items.length) return;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== null) throw failed;
  return out;
}

/** A set of recently seen event positions (known record starts in $all), bounded. */
export class RecentPositions {
  private readonly set = new Set<number>();
  constructor(private readonly max = 100_000) {}
  add(p: number): void {
    if (this.set.has(p)) return;
    this.set.add(p);
    if (this.set.size > this.max) {
      const first = this.set.values().next();
      if (!first.done) this.set.delete(first.value);
    }
  }
  has(p: number): boolean {
    return this.set.has(p);
  }
}

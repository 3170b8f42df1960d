import * as E from 'fp-ts/lib/Either.js';
import type { LogDigest } from '@dvk/contracts';
import { logDigest, type EventStore, type StoreError } from '@dvk/event-store';

/**
 * The log digest printed on the annual report and in exports: computed by reading the stored
 * events (never a stored summary) up to the position the year's figures were computed at, so
 * anyone holding the log can recompute it and check that the document speaks of that log.
 */
export async function logDigestUpTo(store: Pick<EventStore, 'readAll'>, position: number): Promise<E.Either<StoreError, LogDigest>> {
  const r = await logDigest(store, { upTo: position });
  return E.map((x: { digest: LogDigest }) => x.digest)(r);
}

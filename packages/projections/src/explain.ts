import * as E from 'fp-ts/lib/Either.js';
import type { EventStore, StoreError, StoredEvent } from '@dvk/event-store';
import { positionsOf, type ScorecardView } from '@dvk/scoring';
import type { ReadModelQueries, RejectedRow } from './queries.js';

/** An event as shown next to the figure it explains. */
export interface EventRef {
  position: number;
  eventId: string;
  type: string;
  source: string;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
}

export interface ExplainedUnitYear {
  scorecard: ScorecardView;
  /** Every event the explanation names, by position. */
  events: Record<number, EventRef>;
  /** Events of this unit and year that were kept out of scoring, and why. */
  rejected: (RejectedRow & { eventId: string | null })[];
}

export const eventRef = (e: StoredEvent): EventRef => ({
  position: e.position,
  eventId: e.event.id,
  type: e.event.type,
  source: e.event.source,
  occurredAt: e.event.occurredAt,
  recordedAt: e.recordedAt,
  data: e.event.data as Record<string, unknown>,
});

/** Attaches the events behind each figure of a stored scorecard. */
export async function explainUnitYear(
  queries: ReadModelQueries,
  store: Pick<EventStore, 'readAt'>,
  unitId: string,
  year: number,
): Promise<E.Either<StoreError, ExplainedUnitYear | null>> {
  const scorecard = queries.scorecard(year, unitId);
  if (!scorecard) return E.right(null);
  const rejected = queries.rejected({ year }).filter((r) => r.unitId === unitId);
  const evs = await store.readAt([...positionsOf(scorecard), ...rejected.map((r) => r.position)]);
  if (E.isLeft(evs)) return evs;
  const events: Record<number, EventRef> = {};
  for (const e of evs.right) events[e.position] = eventRef(e);
  return E.right({ scorecard, events, rejected: rejected.map((r) => ({ ...r, eventId: events[r.position]?.eventId ?? null })) });
}

/** Rejected facts with their event ids, a page at a time. */
export async function rejectedWithIds(
  queries: ReadModelQueries,
  store: Pick<EventStore, 'readAt'>,
  opts: { year?: number; limit?: number; offset?: number } = {},
): Promise<E.Either<StoreError, (RejectedRow & { eventId: string | null })[]>> {
  const rows = queries.rejected(opts);
  const evs = await store.readAt(rows.map((r) => r.position));
  if (E.isLeft(evs)) return evs;
  const ids = new Map(evs.right.map((e) => [e.position, e.event.id]));
  return E.right(rows.map((r) => ({ ...r, eventId: ids.get(r.position) ?? null })));
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, type Envelope } from '@dvk/contracts';
import { memoryEventStore } from '@dvk/event-store';
import { buildContext, defaultRulebook, evaluateYear, rejectedFacts, yearReport, yearsOf } from '@dvk/scoring';
import { replayState } from '../src/index.js';
import { buildStreams, historyArb, interleave } from './histories.js';

/**
 * Property tests (fast-check) of determinism (issue 2): results depend only on the events, their
 * order within each stream and the rulebook — not on how streams interleave in the log, not on
 * events delivered twice, not on how often the log is replayed.
 *
 * Histories are random per-unit streams of every event type, including events that arrive before
 * their unit's registration, retractions, corrections, late reports and vetoes. Cross-stream
 * "first in the log wins" races (the same model id registered by two units, one unit merged into
 * two) are the one thing interleaving may legitimately change, so the generator avoids them.
 */

/** Everything the core computes, for every year, as one canonical string. */
async function results(batches: Envelope[][]): Promise<string> {
  const store = memoryEventStore();
  for (const b of batches) {
    const r = await store.appendMany(b);
    if (E.isLeft(r)) throw new Error(r.left.message);
  }
  const s = await replayState(store);
  if (E.isLeft(s)) throw new Error(s.left.message);
  const rb = defaultRulebook();
  const ctx = buildContext(s.right);
  const years = yearsOf(s.right, ctx);
  const reports = years.map((y) => yearReport(evaluateYear(s.right, rb, y, ctx)));
  // Rejected facts are identified by event id, not position (positions depend on interleaving).
  const all = batches.flat();
  const byPos = new Map<number, string>();
  const ordered = await store.readAll({ after: 0, maxCount: 1e9 });
  if (E.isRight(ordered)) for (const e of ordered.right) byPos.set(e.position, e.event.id);
  const rejected = rejectedFacts(ctx, () => rb)
    .map((f) => ({ id: byPos.get(f.position), code: f.code }))
    .sort((a, b) => (a.id! < b.id! ? -1 : 1));
  void all;
  return canonicalJson({ reports, rejected });
}

describe('determinism (fast-check)', () => {
  it('interleaving streams differently never changes any report or rejected fact', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ units, close, a, b }) => {
        const streams = buildStreams(units, close);
        expect(await results([interleave(streams, a)])).toBe(await results([interleave(streams, b)]));
      }),
      { numRuns: 150 },
    );
  });

  it('events delivered twice, or re-imported, change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(100), async ({ units, close, a }, cut) => {
        const log = interleave(buildStreams(units, close), a);
        const k = cut % (log.length + 1);
        const once = await results([log]);
        // a prefix re-sent inside the batch, then the whole log re-imported
        expect(await results([[...log.slice(0, k), ...log.slice(0, k), ...log.slice(k)], log])).toBe(once);
      }),
      { numRuns: 100 },
    );
  });

  it('replaying the same log twice gives byte-identical results', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, async ({ units, close, a }) => {
        const log = interleave(buildStreams(units, close), a);
        expect(await results([log])).toBe(await results([log]));
      }),
      { numRuns: 50 },
    );
  });
});

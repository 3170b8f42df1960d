import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, unitStream, type Envelope } from '@dvk/contracts';
import { GENESIS, chainHash, sha256HexNode } from '@dvk/audit';
import type { EventStore, StoredEvent } from './port.js';

/**
 * The contract suite of the event store port (house style §3): one function taking a factory,
 * called once by every adapter's test file. Every test uses fresh random stream names and ids,
 * so adapters may share one store across tests.
 */
export interface StoreFixture {
  store: EventStore;
  cleanup(): Promise<void>;
}

let counter = 0;
/** A valid envelope for a fresh unit id; `variant` changes its payload. */
export function sampleEvent(unitId: string, variant = 0, id: string = randomUUID()): Envelope {
  counter++;
  return {
    id,
    type: 'DialogueHeld',
    schemaVersion: 1,
    source: 'contract-test',
    occurredAt: '2019-10-15T08:00:00+07:00',
    data: { unitId, heldAt: '2019-10-15T08:00:00+07:00', participants: 10 + variant },
  };
}

const freshUnit = () => `u${randomUUID().slice(0, 8)}`;

function right<L, R>(e: E.Either<L, R>): R {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left: ${JSON.stringify(e.left)}`);
  return e.right;
}
function left<L, R>(e: E.Either<L, R>): L {
  if (E.isRight(e)) throw new Error(`expected Left, got Right: ${JSON.stringify(e.right)}`);
  return e.left;
}

export function eventStoreContract(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`event store contract: ${name}`, () => {
    const withStore = (fn: (s: EventStore) => Promise<void>) => async () => {
      const f = await factory();
      try {
        await fn(f.store);
      } finally {
        await f.cleanup();
      }
    };

    it(
      'appends to a new stream with no_stream and reads it back in order',
      withStore(async (s) => {
        const u = freshUnit();
        const evs = [sampleEvent(u, 1), sampleEvent(u, 2), sampleEvent(u, 3)];
        const r = right(await s.appendToStream(unitStream(u), evs, 'no_stream'));
        expect(r.revision).toBe(2);
        expect(r.outcomes.map((o) => o.status)).toEqual(['appended', 'appended', 'appended']);
        expect(r.outcomes.map((o) => o.revision)).toEqual([0, 1, 2]);
        const positions = r.outcomes.map((o) => o.position);
        expect([...positions].sort((a, b) => a - b)).toEqual(positions);
        const back = right(await s.readStream(unitStream(u)));
        expect(back.map((e) => e.event)).toEqual(evs);
        expect(back.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(back.every((e) => e.stream === unitStream(u))).toBe(true);
      }),
    );

    it(
      'rejects no_stream on an existing stream, stream_exists on a missing one, and a wrong exact revision, writing nothing',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        const missing = left(await s.appendToStream(st, [sampleEvent(u)], 'stream_exists'));
        expect(missing._tag).toBe('WrongExpectedRevision');
        right(await s.appendToStream(st, [sampleEvent(u), sampleEvent(u)], 'no_stream'));
        const before = right(await s.head());
        const e1 = left(await s.appendToStream(st, [sampleEvent(u)], 'no_stream'));
        expect(e1).toMatchObject({ _tag: 'WrongExpectedRevision', retriable: true, stream: st, actual: 1 });
        const e2 = left(await s.appendToStream(st, [sampleEvent(u)], 0));
        expect(e2).toMatchObject({ _tag: 'WrongExpectedRevision', expected: 0, actual: 1 });
        expect(e2.message).toContain('revision 1');
        expect(right(await s.head())).toEqual(before);
        expect(right(await s.readStream(st))).toHaveLength(2);
        const ok = right(await s.appendToStream(st, [sampleEvent(u)], 1));
        expect(ok.revision).toBe(2);
        right(await s.appendToStream(st, [sampleEvent(u)], 'stream_exists'));
        right(await s.appendToStream(st, [sampleEvent(u)], 'any'));
        expect(right(await s.readStream(st))).toHaveLength(5);
      }),
    );

    it(
      'is idempotent by event id: the same id and payload again is a no-op, even with a stale expected revision',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        const evs = [sampleEvent(u, 1), sampleEvent(u, 2)];
        const first = right(await s.appendToStream(st, evs, 'no_stream'));
        const head = right(await s.head());
        const again = right(await s.appendToStream(st, evs, 'no_stream'));
        expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate', 'duplicate']);
        expect(again.outcomes.map((o) => o.position)).toEqual(first.outcomes.map((o) => o.position));
        expect(right(await s.head())).toEqual(head);
        // the same id twice in one call: stored once
        const u2 = freshUnit();
        const e = sampleEvent(u2);
        const twice = right(await s.appendToStream(unitStream(u2), [e, e], 'any'));
        expect(twice.outcomes.map((o) => o.status)).toEqual(['appended', 'duplicate']);
        expect(right(await s.readStream(unitStream(u2)))).toHaveLength(1);
      }),
    );

    it(
      'refuses an id reused with a different payload, and writes nothing of that append',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        const e = sampleEvent(u, 1);
        right(await s.appendToStream(st, [e]));
        const head = right(await s.head());
        const other = { ...sampleEvent(u, 2), id: e.id };
        const err = left(await s.appendToStream(st, [sampleEvent(u, 3), other]));
        expect(err._tag).toBe('IdConflict');
        expect(err.message).toContain('id reused with a different payload');
        expect(right(await s.head())).toEqual(head);
        expect(right(await s.readStream(st))).toHaveLength(1);
        // within one call as well
        const u2 = freshUnit();
        const x = sampleEvent(u2, 1);
        const err2 = left(await s.appendToStream(unitStream(u2), [x, { ...sampleEvent(u2, 2), id: x.id }]));
        expect(err2._tag).toBe('IdConflict');
        expect(right(await s.readStream(unitStream(u2)))).toHaveLength(0);
      }),
    );

    it(
      'appendMany gives one outcome per event: appended, duplicate or conflict, each to its own stream',
      withStore(async (s) => {
        const a = freshUnit(), b = freshUnit();
        const ea = sampleEvent(a, 1), eb = sampleEvent(b, 1);
        right(await s.appendToStream(unitStream(a), [ea]));
        const batch = [eb, ea, { ...sampleEvent(a, 9), id: ea.id }, sampleEvent(a, 2), eb];
        const out = right(await s.appendMany(batch));
        expect(out.map((o) => o.status)).toEqual(['appended', 'duplicate', 'conflict', 'appended', 'duplicate']);
        expect(right(await s.readStream(unitStream(a))).map((e) => e.event.id)).toEqual([ea.id, batch[3]!.id]);
        expect(right(await s.readStream(unitStream(b))).map((e) => e.revision)).toEqual([0]);
        const conflict = out[2]!;
        expect(conflict.status === 'conflict' && conflict.reason).toContain('id reused with a different payload');
      }),
    );

    it(
      'reads the global log from a position, bounded by maxCount and upTo, and events by position and id',
      withStore(async (s) => {
        const u = freshUnit();
        const r = right(await s.appendToStream(unitStream(u), [1, 2, 3, 4, 5].map((v) => sampleEvent(u, v))));
        const ps = r.outcomes.map((o) => o.position);
        const after = right(await s.readAll({ after: ps[0]!, maxCount: 100 }));
        expect(after.filter((e) => e.stream === unitStream(u)).map((e) => e.position)).toEqual(ps.slice(1));
        expect(after.every((e, i) => i === 0 || e.position > after[i - 1]!.position)).toBe(true);
        const two = right(await s.readAll({ after: ps[0]!, maxCount: 2 }));
        expect(two).toHaveLength(2);
        const upTo = right(await s.readAll({ after: ps[0]! - 1, maxCount: 100, upTo: ps[2]! }));
        expect(upTo[upTo.length - 1]!.position).toBe(ps[2]);
        const at = right(await s.readAt([ps[3]!, ps[1]!, 999_999_999]));
        expect(at.map((e) => e.position)).toEqual([ps[1], ps[3]]);
        const found = right(await s.findById(r.outcomes[4]!.id));
        expect(found?.position).toBe(ps[4]);
        expect(right(await s.findById(randomUUID()))).toBeNull();
        expect(right(await s.head()).position).toBeGreaterThanOrEqual(ps[4]!);
      }),
    );

    it(
      'chains every event to the previous one of its stream',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        right(await s.appendToStream(st, [sampleEvent(u, 1), sampleEvent(u, 2)]));
        right(await s.appendMany([sampleEvent(u, 3)]));
        const evs: StoredEvent[] = right(await s.readStream(st));
        let prev = GENESIS;
        for (const e of evs) {
          expect(e.contentHash).toBe(sha256HexNode(canonicalJson(e.event)));
          expect(e.chainHash).toBe(chainHash(st, e.revision, prev, e.contentHash));
          prev = e.chainHash;
          expect(Number.isNaN(Date.parse(e.recordedAt))).toBe(false);
        }
      }),
    );

    it(
      'lets exactly one of two concurrent writers with the same expected revision win',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        right(await s.appendToStream(st, [sampleEvent(u)], 'no_stream'));
        const results = await Promise.all([s.appendToStream(st, [sampleEvent(u, 1)], 0), s.appendToStream(st, [sampleEvent(u, 2)], 0)]);
        expect(results.filter(E.isRight)).toHaveLength(1);
        expect(results.filter(E.isLeft).map((r) => (r as E.Left<{ _tag: string }>).left._tag)).toEqual(['WrongExpectedRevision']);
        expect(right(await s.readStream(st))).toHaveLength(2);
      }),
    );

    it(
      'finds the last position recorded at or before a time',
      withStore(async (s) => {
        const u = freshUnit();
        right(await s.appendToStream(unitStream(u), [sampleEvent(u)]));
        const h = right(await s.head()).position;
        expect(right(await s.positionAt('2000-01-01T00:00:00Z'))).toBe(0);
        expect(right(await s.positionAt(new Date(Date.now() + 3_600_000).toISOString()))).toBeGreaterThanOrEqual(h);
      }),
    );

    it(
      'delivers the log from a checkpoint, then goes live, and stops',
      withStore(async (s) => {
        const u = freshUnit();
        const st = unitStream(u);
        const first = right(await s.appendToStream(st, [1, 2, 3].map((v) => sampleEvent(u, v))));
        const from = first.outcomes[0]!.position; // resume after the first event
        const seen: number[] = [];
        const sub = s.subscribe({ after: from, batchSize: 2 }, (batch) => {
          for (const e of batch) if (e.stream === st) seen.push(e.revision);
        });
        await sub.caughtUp;
        expect(seen).toEqual([1, 2]);
        const t0 = Date.now();
        right(await s.appendToStream(st, [sampleEvent(u, 4)]));
        while (!seen.includes(3) && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
        expect(seen).toEqual([1, 2, 3]);
        expect(Date.now() - t0).toBeLessThan(1000);
        await sub.stop();
        expect(E.isRight(await sub.done)).toBe(true);
        right(await s.appendToStream(st, [sampleEvent(u, 5)]));
        await new Promise((r) => setTimeout(r, 50));
        expect(seen).toEqual([1, 2, 3]);
      }),
    );

    it(
      'ends a subscription with HandlerFailed when the handler throws, at the last completed position',
      withStore(async (s) => {
        const u = freshUnit();
        const r = right(await s.appendToStream(unitStream(u), [1, 2].map((v) => sampleEvent(u, v))));
        const start = r.outcomes[0]!.position - 1;
        const sub = s.subscribe({ after: start, batchSize: 1 }, (batch) => {
          if (batch[0]!.revision === 1) throw new Error('boom');
        });
        const done = await sub.done;
        expect(E.isLeft(done) && done.left._tag).toBe('HandlerFailed');
        expect(sub.position()).toBe(r.outcomes[0]!.position);
      }),
    );
  });
}

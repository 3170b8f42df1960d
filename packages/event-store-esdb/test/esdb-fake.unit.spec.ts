import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { canonicalJson, unitStream, type Envelope } from '@dvk/contracts';
import { GENESIS, chainHash, hashEnvelope, sha256HexNode } from '@dvk/audit';
import type { EventStore, StoredEvent } from '@dvk/event-store';
import { eventStoreContract, sampleEvent } from '@dvk/event-store/contract';
import { CLAIM_STREAM_PREFIX, COUNT_STREAM, createEsdbEventStore, type EsdbStoreOptions } from '../src/index.js';
import { FakeEsdbServer, type FakeEsdbOptions } from '../src/testing.js';

/**
 * The adapter's logic without a server: the whole contract suite over an in-process fake of the
 * narrow client (src/testing.ts), then what only a distributed store has to get right —
 * positions that are byte offsets, crashes between claim and append, several processes writing
 * the same events, subscriptions whose connection drops.
 */

const fast: EsdbStoreOptions = { resubscribe: { baseMs: 5, maxMs: 40 }, batchLingerMs: 5 };
const open = (server: FakeEsdbServer, o: EsdbStoreOptions = {}) =>
  createEsdbEventStore(server.connect(), { chunkSize: Number(server.chunkSize), ...fast, ...o });

function right<L, R>(e: E.Either<L, R>): R {
  if (E.isLeft(e)) throw new Error(`expected Right, got Left: ${JSON.stringify(e.left)}`);
  return e.right;
}
const freshUnit = () => `u${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await sleep(5);
  }
}

eventStoreContract('EventStoreDB adapter over a fake client (fresh server)', async () => {
  const store = open(new FakeEsdbServer());
  return { store, cleanup: () => store.close() };
});

const shared = new FakeEsdbServer({ chunkSize: 4096 });
eventStoreContract('EventStoreDB adapter over a fake client (shared server, a connection per test, small chunks)', async () => {
  const store = open(shared);
  return { store, cleanup: () => store.close() };
});

eventStoreContract('EventStoreDB adapter over a fake client (server before 23.10: no caught-up signal)', async () => {
  const store = open(new FakeEsdbServer({ sendCaughtUp: false } satisfies FakeEsdbOptions));
  return { store, cleanup: () => store.close() };
});

describe('EventStoreDB adapter: positions', () => {
  it('maps commit positions to 1-based numbers and reads after any number, record start or not', async () => {
    const server = new FakeEsdbServer({ chunkSize: 2048 });
    const s = open(server);
    const u = freshUnit();
    const evs = Array.from({ length: 40 }, (_, i) => sampleEvent(u, i));
    const r = right(await s.appendToStream(unitStream(u), evs));
    const ps = r.outcomes.map((o) => o.position);
    expect(ps.every((p, i) => i === 0 || p > ps[i - 1]!)).toBe(true);
    expect(ps[0]).toBeGreaterThan(1); // the fake starts with system records, as EventStoreDB does
    expect(ps[ps.length - 1]! - ps[0]!).toBeGreaterThan(2048 * 2); // spans chunks
    // a fresh process (nothing known) reading after record starts, mid-record numbers and chunk starts
    const t = open(server);
    for (const k of [0, 1, 5, 17, 38]) {
      for (const after of [ps[k]!, ps[k]! - 1, ps[k]! + 1]) {
        const got = right(await t.readAll({ after, maxCount: 1000 })).map((e) => e.position);
        expect(got).toEqual(ps.filter((p) => p > after));
      }
    }
    expect(right(await t.readAll({ after: ps[39]! + 1_000_000, maxCount: 10 }))).toEqual([]);
    expect(right(await t.readAll({ after: 0, maxCount: 3 })).map((e) => e.position)).toEqual(ps.slice(0, 3));
    expect(right(await t.readAt([ps[3]! + 1, ps[3]!, -4, 0, 2 ** 60]))).toHaveLength(1);
    await s.close();
    await t.close();
  });

  it('never shows claim, count or system streams in the log', async () => {
    const server = new FakeEsdbServer({ systemEventEvery: 1 });
    const s = open(server, { countSnapshotEvery: 1 });
    const u = freshUnit();
    right(await s.appendMany([sampleEvent(u, 1), sampleEvent(u, 2)]));
    right(await s.head());
    expect(server.records.some((r) => r.stream.startsWith(CLAIM_STREAM_PREFIX))).toBe(true);
    expect(server.records.some((r) => r.stream === COUNT_STREAM)).toBe(true);
    const all = right(await s.readAll({ after: 0, maxCount: 100 }));
    expect(all.map((e) => e.stream)).toEqual([unitStream(u), unitStream(u)]);
    await s.close();
  });

  it('refuses positions beyond 2^53 as StoreCorrupt instead of rounding them', async () => {
    const s = open(new FakeEsdbServer({ startPosition: 2n ** 53n }));
    const r = await s.appendMany([sampleEvent(freshUnit())]);
    expect(E.isLeft(r) && r.left._tag).toBe('StoreCorrupt');
    expect(E.isLeft(r) && r.left.message).toContain('2^53');
    await s.close();
  });

  it('finds the last position recorded at or before a time, whatever the order of clocks', async () => {
    let t = Date.parse('2024-05-01T00:00:00Z');
    const server = new FakeEsdbServer();
    const s = open(server, { now: () => new Date(t).toISOString() });
    const u = freshUnit();
    const p1 = right(await s.appendMany([sampleEvent(u, 1)]))[0]!.position!;
    t += 60_000;
    const p2 = right(await s.appendMany([sampleEvent(u, 2)]))[0]!.position!;
    expect(right(await s.positionAt('2024-05-01T00:00:30Z'))).toBe(p1);
    expect(right(await s.positionAt('2024-05-01T00:01:00Z'))).toBe(p2);
    expect(right(await s.positionAt('2024-04-30T00:00:00Z'))).toBe(0);
    expect(E.isLeft(await s.positionAt('yesterday'))).toBe(true);
    await s.close();
  });
});

describe('EventStoreDB adapter: idempotency under crashes and concurrency', () => {
  const claim = (server: FakeEsdbServer, e: Envelope, fromRevision = -1, contentHash = hashEnvelope(e).contentHash, stream = unitStream((e.data as { unitId: string }).unitId)) =>
    server.appendRaw(`${CLAIM_STREAM_PREFIX}${e.id}`, [{ id: randomUUID(), type: 'dvk.IdClaimed', data: { stream, contentHash, fromRevision }, metadata: {} }], 'no_stream');

  it('completes an event whose writer crashed between its claim and its append, once', async () => {
    const server = new FakeEsdbServer();
    const s = open(server);
    const u = freshUnit();
    const e = sampleEvent(u, 1);
    claim(server, e); // the crashed writer's claim; the event never reached its stream
    expect(right(await s.findById(e.id))).toBeNull();
    const [first] = right(await s.appendMany([e]));
    expect(first!.status).toBe('appended');
    expect(right(await s.findById(e.id))?.event).toEqual(e);
    const [again] = right(await s.appendMany([e]));
    expect(again).toMatchObject({ status: 'duplicate', position: first!.position });
    // through appendToStream as well
    const e2 = sampleEvent(u, 2);
    claim(server, e2, 0);
    const r = right(await s.appendToStream(unitStream(u), [e2], 0));
    expect(r.outcomes.map((o) => o.status)).toEqual(['appended']);
    expect(right(await s.readStream(unitStream(u))).map((x) => x.event.id)).toEqual([e.id, e2.id]);
    await s.close();
  });

  it('treats an id claimed for other content as a conflict, stored or not', async () => {
    const server = new FakeEsdbServer();
    const s = open(server);
    const u = freshUnit();
    const e = sampleEvent(u, 1);
    claim(server, e, -1, sha256HexNode('other content'));
    const [o] = right(await s.appendMany([e]));
    expect(o).toMatchObject({ status: 'conflict', position: null });
    expect(o!.status === 'conflict' && o!.reason).toContain('id reused with a different payload');
    const l = await s.appendToStream(unitStream(u), [e]);
    expect(E.isLeft(l) && l.left._tag).toBe('IdConflict');
    expect(right(await s.readStream(unitStream(u)))).toEqual([]);
    await s.close();
  });

  it('two processes ingesting the same batch store every event once', async () => {
    const server = new FakeEsdbServer();
    const a = open(server);
    const b = open(server);
    const units = [freshUnit(), freshUnit(), freshUnit()];
    const batch = Array.from({ length: 30 }, (_, i) => sampleEvent(units[i % 3]!, i));
    const [ra, rb] = await Promise.all([a.appendMany(batch), b.appendMany(batch)]);
    const oa = right(ra), ob = right(rb);
    for (let i = 0; i < batch.length; i++) {
      expect([oa[i]!.status, ob[i]!.status].sort()).toEqual(['appended', 'duplicate']);
      expect(oa[i]!.position).toBe(ob[i]!.position);
    }
    for (const u of units) {
      const evs = right(await a.readStream(unitStream(u)));
      expect(evs).toHaveLength(10);
      expect(new Set(evs.map((e) => e.event.id)).size).toBe(10);
      checkChain(unitStream(u), evs);
    }
    await a.close();
    await b.close();
  });

  it('a slow claimer and a takeover writer never store the event twice', async () => {
    const server = new FakeEsdbServer();
    const slow = open(server);
    const other = open(server);
    const u = freshUnit();
    const e = sampleEvent(u, 1);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = true;
    server.beforeAppend = async (stream) => {
      if (holding && stream === unitStream(u)) {
        holding = false;
        await held; // the claimer is paused between its claim and its append
      }
    };
    const first = slow.appendMany([e]);
    await until(() => !holding);
    // meanwhile another process sees the claim, does not find the event, and writes it
    const [taken] = right(await other.appendMany([e]));
    expect(taken!.status).toBe('appended');
    release();
    const [late] = right(await first);
    expect(late).toMatchObject({ status: 'duplicate', position: taken!.position });
    expect(right(await other.readStream(unitStream(u)))).toHaveLength(1);
    await slow.close();
    await other.close();
  });

  it("does not take EventStoreDB's idempotent answer to a concurrent writer's append for its own", async () => {
    const server = new FakeEsdbServer();
    const a = open(server, { now: () => '2024-01-01T00:00:00.001Z' });
    const b = open(server, { now: () => '2024-01-01T00:00:00.002Z' });
    const u = freshUnit();
    const e = sampleEvent(u, 1);
    // both writers reach the append at the same revision before either is applied
    let waiting: (() => void)[] = [];
    server.beforeAppend = async (stream) => {
      if (stream !== unitStream(u)) return;
      await new Promise<void>((r) => {
        waiting.push(r);
        if (waiting.length === 2) {
          waiting.forEach((w) => w());
          waiting = [];
        }
      });
    };
    const [ra, rb] = await Promise.all([a.appendMany([e]), b.appendMany([e])]);
    expect([right(ra)[0]!.status, right(rb)[0]!.status].sort()).toEqual(['appended', 'duplicate']);
    expect(server.calls.idempotentAppend).toBe(1);
    expect(right(await a.readStream(unitStream(u)))).toHaveLength(1);
    await a.close();
    await b.close();
  });

  it('keeps the hash chain across processes whose cached heads are stale', async () => {
    const server = new FakeEsdbServer();
    const a = open(server);
    const b = open(server);
    const u = freshUnit();
    const st = unitStream(u);
    right(await a.appendMany([sampleEvent(u, 1)]));
    right(await b.appendMany([sampleEvent(u, 2)]));
    right(await a.appendMany([sampleEvent(u, 3)])); // a's cached head is behind: retried at the real one
    right(await a.appendToStream(st, [sampleEvent(u, 4)], 'any'));
    const w = await b.appendToStream(st, [sampleEvent(u, 5)], 2); // b's view: stale
    expect(E.isLeft(w) && w.left).toMatchObject({ _tag: 'WrongExpectedRevision', actual: 3 });
    await Promise.all([a.appendToStream(st, [sampleEvent(u, 6)], 'any'), b.appendToStream(st, [sampleEvent(u, 7)], 'any')]);
    const evs = right(await a.readStream(st));
    expect(evs.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    checkChain(st, evs);
    await a.close();
    await b.close();
  });

  it('reports an unreachable server as StoreUnavailable on every call, never by throwing', async () => {
    const server = new FakeEsdbServer();
    const s = open(server);
    server.setAvailable(false);
    const u = freshUnit();
    const results = await Promise.all([
      s.appendToStream(unitStream(u), [sampleEvent(u)]),
      s.appendMany([sampleEvent(u)]),
      s.readStream(unitStream(u)),
      s.readAll({ after: 0, maxCount: 10 }),
      s.readAt([5]),
      s.findById(randomUUID()),
      s.head(),
      s.positionAt('2024-01-01T00:00:00Z'),
      s.ping(),
    ]);
    for (const r of results) expect(E.isLeft(r) && r.left._tag).toBe('StoreUnavailable');
    server.setAvailable(true);
    expect(E.isRight(await s.ping())).toBe(true);
    await s.close();
  });
});

describe('EventStoreDB adapter: head()', () => {
  it('counts events exactly, from a snapshot another process wrote', async () => {
    const server = new FakeEsdbServer();
    const a = open(server, { countSnapshotEvery: 5 });
    const u = freshUnit();
    for (let i = 0; i < 4; i++) right(await a.appendMany([0, 1, 2].map((v) => sampleEvent(u, 10 * i + v))));
    const h = right(await a.head());
    expect(h.events).toBe(12);
    expect(server.records.filter((r) => r.stream === COUNT_STREAM)).toHaveLength(1);
    right(await a.appendMany([sampleEvent(u, 99)]));
    const b = open(server);
    const before = server.calls.readAll;
    const hb = right(await b.head());
    expect(hb).toEqual({ position: h.position + (hb.position - h.position), events: 13 });
    // b counted only what came after the snapshot: a handful of reads, not the log
    expect(server.calls.readAll - before).toBeLessThan(6);
    await a.close();
    await b.close();
  });
});

describe('EventStoreDB adapter: subscriptions', () => {
  it('survives dropped connections and an unavailable server, resuming from the last handled position without loss or duplicates', async () => {
    const server = new FakeEsdbServer({ chunkSize: 8192 });
    const writer = open(server);
    const reader = open(server);
    const u = freshUnit();
    const expected: number[] = [];
    const append = async (n: number) => {
      const out = right(await writer.appendMany(Array.from({ length: n }, (_, i) => sampleEvent(u, expected.length + i))));
      expected.push(...out.map((o) => o.position!));
    };
    await append(25);
    const seen: number[] = [];
    let batches = 0;
    const sub = reader.subscribe({ after: 0, batchSize: 4 }, async (batch) => {
      batches++;
      if (batches % 3 === 0) await sleep(3); // a slow handler: drops land mid-batch
      seen.push(...batch.map((e) => e.position));
    });
    await sub.caughtUp;
    expect(seen).toEqual(expected);
    let drops = 0;
    for (let round = 0; round < 5; round++) {
      await until(() => server.subs.size === 1); // resubscribed
      const pending = append(17);
      await sleep(round % 2 ? 0 : 4);
      drops += server.dropSubscriptions();
      await pending;
    }
    expect(drops).toBe(5);
    server.setAvailable(false);
    await sleep(30);
    server.setAvailable(true);
    await append(9);
    await until(() => seen.length >= expected.length);
    await sleep(30);
    expect(seen).toEqual(expected);
    expect(server.calls.subscribe).toBeGreaterThanOrEqual(1 + drops + 1);
    expect(sub.position()).toBe(expected[expected.length - 1]);
    await sub.stop();
    expect(E.isRight(await sub.done)).toBe(true);
    await writer.close();
    await reader.close();
  });

  it('pauses the server when the handler is slower than the log, and keeps order', async () => {
    const server = new FakeEsdbServer();
    const s = open(server);
    const u = freshUnit();
    const out = right(await s.appendMany(Array.from({ length: 300 }, (_, i) => sampleEvent(u, i))));
    const seen: number[] = [];
    let largest = 0;
    const sub = s.subscribe({ after: 0, batchSize: 7 }, async (b) => {
      largest = Math.max(largest, b.length);
      await sleep(1);
      seen.push(...b.map((e) => e.position));
    });
    await sub.caughtUp;
    expect(seen).toEqual(out.map((o) => o.position));
    expect(largest).toBe(7);
    await sub.stop();
    await s.close();
  });

  it('starts after any checkpoint: mid-record numbers and numbers past the end', async () => {
    const server = new FakeEsdbServer({ chunkSize: 2048 });
    const s = open(server);
    const u = freshUnit();
    const ps = right(await s.appendMany(Array.from({ length: 30 }, (_, i) => sampleEvent(u, i)))).map((o) => o.position!);
    for (const after of [ps[10]! - 1, ps[10]! + 3, ps[29]! + 50_000]) {
      const t = open(server);
      const seen: number[] = [];
      const sub = t.subscribe({ after }, (b) => void seen.push(...b.map((e) => e.position)));
      await sub.caughtUp;
      expect(seen).toEqual(ps.filter((p) => p > after));
      await sub.stop();
      await t.close();
    }
    await s.close();
  });

  it('ends with StoreUnavailable after the configured number of failed attempts', async () => {
    const server = new FakeEsdbServer();
    const s = open(server, { resubscribe: { baseMs: 1, maxMs: 2, maxAttempts: 3 } });
    server.setAvailable(false);
    const sub = s.subscribe({ after: 0 }, () => {});
    const done = await sub.done;
    expect(E.isLeft(done) && done.left._tag).toBe('StoreUnavailable');
    expect(E.isLeft(done) && (done.left as { message: string }).message).toContain('gave up after 4 attempts');
    await s.close();
  });

  it('stops its subscriptions when the store is closed', async () => {
    const s = open(new FakeEsdbServer());
    const sub = s.subscribe({ after: 0 }, () => {});
    await sub.caughtUp;
    await s.close();
    expect(E.isRight(await sub.done)).toBe(true);
  });
});

function checkChain(stream: string, evs: StoredEvent[]) {
  let prev = GENESIS;
  for (const e of evs) {
    expect(e.contentHash).toBe(sha256HexNode(canonicalJson(e.event)));
    expect(e.chainHash).toBe(chainHash(stream, e.revision, prev, e.contentHash));
    prev = e.chainHash;
  }
}

export type { EventStore };

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { eventStoreContract, sampleEvent } from '@dvk/event-store/contract';
import { openSqliteEventStore } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dvk-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

// A fresh file per test, and a shared file across tests (the suite uses random stream names).
eventStoreContract('SQLite (fresh file)', async () => {
  const store = openSqliteEventStore({ path: join(dir, `fresh-${++n}.sqlite`) });
  return { store, cleanup: () => store.close() };
});
const shared = openSqliteEventStore({ path: join(dir, 'shared.sqlite') });
eventStoreContract('SQLite (shared file)', async () => ({ store: shared, cleanup: async () => {} }));

describe('SQLite adapter specifics', () => {
  it('keeps events across reopening, and two connections to one file see each other', async () => {
    const path = join(dir, 'reopen.sqlite');
    const a = openSqliteEventStore({ path });
    const b = openSqliteEventStore({ path });
    const e = sampleEvent('reopen-unit');
    expect(E.isRight(await a.appendMany([e]))).toBe(true);
    const seen = await b.findById(e.id);
    expect(E.isRight(seen) && seen.right?.event).toEqual(e);
    const dup = await b.appendMany([e]);
    expect(E.isRight(dup) && dup.right[0]!.status).toBe('duplicate');
    await a.close();
    await b.close();
    const c = openSqliteEventStore({ path });
    const h = await c.head();
    expect(E.isRight(h) && h.right.events).toBe(1);
    await c.close();
  });

  it('a subscription sees appends made by another connection (another process) by polling', async () => {
    const path = join(dir, 'poll.sqlite');
    const writer = openSqliteEventStore({ path });
    const reader = openSqliteEventStore({ path, pollMs: 50 });
    const seen: string[] = [];
    const sub = reader.subscribe({ after: 0 }, (b) => void seen.push(...b.map((x) => x.event.id)));
    await sub.caughtUp;
    const e = sampleEvent('poll-unit');
    await writer.appendMany([e]);
    const t0 = Date.now();
    while (seen.length === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([e.id]);
    await sub.stop();
    await writer.close();
    await reader.close();
  });

  it('records dead letters in the same transaction as the batch, once per (channel, ref, bytes)', async () => {
    const s = openSqliteEventStore({ path: join(dir, 'dl.sqlite') });
    const dl = { channel: 'file' as const, source: null, ref: 'x.ndjson:3', eventId: null, reason: 'not valid JSON', issues: [{ path: '', message: 'not valid JSON' }], raw: '{oops' };
    await s.appendMany([sampleEvent('dl-unit')], { deadLetters: [dl] });
    await s.appendMany([], { deadLetters: [dl] });
    const list = await s.listDeadLetters();
    expect(E.isRight(list) && list.right.map((d) => [d.ref, d.reason, d.raw])).toEqual([['x.ndjson:3', 'not valid JSON', '{oops']]);
    await s.close();
  });

  it('never lets recordedAt go backwards along the log, so "as of a time" is a prefix', async () => {
    let t = Date.parse('2024-01-01T00:00:10Z');
    const s = openSqliteEventStore({ path: join(dir, 'clock.sqlite'), now: () => new Date(t).toISOString() });
    await s.appendMany([sampleEvent('clock-unit', 1)]);
    t -= 5000; // the clock jumps back
    await s.appendMany([sampleEvent('clock-unit', 2)]);
    const all = await s.readAll({ after: 0, maxCount: 10 });
    expect(E.isRight(all) && all.right.map((e) => e.recordedAt)).toEqual(['2024-01-01T00:00:10.000Z', '2024-01-01T00:00:10.000Z']);
    const p = await s.positionAt('2024-01-01T00:00:09Z');
    expect(E.isRight(p) && p.right).toBe(0);
    await s.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { memoryEventStore } from '@dvk/event-store';
import { sampleEvent } from '@dvk/event-store/contract';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { splitIngestStore } from '../src/index.js';

/**
 * Distributed mode's ingest store: events to the event store (EventStoreDB; the in-memory
 * adapter here, which has its semantics), dead letters in the local SQLite file — a batch's
 * given dead letters and one per conflicting id.
 */
const dir = mkdtempSync(join(tmpdir(), 'dvk-split-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('splitIngestStore', () => {
  it('appends to the event store and records the batch dead letters, conflicts included, locally', async () => {
    const events = memoryEventStore();
    const local = openSqliteEventStore({ path: join(dir, 'local.sqlite') });
    const s = splitIngestStore(events, { db: local.db, deadLetters: local, close: () => local.close() });
    const a = sampleEvent('u1', 1);
    const given = { channel: 'kafka' as const, source: 'x', ref: 't/0/1', eventId: null, reason: 'not valid JSON', issues: [], raw: '{' };
    const r1 = await s.appendMany([a], { deadLetters: [given] });
    expect(E.isRight(r1) && r1.right.map((o) => o.status)).toEqual(['appended']);
    const clash = { ...sampleEvent('u1', 2), id: a.id };
    const r2 = await s.appendMany([a, clash], {
      onConflict: (i, reason) => ({ channel: 'kafka', source: 'x', ref: `t/0/${i + 2}`, eventId: a.id, reason, issues: [], raw: 'x' }),
    });
    expect(E.isRight(r2) && r2.right.map((o) => o.status)).toEqual(['duplicate', 'conflict']);
    const dl = await s.listDeadLetters();
    expect(E.isRight(dl) && dl.right.map((d) => d.reason)).toEqual(['not valid JSON', expect.stringContaining('id reused with a different payload')]);
    const h = await s.head();
    expect(E.isRight(h) && h.right.events).toBe(1);
    const localEvents = await local.head();
    expect(E.isRight(localEvents) && localEvents.right.events).toBe(0); // no event in the local file
    await s.close();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { sampleEvent } from '@dvk/event-store/contract';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { defaultRulebook, rulebookSet } from '@dvk/scoring';
import { Registry } from '@dvk/service-kit';
import { startScoring } from '../src/index.js';

/**
 * The scoring service on the embedded store: it catches up, follows the log live, and its
 * `dvk_scoring_position` gauge says where the read model is — from the start, including after a
 * restart with nothing new to commit (it used to read 0 until the next event).
 */
const dir = mkdtempSync(join(tmpdir(), 'dvk-scoring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const gauge = async (metrics: Registry) => {
  const line = (await metrics.metrics()).split('\n').find((l) => l.startsWith('dvk_scoring_position'));
  return Number(line?.split(' ').at(-1));
};

describe('scoring service', () => {
  it('reports its position from the start, follows new events, and resumes after a restart', async () => {
    const store = openSqliteEventStore({ path: join(dir, 'dvk.sqlite') });
    const log = pino({ level: 'silent' });
    const rulebooks = rulebookSet([defaultRulebook()]);
    expect(E.isRight(await store.appendMany([sampleEvent('u1', 1), sampleEvent('u1', 2), sampleEvent('u2', 3)]))).toBe(true);

    let metrics = new Registry();
    let svc = await startScoring({ store, db: store.db, rulebooks, log, metrics });
    expect(svc.ready()).toBeNull();
    expect(await gauge(metrics)).toBe(3);

    // live: a new event is committed and counted
    expect(E.isRight(await store.appendMany([sampleEvent('u2', 4)]))).toBe(true);
    for (let t0 = Date.now(); (await gauge(metrics)) !== 4 && Date.now() - t0 < 5000; ) await new Promise((r) => setTimeout(r, 20));
    expect(await gauge(metrics)).toBe(4);
    await svc.stop();

    // a restart with nothing new: the checkpoint, not 0
    metrics = new Registry();
    svc = await startScoring({ store, db: store.db, rulebooks, log, metrics });
    expect(svc.ready()).toBeNull();
    expect(await gauge(metrics)).toBe(4);
    expect(svc.projection.committedPosition).toBe(4);
    await svc.stop();
    await store.close();
  });
});

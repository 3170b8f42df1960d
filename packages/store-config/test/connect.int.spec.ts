import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import pino from 'pino';
import { sampleEvent } from '@dvk/event-store/contract';
import { FakeEsdbServer } from '@dvk/event-store-esdb/testing';
import { connectStore, storeFromConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dvk-store-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A logger whose lines the test can read. */
function captured() {
  const lines: { level: number; msg: string; err?: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe('storeFromConfig', () => {
  it('sqlite: one file for the log, the read model and dead letters', async () => {
    const { log } = captured();
    const c = storeFromConfig({ store: 'sqlite', sqlitePath: join(dir, 'a.sqlite'), log });
    expect(c.kind).toBe('sqlite');
    expect(await c.check()).toBeNull();
    expect(E.isRight(await c.store.appendMany([sampleEvent('cfg-unit')]))).toBe(true);
    expect(c.readModel).toBe((c.store as unknown as { db: unknown }).db);
    await c.close();
  });

  it('esdb: the adapter over EventStoreDB, with a local SQLite file for the read model and dead letters', async () => {
    const { log } = captured();
    const server = new FakeEsdbServer();
    const c = storeFromConfig({ store: 'esdb', readModelPath: join(dir, 'rm.sqlite'), log, esdbClient: server.connect() });
    expect(await c.check()).toBeNull();
    expect(E.isRight(await c.store.appendMany([sampleEvent('cfg-unit')]))).toBe(true);
    expect(server.records.some((r) => r.stream === 'unit-cfg-unit')).toBe(true);
    expect(c.readModel.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 0 });
    const dl = await c.deadLetters.recordDeadLetters([{ channel: 'kafka', source: null, ref: 'dvk.evaluation-events/0/1', eventId: null, reason: 'not JSON', issues: [], raw: '{' }]);
    expect(E.isRight(dl) && dl.right).toBe(1);
    await c.close();
  });
});

describe('connectStore', () => {
  it('reports not-ready with the reason, logs every failed attempt, and becomes ready when the store answers', async () => {
    const { log, lines } = captured();
    const server = new FakeEsdbServer();
    server.setAvailable(false);
    const conn = connectStore({ store: 'esdb', esdbUrl: 'esdb://eventstore:2113?tls=false', readModelPath: join(dir, 'rm2.sqlite') }, log, {
      baseMs: 5,
      maxMs: 20,
      checkTtlMs: 0,
      esdbClient: server.connect(),
    });
    await new Promise((r) => setTimeout(r, 60));
    const why = await conn.readyCheck.check();
    expect(why).toContain('EventStoreDB esdb://eventstore:2113?tls=false');
    expect(why).toContain('unavailable');
    const warnings = lines.filter((l) => l.level === 40 && l.msg.includes('failed; retrying'));
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings[0]!.err).toContain('does not answer');
    server.setAvailable(true);
    const c = await conn.ready;
    expect(await conn.readyCheck.check()).toBeNull();
    server.setAvailable(false); // the store goes away later: not ready again
    expect(await conn.readyCheck.check()).toContain('does not answer');
    await c.close();
  });

  it('a real connection string to a closed port stays not-ready, and stops retrying when aborted', async () => {
    const { log } = captured();
    const ac = new AbortController();
    const conn = connectStore({ store: 'esdb', esdbUrl: 'esdb://127.0.0.1:1?tls=false', readModelPath: join(dir, 'rm3.sqlite') }, log, { baseMs: 5, maxMs: 10, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(await conn.readyCheck.check()).toMatch(/does not answer: EventStoreDB ping: .*UNAVAILABLE/);
    ac.abort();
    await expect(conn.ready).rejects.toThrow(/does not answer/);
    expect(conn.problem()).toContain('gave up connecting');
  });
});

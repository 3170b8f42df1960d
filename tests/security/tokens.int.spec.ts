import { createHash } from 'node:crypto';
import * as crypto from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openSqliteEventStore } from '@dvk/event-store-sqlite';
import { AdminRegistry, SourceRegistry, hashAdminToken } from '@dvk/ingestion';
import { readModelQueries } from '@dvk/projections';
import { buildApi } from '@dvk/svc-api';
import pino from 'pino';
import { ALL, tempDir } from '../support.js';

/**
 * Tokens are stored hashed and compared in constant time: the store file (and its WAL) never
 * holds a token, nor any 16 characters of one; every comparison is `timingSafeEqual` over
 * fixed-length SHA-256 digests, whatever the length of what a client sends; source and admin
 * tokens live in separate tables under separate hash domains.
 */

vi.mock('node:crypto', async (importOriginal) => {
  const m = await importOriginal<typeof import('node:crypto')>();
  return { ...m, timingSafeEqual: vi.fn((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => m.timingSafeEqual(a, b)) };
});
const tse = vi.mocked(crypto.timingSafeEqual);

const tmp = tempDir('dvk-sec-tokens-');
afterAll(() => tmp.cleanup());
beforeEach(() => {
  tse.mockClear();
});

/** Every byte of the store's files (main, WAL, SHM) as latin1 text, to search for secrets. */
function storeBytes(db: string): string {
  const dir = db.slice(0, db.lastIndexOf('/'));
  const base = db.slice(db.lastIndexOf('/') + 1);
  return readdirSync(dir)
    .filter((f) => f.startsWith(base))
    .map((f) => readFileSync(`${dir}/${f}`).toString('latin1'))
    .join('\n');
}
const windows = (token: string, n = 16) => Array.from({ length: token.length - n + 1 }, (_, i) => token.slice(i, i + n));

describe('tokens at rest', () => {
  it('are stored only as SHA-256 hashes: the file holds no token and no 16 characters of one', async () => {
    const db = tmp.file('at-rest.sqlite');
    const store = openSqliteEventStore({ path: db });
    const sources = new SourceRegistry(store.db);
    const admins = new AdminRegistry(store.db);
    const tokens = [sources.add('xa-a', { ...ALL, units: ['xa-a'] }), sources.add('bdv', ALL)];
    const init = admins.init('root');
    if (init._tag === 'Left') throw new Error(init.left.message);
    tokens.push(init.right);
    tokens.push(sources.add('bdv', ALL, { replace: true })); // a rotated token
    // what is stored: the digest, 32 bytes; the hint is the first 10 characters only
    const row = store.db.prepare('SELECT token_hash, token_hint FROM sources WHERE name = ?').get('xa-a') as { token_hash: Buffer; token_hint: string };
    expect(row.token_hash).toEqual(createHash('sha256').update(tokens[0]!).digest());
    expect(row.token_hint).toBe(tokens[0]!.slice(0, 10));
    const arow = store.db.prepare('SELECT token_hash FROM admins WHERE name = ?').get('root') as { token_hash: Buffer };
    expect(arow.token_hash).toEqual(hashAdminToken(tokens[2]!));
    expect(arow.token_hash).not.toEqual(createHash('sha256').update(tokens[2]!).digest()); // another domain than sources
    store.db.pragma('wal_checkpoint(PASSIVE)');
    const bytes = storeBytes(db);
    await store.close();
    const afterClose = storeBytes(db);
    for (const t of tokens) {
      expect(t).toMatch(/^dvka?_[A-Za-z0-9_-]{43}$/); // 256 random bits
      for (const text of [bytes, afterClose]) for (const w of windows(t)) expect(text.includes(w), `${w} of a token found in the store`).toBe(false);
    }
  });
});

describe('token comparison', () => {
  it('compares fixed-length digests with timingSafeEqual, for sources and admins, whatever is sent', () => {
    const store = openSqliteEventStore({ path: tmp.file('compare.sqlite') });
    const sources = new SourceRegistry(store.db);
    const admins = new AdminRegistry(store.db);
    const source = sources.add('s', ALL);
    const init = admins.init('root');
    if (init._tag === 'Left') throw new Error(init.left.message);
    const admin = init.right;

    expect(sources.authenticate(source)?.name).toBe('s');
    expect(admins.authenticate(admin)?.name).toBe('root');
    expect(tse).toHaveBeenCalledTimes(2);
    for (const [a, b] of tse.mock.calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
    // a token of another kind, or almost right, or of any length: no match, and no error
    for (const t of [admin, source.slice(0, -1) + (source.endsWith('A') ? 'B' : 'A'), source + 'x', '', 'x', 'dvk_', 'ü'.repeat(150), '\u0000']) {
      expect(sources.authenticate(t)).toBeNull();
    }
    for (const t of [source, admin.slice(0, -1), admin + admin]) expect(admins.authenticate(t)).toBeNull();
    // over 200 characters is refused before hashing
    expect(sources.authenticate('a'.repeat(201))).toBeNull();
    void store.close();
  });

  it('the API read token is compared as a digest too, for tokens of any length', async () => {
    const store = openSqliteEventStore({ path: tmp.file('api.sqlite') });
    const readToken = 'read-token-0123456789abcdef';
    const app = await buildApi({ queries: readModelQueries(store.db), store, log: pino({ level: 'silent' }), readToken, rateLimitPerMinute: 0 });
    try {
      for (const given of [readToken.slice(0, -1), readToken + 'x', 'x', 'y'.repeat(5000), readToken.toUpperCase()]) {
        tse.mockClear();
        const r = await app.inject({ method: 'GET', url: '/v1/years', headers: { authorization: `Bearer ${given}` } });
        expect(r.statusCode).toBe(401);
        expect(tse).toHaveBeenCalledTimes(1);
        const [a, b] = tse.mock.calls[0]!;
        expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
      }
      const ok = await app.inject({ method: 'GET', url: '/v1/years', headers: { authorization: `Bearer ${readToken}` } });
      expect(ok.statusCode).toBe(200);
    } finally {
      await app.close();
      await store.close();
    }
  });
});

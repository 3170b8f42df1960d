import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { Verifier, chainHash, hashEnvelope, type DigestFile } from '@dvk/audit';
import { sampleEvent } from '@dvk/event-store/contract';
import { logDigest } from '@dvk/event-store';
import { openSqliteEventStore, storedRows, type SqliteEventStore } from '../src/index.js';

/**
 * Tamper evidence (issue 6): flip one byte of a stored event, delete one, swap two, insert one —
 * each is detected by the verifier and located (stream, revision, position, event id).
 */
const dir = mkdtempSync(join(tmpdir(), 'dvk-tamper-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let store: SqliteEventStore;
let n = 0;
const verify = (expected: DigestFile | null = null) => {
  const v = new Verifier(expected);
  for (const r of storedRows(store.db)) v.add(r);
  return v.finish(store.streamHeads());
};
const row = (p: number) => store.db.prepare('SELECT * FROM events WHERE position = ?').get(p) as Record<string, unknown>;

beforeEach(async () => {
  store = openSqliteEventStore({ path: join(dir, `t${++n}.sqlite`) });
  // three streams, interleaved: a0 b0 a1 c0 a2 b1 a3 a4
  const order = ['a', 'b', 'a', 'c', 'a', 'b', 'a', 'a'];
  for (const [i, u] of order.entries()) expect(E.isRight(await store.appendMany([sampleEvent(`unit${u}`, i)]))).toBe(true);
  expect(verify().ok).toBe(true);
});

describe('dvk verify finds and locates tampering', () => {
  it('a flipped byte in a stored event', () => {
    const body = row(5).body as string;
    const i = body.indexOf('"participants":') + 16;
    store.db.prepare('UPDATE events SET body = ? WHERE position = 5').run(body.slice(0, i) + (body[i] === '1' ? '2' : '1') + body.slice(i + 1));
    const r = verify();
    expect(r.ok).toBe(false);
    expect(r.breakages.map((b) => [b.kind, b.stream, b.revision, b.position])).toEqual([['changed', 'unit-unita', 2, 5]]);
    expect(r.breakages[0]!.eventId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a deleted event (the stream head is left as it was)', () => {
    store.db.prepare('DELETE FROM events WHERE position = 3').run(); // unita@1
    const r = verify();
    expect(r.breakages.map((b) => [b.kind, b.stream, b.revision])).toEqual([['gap', 'unit-unita', 2]]);
    expect(r.breakages[0]!.message).toContain('1 event(s) removed');
  });

  it('a deleted last event, with the stream head rewritten to hide it, against an earlier digest', async () => {
    const d = await logDigest(store, { upTo: 8 });
    expect(E.isRight(d)).toBe(true);
    const digest = E.isRight(d) ? { ...d.right.digest, heads: d.right.state.heads } : null;
    const prev = row(7);
    store.db.prepare('DELETE FROM events WHERE position = 8').run();
    store.db.prepare('UPDATE streams SET revision = 3, chain_hash = ? WHERE stream = ?').run((prev.hashes as Buffer).subarray(32), 'unit-unita');
    expect(verify().ok).toBe(true); // consistent on its own: only the digest can tell
    const r = verify(digest);
    expect(r.ok).toBe(false);
    expect(r.breakages.some((b) => b.kind === 'digest' && b.stream === 'unit-unita' && b.message.includes('revision 4 in the digest'))).toBe(true);
  });

  it('two events of a stream swapped', () => {
    const a = row(5), b = row(7); // unita@2 and unita@3
    const upd = store.db.prepare('UPDATE events SET id = ?, body = ?, hashes = ? WHERE position = ?');
    store.db.transaction(() => {
      upd.run(Buffer.alloc(16), b.body, b.hashes, 5); // avoid the unique id clash while swapping
      upd.run(a.id, a.body, a.hashes, 7);
      upd.run(b.id, b.body, b.hashes, 5);
    })();
    const r = verify();
    // located at the two swapped events (the next event then links to neither, and says so)
    expect(r.breakages.slice(0, 2).map((x) => [x.kind, x.stream, x.revision, x.position])).toEqual([
      ['chain', 'unit-unita', 2, 5],
      ['chain', 'unit-unita', 3, 7],
    ]);
  });

  it('two events of different streams swapped in the log order, against an earlier digest', async () => {
    const d = await logDigest(store, { upTo: 8 });
    const digest = E.isRight(d) ? { ...d.right.digest, heads: d.right.state.heads } : null;
    // swap positions 2 (unitb@0) and 4 (unitc@0): each stream's own order is unchanged
    store.db.transaction(() => {
      store.db.prepare('UPDATE events SET position = -2 WHERE position = 2').run();
      store.db.prepare('UPDATE events SET position = 2 WHERE position = 4').run();
      store.db.prepare('UPDATE events SET position = 4 WHERE position = -2').run();
    })();
    expect(verify().ok).toBe(true);
    const r = verify(digest);
    expect(r.ok).toBe(false);
    expect(r.breakages[0]!.kind).toBe('digest');
    expect(r.breakages[0]!.message).toContain('order');
  });

  it('an inserted event in the middle of a stream', () => {
    // shift unita's revisions ≥ 2 up by one and insert a forged revision 2 with a valid own hash
    const forged = sampleEvent('unita', 99);
    const h = hashEnvelope(forged);
    const sid = (store.db.prepare("SELECT sid FROM streams WHERE stream = 'unit-unita'").get() as { sid: number }).sid;
    store.db.transaction(() => {
      store.db.prepare('UPDATE events SET revision = revision + 1000 WHERE sid = ? AND revision >= 2').run(sid);
      store.db.prepare('UPDATE events SET revision = revision - 999 WHERE sid = ? AND revision >= 1000').run(sid);
      const prev = row(3);
      const chain = chainHash('unit-unita', 2, (prev.hashes as Buffer).toString('hex', 32, 64), h.contentHash);
      store.db
        .prepare('INSERT INTO events(position, id, sid, revision, body, hashes, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(
          100, // appended at the end of the table, claiming revision 2
          Buffer.from(forged.id.replace(/-/g, ''), 'hex'),
          sid,
          2,
          h.canonical,
          Buffer.from(h.contentHash + chain, 'hex'),
          prev.recorded_at,
        );
    })();
    const r = verify();
    expect(r.ok).toBe(false);
    const found = r.breakages.map((b) => [b.kind, b.stream, b.revision, b.position]);
    // first: the old revision 2, renumbered 3, where revision 2 should be
    expect(found[0]).toEqual(['gap', 'unit-unita', 3, 5]);
    // the renumbered events no longer match the revisions their chain hashes were made for
    expect(found).toContainEqual(['chain', 'unit-unita', 4, 7]);
    // the forged revision 2 itself, after revision 5 in the log
    expect(found).toContainEqual(['out-of-order', 'unit-unita', 2, 100]);
    // and the recorded head (revision 4) is not the stream's last event
    expect(found).toContainEqual(['head', 'unit-unita', 2, 100]);
    expect(new Set(found.map((f) => f[1]))).toEqual(new Set(['unit-unita'])); // no other stream is blamed
  });
});

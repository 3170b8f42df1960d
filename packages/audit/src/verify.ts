import * as E from 'fp-ts/lib/Either.js';
import { z } from 'zod';
import { LogDigest, canonicalJson, parseEnvelope, streamOf } from '@dvk/contracts';
import { GENESIS, chainHash, sha256HexNode } from './chain.js';
import { LogDigestBuilder } from './digest.js';

/**
 * Verification of a stored log (issue 6, `dvk verify`): recomputes every content hash from the
 * stored bytes, re-validates every envelope, re-links every stream's chain, checks revisions are
 * contiguous and in log order, compares stream heads, and — given a digest exported or published
 * earlier — compares the whole log with it, stream by stream. Reports exactly which stream and
 * event broke and how. Streaming: memory grows with the number of streams, not of events.
 */

export interface StoredRow {
  position: number;
  stream: string;
  revision: number;
  /** The id column, where the store keeps one apart from the body. */
  id?: string;
  /** The stored canonical JSON of the envelope. */
  body: string;
  contentHash: string;
  chainHash: string;
}

export type BreakKind =
  | 'changed' // the bytes of an event do not match its content hash
  | 'invalid' // the stored envelope does not pass the schema, is not canonical, or sits in the wrong stream
  | 'chain' // the chain hash does not link to the previous event of the stream
  | 'gap' // revisions missing: events removed
  | 'out-of-order' // revisions not in log order, or repeated: events reordered or inserted
  | 'head' // the stream's recorded head differs from its last event
  | 'digest'; // the log differs from a digest taken earlier

export interface Breakage {
  kind: BreakKind;
  stream: string;
  revision: number | null;
  position: number | null;
  eventId: string | null;
  message: string;
}

/** An exported digest: the log digest plus every stream head, to locate differences. */
export const DigestFile = LogDigest.extend({
  heads: z.record(z.string(), z.tuple([z.number().int(), z.string()])).optional(),
});
export type DigestFile = z.infer<typeof DigestFile>;

export interface VerifyReport {
  ok: boolean;
  events: number;
  streams: number;
  lastPosition: number;
  breakages: Breakage[];
  /** The digest recomputed from the log (at the checked digest's position when one was given). */
  digest: z.infer<typeof LogDigest>;
}

export class Verifier {
  private readonly streams = new Map<string, { revision: number; chain: string; position: number }>();
  private readonly breakages: Breakage[] = [];
  private readonly digest = new LogDigestBuilder();
  private digestAtCheck: z.infer<typeof LogDigest> | null = null;
  private events = 0;
  private last = 0;

  constructor(
    private readonly expected: DigestFile | null = null,
    /** Stop collecting after this many breakages (the count still says there were more). */
    private readonly maxBreakages = 1000,
  ) {}

  private broke(b: Breakage) {
    if (this.breakages.length < this.maxBreakages) this.breakages.push(b);
  }

  add(row: StoredRow): void {
    this.events++;
    if (row.position <= this.last)
      this.broke({ kind: 'out-of-order', stream: row.stream, revision: row.revision, position: row.position, eventId: row.id ?? null, message: `position ${row.position} is not after ${this.last}` });
    this.last = row.position;
    const at = { stream: row.stream, revision: row.revision, position: row.position };
    let eventId: string | null = row.id ?? null;

    const actualHash = sha256HexNode(row.body);
    if (actualHash !== row.contentHash)
      this.broke({ ...at, eventId, kind: 'changed', message: `the stored bytes of event ${row.stream}@${row.revision} (position ${row.position}) do not match its content hash: the event was changed` });
    else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.body);
      } catch {
        parsed = undefined;
      }
      const env = parseEnvelope(parsed);
      if (E.isLeft(env)) this.broke({ ...at, eventId, kind: 'invalid', message: `stored envelope fails the schema: ${env.left.message}` });
      else {
        eventId = env.right.id;
        if (canonicalJson(env.right) !== row.body) this.broke({ ...at, eventId, kind: 'invalid', message: 'stored envelope is not in canonical form' });
        if (streamOf(env.right) !== row.stream) this.broke({ ...at, eventId, kind: 'invalid', message: `the event belongs to stream ${streamOf(env.right)}, not ${row.stream}` });
        if (row.id !== undefined && row.id !== env.right.id) this.broke({ ...at, eventId, kind: 'invalid', message: `the id column ${row.id} differs from the envelope's id ${env.right.id}` });
      }
    }

    const prev = this.streams.get(row.stream);
    const expectedRevision = prev ? prev.revision + 1 : 0;
    if (row.revision > expectedRevision)
      this.broke({ ...at, eventId, kind: 'gap', message: `stream ${row.stream}: revision ${row.revision} follows ${expectedRevision - 1}; ${row.revision - expectedRevision} event(s) removed before it` });
    else if (row.revision < expectedRevision)
      this.broke({ ...at, eventId, kind: 'out-of-order', message: `stream ${row.stream}: revision ${row.revision} comes after revision ${expectedRevision - 1} in the log (reordered or inserted)` });
    // Link to whatever precedes it in the stream, so that one break is reported once, not for
    // every later event.
    const linked = chainHash(row.stream, row.revision, prev ? prev.chain : GENESIS, row.contentHash);
    if (linked !== row.chainHash && row.revision === expectedRevision)
      this.broke({ ...at, eventId, kind: 'chain', message: `stream ${row.stream}: the chain hash of revision ${row.revision} does not link to the previous event (an event before it was changed, removed, inserted or reordered)` });
    this.streams.set(row.stream, { revision: row.revision, chain: row.chainHash, position: row.position });

    if (this.expected && row.position <= this.expected.position) {
      this.digest.add({ position: row.position, stream: row.stream, revision: row.revision, chainHash: row.chainHash });
      if (row.position === this.expected.position) this.digestAtCheck = this.digest.digest();
    } else if (!this.expected) this.digest.add({ position: row.position, stream: row.stream, revision: row.revision, chainHash: row.chainHash });
  }

  /**
   * Finishes: compares the store's recorded heads (when it keeps them) and the expected digest.
   */
  finish(recordedHeads: { stream: string; revision: number; chainHash: string }[] | null = null): VerifyReport {
    if (recordedHeads) {
      const seen = new Set<string>();
      for (const h of recordedHeads) {
        seen.add(h.stream);
        const last = this.streams.get(h.stream);
        if (!last)
          this.broke({ kind: 'head', stream: h.stream, revision: h.revision, position: null, eventId: null, message: `stream ${h.stream} is recorded at revision ${h.revision} but has no events: they were removed` });
        else if (last.revision !== h.revision || last.chain !== h.chainHash)
          this.broke({
            kind: 'head',
            stream: h.stream,
            revision: last.revision,
            position: last.position,
            eventId: null,
            message: `stream ${h.stream} is recorded at revision ${h.revision} but its last event is revision ${last.revision}: events were ${last.revision < h.revision ? 'removed from' : 'added to'} its end`,
          });
      }
      for (const [s, last] of this.streams)
        if (!seen.has(s)) this.broke({ kind: 'head', stream: s, revision: last.revision, position: last.position, eventId: null, message: `stream ${s} has events but no recorded head: it was inserted` });
    }
    let digest = this.digest.digest();
    if (this.expected) {
      const x = this.expected;
      if (this.last < x.position)
        this.broke({ kind: 'digest', stream: '*', revision: null, position: this.last, eventId: null, message: `the log ends at position ${this.last}, before the digest's position ${x.position}: events were removed` });
      digest = this.digestAtCheck ?? digest;
      if (digest.root !== x.root || digest.order !== x.order || digest.events !== x.events) {
        this.broke({
          kind: 'digest',
          stream: '*',
          revision: null,
          position: x.position,
          eventId: null,
          message: `up to position ${x.position} the log differs from the digest (${digest.events} events, root ${digest.root.slice(0, 19)}…, order ${digest.order.slice(0, 19)}… versus ${x.events}, ${x.root.slice(0, 19)}…, ${x.order.slice(0, 19)}…)`,
        });
        if (x.heads) {
          const now = (this.digestAtCheck ? this.headsAt() : this.headsNow()) as Record<string, [number, string]>;
          for (const [s, [rev, chain]] of Object.entries(x.heads)) {
            const h = now[s];
            if (!h) this.broke({ kind: 'digest', stream: s, revision: rev, position: null, eventId: null, message: `stream ${s} was at revision ${rev} in the digest and has no events now` });
            else if (h[0] !== rev || h[1] !== chain)
              this.broke({ kind: 'digest', stream: s, revision: Math.min(h[0], rev), position: null, eventId: null, message: `stream ${s} was at revision ${rev} in the digest; the log has revision ${h[0]}${h[0] === rev ? ' with another chain hash: an event of it was rewritten' : ''}` });
          }
          for (const s of Object.keys(now)) if (!x.heads[s]) this.broke({ kind: 'digest', stream: s, revision: now[s]![0], position: null, eventId: null, message: `stream ${s} is not in the digest: it was inserted` });
        }
      }
    }
    return { ok: this.breakages.length === 0, events: this.events, streams: this.streams.size, lastPosition: this.last, breakages: this.breakages, digest };
  }

  private headsNow(): Record<string, [number, string]> {
    return Object.fromEntries([...this.streams].map(([s, h]) => [s, [h.revision, h.chain]]));
  }
  private headsAt(): Record<string, [number, string]> {
    return this.digest.state().heads;
  }
}

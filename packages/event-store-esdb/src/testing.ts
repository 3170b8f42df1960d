import { randomUUID } from 'node:crypto';
import {
  EsdbError,
  type EsdbClient,
  type EsdbEventData,
  type EsdbExpected,
  type EsdbFrom,
  type EsdbReadAllOptions,
  type EsdbRecorded,
  type EsdbSubscriptionHandle,
  type EsdbSubscriptionListener,
} from './client.js';

/**
 * An in-process EventStoreDB for the adapter's unit tests, behind the same narrow interface as the
 * real client. It models what the adapter relies on or must cope with:
 * - one log of records at byte positions (commit = prepare), records never spanning a chunk;
 *   system events (`$…` streams) interleaved with the adapter's own;
 * - appends checked against the exact expected revision, atomic per call; concurrent calls
 *   interleave between operations (each one yields first), and a hook can hold an append;
 * - reads of $all inclusive of their start when it is a record start, an `invalid_position`
 *   error when it is not; backwards reads exclusive of their start;
 * - catch-up subscriptions exclusive of their start, with a caught-up signal (optional: servers
 *   before 23.10 send none), pause/resume, and failure on demand (a dropped connection);
 * - an unavailable server.
 * Several `connect()`ed clients on one server are several processes on one database.
 */

export interface FakeEsdbOptions {
  /** Chunk size in bytes (default 64 KiB, so tests cross chunks). */
  chunkSize?: number;
  /** Position of the first record (default 0). */
  startPosition?: bigint;
  /** Whether subscriptions signal caught-up (servers from 23.10 on; default true). */
  sendCaughtUp?: boolean;
  /** Write a `$stats-…` event every this many appends (default 5; 0: never). */
  systemEventEvery?: number;
}

interface Rec {
  position: bigint;
  stream: string;
  id: string;
  type: string;
  revision: bigint;
  data: string;
  metadata: string;
}

const HEADER = 96n;

class FakeSub implements EsdbSubscriptionHandle {
  paused = false;
  closed = false;
  private index: number;
  private caughtUpSent = false;
  private scheduled = false;
  constructor(
    private readonly server: FakeEsdbServer,
    private readonly prefixes: readonly string[],
    from: number,
    private readonly listener: EsdbSubscriptionListener,
  ) {
    this.index = from;
    this.schedule();
  }
  schedule() {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }
  private pump() {
    let n = 0;
    while (!this.closed && !this.paused && this.index < this.server.records.length && n < 64) {
      const r = this.server.records[this.index++]!;
      if (this.prefixes.some((p) => r.stream.startsWith(p))) {
        this.listener.onEvent(this.server.toRecorded(r));
        n++;
      }
    }
    if (this.closed || this.paused) return;
    if (this.index < this.server.records.length) return this.schedule();
    if (!this.caughtUpSent && this.server.opts.sendCaughtUp !== false) {
      this.caughtUpSent = true;
      this.listener.onCaughtUp();
    }
  }
  fail(err: EsdbError) {
    if (this.closed) return;
    this.closed = true;
    this.server.subs.delete(this);
    setImmediate(() => this.listener.onError(err));
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
    this.schedule();
  }
  buffered() {
    // Records the subscription has not handed over yet, counting only those it would deliver.
    let n = 0;
    for (let i = this.index; i < this.server.records.length; i++) if (this.prefixes.some((p) => this.server.records[i]!.stream.startsWith(p))) n++;
    return n;
  }
  async close() {
    this.closed = true;
    this.server.subs.delete(this);
  }
}

export class FakeEsdbServer {
  readonly records: Rec[] = [];
  private readonly streams = new Map<string, Rec[]>();
  private readonly byPosition = new Map<bigint, number>();
  readonly subs = new Set<FakeSub>();
  private next: bigint;
  private appends = 0;
  available = true;
  /** Runs before an append is applied (after it yielded): hold it to build races. */
  beforeAppend: ((stream: string, events: readonly EsdbEventData[]) => Promise<void> | void) | null = null;
  /** Calls of each kind, for tests that count round trips. */
  readonly calls = { append: 0, readStream: 0, readAll: 0, subscribe: 0, idempotentAppend: 0 };
  readonly chunkSize: bigint;

  constructor(readonly opts: FakeEsdbOptions = {}) {
    this.chunkSize = BigInt(opts.chunkSize ?? 64 * 1024);
    this.next = opts.startPosition ?? 0n;
    // A fresh database starts with system records, as EventStoreDB's does.
    this.write('$epoch', [{ id: randomUUID(), type: '$epoch', data: { number: 0 }, metadata: {} }]);
    this.write('$settings', [{ id: randomUUID(), type: '$settings', data: {}, metadata: {} }]);
  }

  /** A client connection (a process); several may share the server. */
  connect(): EsdbClient {
    const mine = new Set<FakeSub>();
    return {
      appendToStream: async (stream, events, expected) => {
        await this.op();
        this.calls.append++;
        if (this.beforeAppend) await this.beforeAppend(stream, events);
        this.ensureUp();
        return this.append(stream, events, expected);
      },
      readStream: async (stream, o) => {
        await this.op();
        this.calls.readStream++;
        const s = this.streams.get(stream) ?? [];
        if (s.length === 0) return [];
        const last = s.length - 1;
        const from = o.from === 'start' ? 0 : o.from === 'end' ? last : Number(o.from);
        const out: EsdbRecorded[] = [];
        if (o.direction === 'forwards') for (let i = from; i <= last && out.length < o.maxCount; i++) out.push(this.toRecorded(s[i]!));
        else for (let i = Math.min(from, last); i >= 0 && out.length < o.maxCount; i--) out.push(this.toRecorded(s[i]!));
        return out;
      },
      readAll: async (o) => {
        await this.op();
        this.calls.readAll++;
        return this.readAll(o);
      },
      subscribeToAll: (o, listener) => {
        this.calls.subscribe++;
        let start: number;
        try {
          this.ensureUp();
          start = o.from === 'start' ? 0 : o.from === 'end' ? this.records.length : this.indexOf(o.from) + 1;
        } catch (err) {
          const dead = new FakeSub(this, o.prefixes, this.records.length, listener);
          dead.fail(err as EsdbError);
          return dead;
        }
        const sub = new FakeSub(this, o.prefixes, start, listener);
        this.subs.add(sub);
        mine.add(sub);
        return sub;
      },
      close: async () => {
        for (const s of mine) await s.close();
      },
    };
  }

  /** Every live subscription fails as when the connection drops. */
  dropSubscriptions(message = 'connection dropped (fake)'): number {
    const n = this.subs.size;
    for (const s of [...this.subs]) s.fail(new EsdbError('unavailable', message));
    return n;
  }

  /** The server stops answering (every call fails `unavailable`) until set back. */
  setAvailable(up: boolean): void {
    this.available = up;
    if (!up) this.dropSubscriptions('server unavailable (fake)');
  }

  /** Appends directly, as another client would (system events, claims written by a crashed writer). */
  appendRaw(stream: string, events: readonly EsdbEventData[], expected: EsdbExpected = 'any'): void {
    this.append(stream, events, expected);
  }

  toRecorded(r: Rec): EsdbRecorded {
    return {
      stream: r.stream,
      id: r.id,
      type: r.type,
      revision: r.revision,
      data: JSON.parse(r.data) as unknown,
      metadata: JSON.parse(r.metadata) as unknown,
      commit: r.position,
      prepare: r.position,
    };
  }

  private async op() {
    await new Promise<void>((r) => setImmediate(r));
    this.ensureUp();
  }

  private ensureUp() {
    if (!this.available) throw new EsdbError('unavailable', 'server unavailable (fake)');
  }

  /** Index of the record starting at a position; invalid_position when none starts there. */
  private indexOf(p: bigint): number {
    const i = this.byPosition.get(p);
    if (i === undefined) throw new EsdbError('invalid_position', `no record starts at position ${p}`);
    return i;
  }

  private readAll(o: EsdbReadAllOptions): EsdbRecorded[] {
    const keep = (r: Rec) => !o.prefixes || o.prefixes.some((p) => r.stream.startsWith(p));
    const out: EsdbRecorded[] = [];
    if (o.direction === 'forwards') {
      let i: number;
      if (o.from === 'start') i = 0;
      else if (o.from === 'end' || o.from === this.next) i = this.records.length;
      else i = this.indexOf(o.from);
      for (; i < this.records.length && out.length < o.maxCount; i++) if (keep(this.records[i]!)) out.push(this.toRecorded(this.records[i]!));
    } else {
      let i: number;
      if (o.from === 'end' || o.from === this.next) i = this.records.length - 1;
      else if (o.from === 'start') i = -1;
      else i = this.indexOf(o.from) - 1;
      for (; i >= 0 && out.length < o.maxCount; i--) if (keep(this.records[i]!)) out.push(this.toRecorded(this.records[i]!));
    }
    return out;
  }

  private append(stream: string, events: readonly EsdbEventData[], expected: EsdbExpected): { nextExpectedRevision: bigint } {
    const s = this.streams.get(stream) ?? [];
    const actual = BigInt(s.length - 1);
    const ok = expected === 'any' || (expected === 'no_stream' ? actual < 0n : expected === 'stream_exists' ? actual >= 0n : expected === actual);
    // EventStoreDB's own idempotency: the same event ids written again at the same expected
    // revision answer success without writing (the adapter must not count that as its append).
    const at = expected === 'no_stream' ? -1 : typeof expected === 'bigint' ? Number(expected) : null;
    if (!ok && at !== null && events.length > 0 && events.every((e, i) => s[at + 1 + i]?.id === e.id))
    {
      this.calls.idempotentAppend++;
      return { nextExpectedRevision: BigInt(at + events.length) };
    }
    if (!ok)
      throw new EsdbError('wrong_expected_version', `WrongExpectedVersion: stream ${stream} expected ${String(expected)}, actual ${actual}`, { stream, actual });
    this.write(stream, events);
    if (!stream.startsWith('$') && this.opts.systemEventEvery !== 0 && ++this.appends % (this.opts.systemEventEvery ?? 5) === 0)
      this.write('$stats-127.0.0.1:2113', [{ id: randomUUID(), type: '$statsCollected', data: { appends: this.appends }, metadata: {} }]);
    return { nextExpectedRevision: BigInt((this.streams.get(stream)?.length ?? 0) - 1) };
  }

  private write(stream: string, events: readonly EsdbEventData[]) {
    const s = this.streams.get(stream) ?? [];
    this.streams.set(stream, s);
    for (const e of events) {
      const data = JSON.stringify(e.data);
      const metadata = JSON.stringify(e.metadata);
      const size = HEADER + BigInt(Buffer.byteLength(data) + Buffer.byteLength(metadata) + Buffer.byteLength(stream) + Buffer.byteLength(e.type));
      // A record never spans two chunks: one that does not fit starts the next chunk.
      const chunkEnd = (this.next / this.chunkSize + 1n) * this.chunkSize;
      if (this.next + size > chunkEnd) this.next = chunkEnd;
      const r: Rec = { position: this.next, stream, id: e.id, type: e.type, revision: BigInt(s.length), data, metadata };
      this.next += size;
      this.byPosition.set(r.position, this.records.length);
      this.records.push(r);
      s.push(r);
    }
    for (const sub of this.subs) sub.schedule();
  }
}

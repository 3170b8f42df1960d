import * as E from 'fp-ts/lib/Either.js';
import { streamOf, type Envelope } from '@dvk/contracts';
import { GENESIS, chainHash, hashEnvelope } from '@dvk/audit';
import {
  idConflict,
  revisionMatches,
  wrongExpectedRevision,
  type AppendError,
  type AppendOutcome,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type IngestOutcome,
  type StoredEvent,
} from './port.js';
import { catchUpSubscription } from './subscription.js';

export interface MemoryStoreOptions {
  /** The store's clock for `recordedAt` (default: the system clock). */
  now?: () => string;
}

/** The in-memory adapter: the reference semantics of the port, for unit tests. */
export function memoryEventStore(opts: MemoryStoreOptions = {}): EventStore {
  const now = opts.now ?? (() => new Date().toISOString());
  const log: StoredEvent[] = [];
  const byId = new Map<string, StoredEvent>();
  const streams = new Map<string, StoredEvent[]>();
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());

  const revisionOf = (stream: string) => (streams.get(stream)?.length ?? 0) - 1;

  /** Writes one new event at the end of its stream and of the log. */
  function write(stream: string, e: Envelope, canonicalHash: string, recordedAt: string): StoredEvent {
    const s = streams.get(stream) ?? [];
    const prev = s[s.length - 1];
    const revision = s.length;
    const stored: StoredEvent = {
      position: log.length + 1,
      stream,
      revision,
      event: JSON.parse(JSON.stringify(e)) as Envelope,
      recordedAt,
      contentHash: canonicalHash,
      chainHash: chainHash(stream, revision, prev ? prev.chainHash : GENESIS, canonicalHash),
    };
    log.push(stored);
    byId.set(e.id, stored);
    s.push(stored);
    streams.set(stream, s);
    return stored;
  }

  const store: EventStore = {
    async appendToStream(stream: string, events: readonly Envelope[], expected: ExpectedRevision = 'any') {
      // Plan first, write after: a conflict leaves nothing written.
      const batch = new Map<string, string>();
      const plan: ({ dup: StoredEvent } | { e: Envelope; hash: string } | { dupInBatch: true; e: Envelope })[] = [];
      for (const e of events) {
        const h = hashEnvelope(e).contentHash;
        const existing = byId.get(e.id);
        if (existing) {
          if (existing.contentHash !== h) return E.left<AppendError, AppendResult>(idConflict(e.id, existing.position));
          plan.push({ dup: existing });
        } else if (batch.has(e.id)) {
          if (batch.get(e.id) !== h) return E.left(idConflict(e.id, null));
          plan.push({ dupInBatch: true, e });
        } else {
          batch.set(e.id, h);
          plan.push({ e, hash: h });
        }
      }
      const actual = revisionOf(stream);
      if (batch.size > 0 && !revisionMatches(expected, actual)) return E.left(wrongExpectedRevision(stream, expected, actual));
      const at = now();
      const outcomes: AppendOutcome[] = [];
      for (const step of plan) {
        if ('dup' in step) outcomes.push({ status: 'duplicate', id: step.dup.event.id, position: step.dup.position, revision: step.dup.revision });
        else if ('dupInBatch' in step) {
          const s = byId.get(step.e.id)!;
          outcomes.push({ status: 'duplicate', id: s.event.id, position: s.position, revision: s.revision });
        } else {
          const s = write(stream, step.e, step.hash, at);
          outcomes.push({ status: 'appended', id: s.event.id, position: s.position, revision: s.revision });
        }
      }
      if (batch.size > 0) notify();
      return E.right({ stream, revision: revisionOf(stream), outcomes });
    },

    async appendMany(events: readonly Envelope[]) {
      const at = now();
      const out: IngestOutcome[] = [];
      let wrote = false;
      for (const e of events) {
        const h = hashEnvelope(e).contentHash;
        const existing = byId.get(e.id);
        if (existing) {
          out.push(
            existing.contentHash === h
              ? { status: 'duplicate', id: e.id, position: existing.position, revision: existing.revision }
              : { status: 'conflict', id: e.id, position: existing.position, reason: idConflict(e.id, existing.position).message },
          );
          continue;
        }
        const s = write(streamOf(e), e, h, at);
        wrote = true;
        out.push({ status: 'appended', id: e.id, position: s.position, revision: s.revision });
      }
      if (wrote) notify();
      return E.right(out);
    },

    async readStream(stream, o = {}) {
      const s = streams.get(stream) ?? [];
      const from = o.fromRevision ?? 0;
      return E.right(s.slice(from, o.maxCount === undefined ? undefined : from + o.maxCount));
    },

    async readAll({ after, maxCount, upTo }) {
      const end = Math.min(log.length, upTo ?? Infinity, after + maxCount);
      return E.right(log.slice(Math.max(0, after), Math.max(0, end)));
    },

    async readAt(positions) {
      return E.right([...new Set(positions)].sort((a, b) => a - b).flatMap((p) => (log[p - 1] ? [log[p - 1]!] : [])));
    },

    async findById(id) {
      return E.right(byId.get(id.toLowerCase()) ?? null);
    },

    async head() {
      return E.right({ position: log.length, events: log.length });
    },

    async positionAt(timestamp) {
      const t = Date.parse(timestamp);
      let p = 0;
      for (const e of log) if (Date.parse(e.recordedAt) <= t) p = e.position;
      return E.right(p);
    },

    subscribe(o, handler) {
      return catchUpSubscription(store, { onAppend: (cb) => (listeners.add(cb), () => listeners.delete(cb)) }, o, handler);
    },

    async close() {
      listeners.clear();
    },
  };
  return store;
}

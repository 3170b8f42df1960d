import * as E from 'fp-ts/lib/Either.js';
import type { Logger } from 'pino';
import { storeUnavailable, type BatchHandler, type StoreError, type StoredEvent, type SubscribeOptions, type Subscription } from '@dvk/event-store';
import { EsdbError, type EsdbClient, type EsdbFrom, type EsdbRecorded, type EsdbSubscriptionHandle } from './client.js';
import { DVK_STREAM_PREFIXES, Fail, isDvkStream, portPosition, storeErrorOf, toStored } from './internal.js';

/**
 * The port's catch-up subscription on an EventStoreDB catch-up subscription to $all, filtered on
 * the server to dvk's streams:
 * - it starts after the checkpoint (`after`), hands the handler batches of up to `batchSize`
 *   events in log order, and advances its position only when the handler has completed a batch;
 * - when the connection drops (or the server ends the subscription), it drains what it had
 *   received, waits (backoff from `baseMs` doubling to `maxMs`) and resubscribes from the last
 *   handled position: events at or before it are skipped, so nothing is lost or handled twice;
 * - `caughtUp` resolves once the handler has completed the last dvk event that existed when the
 *   subscription started (or when the server says it is live and nothing is left to hand over).
 */

export interface ResubscribeOptions {
  baseMs?: number;
  maxMs?: number;
  /** Consecutive failed attempts before the subscription ends with StoreUnavailable (default: never). */
  maxAttempts?: number;
}

export interface SubscriptionDeps {
  client: EsdbClient;
  log: Logger;
  startFor(after: number): Promise<EsdbFrom>;
  headPosition(): Promise<number>;
  remember(e: StoredEvent): void;
  retry: ResubscribeOptions;
  lingerMs: number;
  onEnd(s: Subscription): void;
}

type Ending = E.Either<StoreError | { _tag: 'HandlerFailed'; cause: unknown }, void>;
type SessionEnd = { kind: 'stopped' } | { kind: 'dropped'; reason: string } | { kind: 'failed'; ending: Ending };

export function esdbSubscription(deps: SubscriptionDeps, opts: SubscribeOptions, handler: BatchHandler): Subscription {
  const batchSize = Math.max(1, opts.batchSize ?? 1000);
  const baseMs = deps.retry.baseMs ?? 250;
  const maxMs = deps.retry.maxMs ?? 10_000;
  const maxAttempts = deps.retry.maxAttempts ?? Infinity;
  let position = opts.after;
  let stopped = false;
  let isCaughtUp = false;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
  const caught = () => {
    if (isCaughtUp) return;
    isCaughtUp = true;
    markCaughtUp();
  };
  /** Wakes whatever the subscription is waiting on (an event, an error, stop). */
  let wake: (() => void) | null = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const waitFor = (ms?: number) =>
    new Promise<void>((resolve) => {
      const t = ms === undefined ? null : setTimeout(() => done(), ms);
      function done() {
        if (t) clearTimeout(t);
        if (wake === done) wake = null;
        resolve();
      }
      wake = done;
    });

  /** The last dvk event when the subscription started: caught up once it is handled. */
  let target: number | null = null;

  async function session(from: EsdbFrom, progressed: () => void): Promise<SessionEnd> {
    const queue: EsdbRecorded[] = [];
    let broken: string | null = null;
    let fatal: StoreError | null = null;
    let serverLive = false;
    let paused = false;
    let lastQueued = position;
    let handle: EsdbSubscriptionHandle | null = null;
    handle = deps.client.subscribeToAll(
      { from, prefixes: DVK_STREAM_PREFIXES },
      {
        onEvent(r) {
          let p: number;
          try {
            p = portPosition(r);
          } catch (err) {
            if (err instanceof Fail) fatal ??= err.error as StoreError;
            notify();
            return;
          }
          if (p <= lastQueued) return;
          lastQueued = p;
          if (!isDvkStream(r.stream)) return;
          queue.push(r);
          if (!paused && queue.length >= 2 * batchSize && handle) {
            paused = true;
            handle.pause();
          }
          notify();
        },
        onCaughtUp() {
          serverLive = true;
          notify();
        },
        onError(err: EsdbError) {
          broken ??= err.message;
          if (err.kind === 'access_denied') fatal ??= storeErrorOf(err, 'subscription to $all');
          notify();
        },
        onEnd() {
          broken ??= 'the server ended the subscription';
          notify();
        },
      },
    );
    try {
      for (;;) {
        if (stopped) return { kind: 'stopped' };
        if (fatal) return { kind: 'failed', ending: E.left(fatal) };
        if (queue.length === 0) {
          if (broken) return { kind: 'dropped', reason: broken };
          if (serverLive && handle.buffered() === 0) caught();
          await waitFor();
          continue;
        }
        // While catching up, give a batch a moment to fill (fewer, larger commits downstream).
        if (queue.length < batchSize && !isCaughtUp && !serverLive && !broken) {
          const deadline = Date.now() + deps.lingerMs;
          while (queue.length < batchSize && !serverLive && !broken && !stopped && Date.now() < deadline) await waitFor(deadline - Date.now());
          if (stopped) return { kind: 'stopped' };
        }
        const raw = queue.splice(0, batchSize);
        if (paused && queue.length < batchSize) {
          paused = false;
          handle.resume();
        }
        let batch: StoredEvent[];
        try {
          batch = raw.map(toStored);
        } catch (err) {
          if (err instanceof Fail) return { kind: 'failed', ending: E.left(err.error as StoreError) };
          throw err;
        }
        try {
          await handler(batch);
        } catch (cause) {
          return { kind: 'failed', ending: E.left({ _tag: 'HandlerFailed', cause }) };
        }
        position = batch[batch.length - 1]!.position;
        batch.forEach(deps.remember);
        progressed();
        if (target !== null && position >= target) caught();
      }
    } finally {
      await handle.close();
    }
  }

  async function run(): Promise<Ending> {
    let failures = 0;
    try {
      while (!stopped) {
        let end: SessionEnd;
        try {
          if (target === null) {
            target = await deps.headPosition();
            if (target <= position) caught();
          }
          const from = await deps.startFor(position);
          end = await session(from, () => (failures = 0));
        } catch (err) {
          if (err instanceof Fail) return E.left(err.error as StoreError);
          if (!(err instanceof EsdbError)) throw err;
          if (err.kind === 'access_denied') return E.left(storeErrorOf(err, 'subscription to $all'));
          end = { kind: 'dropped', reason: err.message };
        }
        if (end.kind === 'stopped') break;
        if (end.kind === 'failed') return end.ending;
        failures++;
        if (failures > maxAttempts)
          return E.left(storeUnavailable(`EventStoreDB subscription to $all: gave up after ${failures} attempts at position ${position}: ${end.reason}`));
        const delay = Math.min(baseMs * 2 ** (failures - 1), maxMs);
        deps.log.warn({ position, attempt: failures, retryInMs: delay, reason: end.reason }, 'subscription dropped; resubscribing from the last handled position');
        if (!stopped) await waitFor(delay);
      }
      return E.right(undefined);
    } finally {
      caught();
      deps.onEnd(sub);
    }
  }

  const done = Promise.resolve().then(run);
  const sub: Subscription = {
    position: () => position,
    caughtUp,
    done,
    async stop() {
      stopped = true;
      notify();
      await done;
    },
  };
  return sub;
}

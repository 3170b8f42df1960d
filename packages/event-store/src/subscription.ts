import * as E from 'fp-ts/lib/Either.js';
import type { BatchHandler, EventStore, StoreError, SubscribeOptions, Subscription } from './port.js';

export interface Waker {
  /** Registers a callback run when new events may exist; returns the unregistration. */
  onAppend(cb: () => void): () => void;
}

/**
 * A catch-up subscription for stores that can only be read page by page: reads from the
 * checkpoint to the head, hands each page to the handler (awaiting it), then waits for an
 * in-process append notification or, for writers in other processes, the poll interval.
 */
export function catchUpSubscription(
  store: Pick<EventStore, 'readAll' | 'head'>,
  waker: Waker,
  opts: SubscribeOptions & { pollMs?: number },
  handler: BatchHandler,
): Subscription {
  const batchSize = opts.batchSize ?? 1000;
  const pollMs = opts.pollMs ?? 250;
  let position = opts.after;
  let stopped = false;
  let wake: (() => void) | null = null;
  let markCaughtUp!: () => void;
  const caughtUp = new Promise<void>((r) => (markCaughtUp = r));
  const unregister = waker.onAppend(() => wake?.());

  const sleep = () =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, pollMs);
      function done() {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  const run = async (): Promise<E.Either<StoreError | { _tag: 'HandlerFailed'; cause: unknown }, void>> => {
    const start = await store.head();
    if (E.isLeft(start)) return start;
    let caught = start.right.position <= position;
    if (caught) markCaughtUp();
    try {
      while (!stopped) {
        const page = await store.readAll({ after: position, maxCount: batchSize });
        if (E.isLeft(page)) return page;
        if (page.right.length === 0) {
          if (!caught) {
            caught = true;
            markCaughtUp();
          }
          await sleep();
          continue;
        }
        try {
          await handler(page.right);
        } catch (cause) {
          return E.left({ _tag: 'HandlerFailed', cause });
        }
        position = page.right[page.right.length - 1]!.position;
        if (!caught && position >= start.right.position) {
          caught = true;
          markCaughtUp();
        }
      }
      return E.right(undefined);
    } finally {
      unregister();
      markCaughtUp();
    }
  };
  const done = run();
  return {
    position: () => position,
    caughtUp,
    done,
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}

import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/gc.js';

describe('collectGarbage', () => {
  it('collects what nothing refers to any more (within its budget: here none), and leaves gc to no other context', async () => {
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ payload: new Array(100_000).fill(1) });
    })();
    // A WeakRef's target is kept until the end of the job that made it or read it.
    const nextJob = () => new Promise((r) => setImmediate(r));
    await nextJob();
    expect(ref!.deref()).toBeDefined();
    await nextJob();
    collectGarbage(0);
    expect(ref!.deref()).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  it('does not collect before the heap has grown by its budget', async () => {
    collectGarbage(0);
    let ref: WeakRef<object> | undefined;
    (() => {
      ref = new WeakRef({ payload: new Array(1000).fill(1) });
    })();
    await new Promise((r) => setImmediate(r));
    collectGarbage(2 ** 30);
    expect(ref!.deref()).toBeDefined();
  });
});

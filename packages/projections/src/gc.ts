import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection, asked for by a long batch job between its phases and steps (the
 * streaming rebuild: after each stream folded, each unit scored, each step and each year). What a
 * phase leaves behind — a year's ranked cards, report and ranking contents, the parsed rows of a
 * step — has lived long enough to be moved to V8's old generation, and V8 may pretenure even a
 * unit's short-lived objects (allocate them there directly); V8 lets that generation grow to
 * several times its live size before it collects it: a 10× replay peaked with ≈ 50 MB of such
 * garbage, a 10-year 10× replay now and then with ≈ 200 MB, and that peak decided its RSS. A
 * collection costs ≈ 15–25 ms for a heap of 20–50 MB, so it is done only when the heap has grown
 * by `budget` bytes (default 24 MiB) since the last one; the check is one heap-size read (≈ 0.3 µs).
 *
 * The function is obtained as jest's leak detector does: the `--expose-gc` flag set for a moment,
 * `gc` taken from a fresh context, the flag unset (other contexts are not given it). Where the
 * engine refuses, collecting is left to V8 (a no-op).
 */
let gc: (() => void) | null | undefined;
let usedAfterLast = 0;

export function collectGarbage(budget = 24 * 2 ** 20): void {
  if (gc === undefined) gc = obtainGc();
  if (!gc || getHeapStatistics().used_heap_size - usedAfterLast < budget) return;
  gc();
  usedAfterLast = getHeapStatistics().used_heap_size;
}

function obtainGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as () => void) : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

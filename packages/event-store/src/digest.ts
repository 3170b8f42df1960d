import * as E from 'fp-ts/lib/Either.js';
import { LogDigestBuilder, type DigestState } from '@dvk/audit';
import type { LogDigest } from '@dvk/contracts';
import type { EventStore, StoreError } from './port.js';

/**
 * The log digest at a position, computed by reading the log (from a saved builder state when
 * given, so a publisher extends it incrementally instead of rereading everything).
 */
export async function logDigest(
  store: Pick<EventStore, 'readAll'>,
  opts: { upTo: number; from?: DigestState; pageSize?: number },
): Promise<E.Either<StoreError, { digest: LogDigest; state: DigestState }>> {
  const b = new LogDigestBuilder(opts.from && opts.from.position <= opts.upTo ? opts.from : undefined);
  for (;;) {
    if (b.at >= opts.upTo) break;
    const page = await store.readAll({ after: b.at, maxCount: opts.pageSize ?? 10_000, upTo: opts.upTo });
    if (E.isLeft(page)) return page;
    if (page.right.length === 0) break;
    for (const e of page.right) b.add(e);
  }
  return E.right({ digest: b.digest(), state: b.state() });
}

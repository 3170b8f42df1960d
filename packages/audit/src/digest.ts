import { createHash } from 'node:crypto';
import type { LogDigest } from '@dvk/contracts';
import { GENESIS } from './chain.js';

/**
 * The log digest (issue 6): what a published ranking carries so that anyone holding the log can
 * check it. `root` is a Merkle root over the head of every stream (stream name, revision and
 * chain hash of its last event, sorted by stream name); `order` hashes the chain hashes of all
 * events in log order, so it also catches events reordered across streams. Both are computed by
 * reading the log up to `position`; nothing here trusts stored summaries.
 */

const h = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function merkleRoot(leaves: readonly string[]): string {
  if (leaves.length === 0) return h('dvk-merkle/1\nempty');
  let level = leaves.map((l) => h(`dvk-merkle/1\nleaf\n${l}`));
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? h(`dvk-merkle/1\nnode\n${level[i]}${level[i + 1]}`) : level[i]!);
    level = next;
  }
  return level[0]!;
}

export interface ChainedEvent {
  position: number;
  stream: string;
  revision: number;
  chainHash: string;
}

/** Builds the digest from events fed in log order. */
export class LogDigestBuilder {
  private readonly heads = new Map<string, { revision: number; chain: string }>();
  private order = createHash('sha256').update(`dvk-order/1\n${GENESIS}`);
  private position = 0;
  private events = 0;

  add(e: ChainedEvent): void {
    this.heads.set(e.stream, { revision: e.revision, chain: e.chainHash });
    this.order.update(e.chainHash);
    this.position = e.position;
    this.events++;
  }

  digest(): LogDigest {
    const streams = [...this.heads.keys()].sort();
    const leaves = streams.map((s) => {
      const x = this.heads.get(s)!;
      return `${s}\n${x.revision}\n${x.chain}`;
    });
    return {
      position: this.position,
      events: this.events,
      streams: streams.length,
      root: `sha256:${merkleRoot(leaves)}`,
      order: `sha256:${this.order.copy().digest('hex')}`,
    };
  }
}

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

/** The builder's state, as plain data: a publisher keeps it to extend the digest incrementally. */
export interface DigestState {
  heads: Record<string, [revision: number, chain: string]>;
  order: string;
  position: number;
  events: number;
}

/**
 * Builds the digest from events fed in log order. The order hash is itself a chain
 * (o_i = H(o_{i-1}, chain_i)), so the builder's state is small, serialisable and resumable.
 */
export class LogDigestBuilder {
  private readonly heads: Map<string, [number, string]>;
  private order: string;
  private position: number;
  private events: number;

  constructor(from?: DigestState) {
    this.heads = new Map(from ? Object.entries(from.heads) : []);
    this.order = from?.order ?? GENESIS;
    this.position = from?.position ?? 0;
    this.events = from?.events ?? 0;
  }

  get at(): number {
    return this.position;
  }

  add(e: ChainedEvent): void {
    if (e.position <= this.position) return;
    this.heads.set(e.stream, [e.revision, e.chainHash]);
    this.order = createHash('sha256').update(`dvk-order/1\n${this.order}\n${e.chainHash}`, 'utf8').digest('hex');
    this.position = e.position;
    this.events++;
  }

  state(): DigestState {
    return { heads: Object.fromEntries(this.heads), order: this.order, position: this.position, events: this.events };
  }

  digest(): LogDigest {
    const streams = [...this.heads.keys()].sort();
    const leaves = streams.map((s) => {
      const [revision, chain] = this.heads.get(s)!;
      return `${s}\n${revision}\n${chain}`;
    });
    return {
      position: this.position,
      events: this.events,
      streams: streams.length,
      root: `sha256:${merkleRoot(leaves)}`,
      order: `sha256:${this.order}`,
    };
  }
}

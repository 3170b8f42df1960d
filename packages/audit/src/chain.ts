import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import { canonicalEnvelopeJson, type Envelope } from '@dvk/contracts';

/**
 * The hash chain every adapter writes (issue 6): each event's content hash is SHA-256 of its
 * canonical JSON; its chain hash covers the stream, its revision, the previous event's chain hash
 * in the same stream and its content hash. Changing, removing, inserting or reordering an event
 * of a stream breaks the chain from that event on. The global order across streams is covered by
 * the log digest (see digest.ts).
 */

/** The chain hash "before" the first event of every stream. */
export const GENESIS = '0'.repeat(64);

export interface Hashed {
  /** Canonical JSON of the envelope: the exact bytes stored and hashed. */
  canonical: string;
  /** SHA-256 (hex) of `canonical`. */
  contentHash: string;
}

// Node ≥ 20.12 has a one-shot crypto.hash, faster than createHash for small inputs.
const oneShot = (crypto as unknown as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

export function sha256HexNode(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hashEnvelope(e: Envelope): Hashed {
  const canonical = canonicalEnvelopeJson(e);
  return { canonical, contentHash: sha256HexNode(canonical) };
}

export function chainHash(stream: string, revision: number, prevChain: string, contentHash: string): string {
  return sha256HexNode(`dvk-chain/1\n${stream}\n${revision}\n${prevChain}\n${contentHash}`);
}

import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';

/**
 * Deterministic randomness for the sample generator. Every independent part of the district (a
 * unit's models, one year of one district copy, the ids of a block, …) draws from its own stream,
 * keyed by a string that names it. A stream's state is a 128-bit hash of (seed, key), so streams
 * never depend on how many other streams were used before them: generating 5 years or 10, one
 * district copy or a hundred, gives the same events for the same (copy, year). Never Math.random,
 * never the clock.
 */

/** cyrb128: a fast 128-bit string hash (four 32-bit words), good enough to seed a PRNG. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 | 0, h2 | 0, h3 | 0, h4 | 0];
}

const TWO_32 = 4294967296;

/** A stream of random draws (a thin layer over pure-rand's xoroshiro128+). */
export class Rand {
  private readonly g;
  constructor(seed: number, key: string) {
    const s = cyrb128(`${seed}|${key}`);
    // xoroshiro128+ must not start from the all-zero state.
    if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) s[0] = 1;
    this.g = xoroshiro128plusFromState(s);
    // Discard a few outputs: neighbouring hashed states then diverge fully.
    for (let i = 0; i < 4; i++) this.g.next();
  }

  /** A uniform float in [0, 1) with 32 bits of resolution. */
  float(): number {
    return (this.g.next() >>> 0) / TWO_32;
  }

  /** A uniform integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return uniformInt(this.g, lo, hi);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string | number>(weights: readonly (readonly [K, number])[]): K {
    const total = weights.reduce((s, [, w]) => s + w, 0);
    let x = this.float() * total;
    for (const [k, w] of weights) {
      if (x < w) return k;
      x -= w;
    }
    return weights[weights.length - 1]![0];
  }

  /** A standard normal draw (Box–Muller). */
  gauss(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A copy of `items` in random order (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** A random v4-shaped UUID, lower case (version nibble 4, variant 10xx). */
  uuid(): string {
    const w = [this.g.next() >>> 0, this.g.next() >>> 0, this.g.next() >>> 0, this.g.next() >>> 0];
    const hex = w.map((x) => x.toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

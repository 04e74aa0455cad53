/**
 * The fuzzer's seeded randomness: the repository's own scene generator (src/scenes/prng.ts) with the draws a case
 * generator needs. Every case gets its own stream derived from (campaign seed, kind, index), so case 17 of a kind is
 * the same case whatever the number of cases, the kinds selected or the number of jobs.
 */
import { Prng, mix32 } from '../../src/scenes/prng.js';

export class Rng {
  private readonly p: Prng;
  constructor(seed: number, stream = 0) {
    this.p = new Prng(seed, stream);
  }

  /** The stream of case `index` of `kind` in a campaign of `seed`. */
  static forCase(seed: number, kind: string, index: number): Rng {
    let h = 0;
    for (const c of kind) h = mix32(h ^ c.charCodeAt(0));
    return new Rng(seed, mix32(h ^ mix32(index + 1)));
  }

  u32(): number {
    return this.p.u32();
  }
  float(): number {
    return this.p.float();
  }
  /** Uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return this.p.int(lo, hi);
  }
  chance(p: number): boolean {
    return this.p.chance(p);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
  /** A weighted pick: [weight, value] pairs, so rare but expensive variants can be made rare. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((a, [w]) => a + w, 0);
    let x = this.float() * total;
    for (const [w, v] of items) if ((x -= w) < 0) return v;
    return items[items.length - 1][1];
  }
  /** A seed for a sub-recipe (stored in the recipe, so building it again needs no generator state). */
  seed(): number {
    return this.u32();
  }
}

/** `length` seeded bytes: the building block of random-byte recipes, reproducible from (seed, length) alone. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const p = new Prng(seed, 7);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 4) {
    const x = p.u32();
    for (let k = 0; k < 4 && i + k < length; k++) out[i + k] = (x >>> (8 * k)) & 255;
  }
  return out;
}

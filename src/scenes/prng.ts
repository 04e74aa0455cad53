/**
 * A small seeded pseudo-random generator, platform-free, so that a scene seed means the same picture in Node, in the
 * browser and in the Python trainer's data (which comes from this code). Not for cryptography.
 *
 * Design: a 32-bit counter stepped by an odd constant (every state is visited once per 2^32 draws) and each counter
 * value passed through an xor-shift-multiply avalanche mix, so neighbouring seeds give unrelated streams.
 */

/** Odd step of the counter: 2^32 / golden ratio, so successive states are spread over the whole 32-bit range. */
const STEP = 0x9e3779b9;

/** Avalanche mix of a 32-bit integer (xor-shift / multiply rounds): every input bit affects every output bit. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d);
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Folds any safe integer (negative or above 2^32 too) into a 32-bit starting state. */
function seedState(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`A scene seed must be a safe integer, got ${seed}.`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return mix32(lo ^ mix32(hi + STEP));
}

export class Prng {
  private state: number;

  /**
   * `stream` picks an independent sequence for the same seed (e.g. 1 for pixel noise), so that drawing more or fewer
   * numbers for one purpose never shifts the numbers of another.
   */
  constructor(seed: number, stream = 0) {
    const s = seedState(seed);
    this.state = stream === 0 ? s : mix32(s ^ mix32((stream >>> 0) + STEP));
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + STEP) >>> 0;
    return mix32(this.state);
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Uniform integer in [lo, hi] (both included). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** true with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /**
   * Roughly standard normal from one draw: the sum of its four bytes (Irwin–Hall, mean 510, variance 4·(256² − 1)/12),
   * centred and scaled. Bounded at ±3.5, which is what pixel noise wants, and several times faster than Box–Muller.
   */
  quickNormal(): number {
    const x = this.u32();
    return ((x & 255) + ((x >>> 8) & 255) + ((x >>> 16) & 255) + (x >>> 24) - 510) / 147.8;
  }
}

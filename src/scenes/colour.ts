/** Colours for scenes: saturated ones for shapes, muted ones for backgrounds, and a contrast test between them. */
import type { Prng } from './prng.js';

export type Rgb = [number, number, number];

/** HSL (h in turns, s and l in [0, 1]) to 8-bit RGB, by the usual piecewise-linear hue ramps. */
export function hslToRgb(h: number, s: number, l: number): Rgb {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  const channel = (shift: number) => {
    const k = (((h * 6 + shift) % 6) + 6) % 6;
    return l - c / 2 + c * Math.max(0, Math.min(1, Math.abs(k - 3) - 1));
  };
  return [channel(0), channel(4), channel(2)].map((v) => Math.round(v * 255)) as Rgb;
}

export function toHex([r, g, b]: Rgb): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Euclidean distance in 8-bit RGB (0 to 441). */
export function rgbDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** A vivid colour, the kind shapes (and half of the clutter) are painted with. */
export function vividColour(rng: Prng): Rgb {
  return hslToRgb(rng.float(), rng.range(0.55, 1), rng.range(0.3, 0.7));
}

/** A greyish colour for backgrounds, dark to light. */
export function mutedColour(rng: Prng): Rgb {
  return hslToRgb(rng.float(), rng.range(0, 0.3), rng.range(0.12, 0.88));
}

/**
 * A vivid colour at least `minDistance` away from every colour in `avoid` (the background's), so every shape is
 * visible; after `tries` misses the most distant candidate is used.
 */
export function contrastingColour(rng: Prng, avoid: readonly Rgb[], minDistance = 110, tries = 40): Rgb {
  let best: Rgb = vividColour(rng);
  let bestDist = -1;
  for (let i = 0; i < tries; i++) {
    const c = i === 0 ? best : vividColour(rng);
    const d = Math.min(...avoid.map((a) => rgbDistance(c, a)));
    if (d >= minDistance) return c;
    if (d > bestDist) [best, bestDist] = [c, d];
  }
  return best;
}

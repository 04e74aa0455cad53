/** Pixels of annotated regions (boxes or masks, original-image pixels) as the localisation metrics read them. */
import type { PixelRegion } from './metric.js';

/**
 * Whether pixel p (row-major) lies in any region: a pixel is in a box [x0, y0, x1, y1] when its centre is
 * (edges inclusive, the convention of src/eval/pointing-game.ts), in a mask when the mask is set there.
 */
export function regionMask(regions: readonly PixelRegion[], width: number, height: number): Uint8Array {
  const inside = new Uint8Array(width * height);
  for (const r of regions) {
    if ('box' in r) {
      const [x0, y0, x1, y1] = r.box;
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          if (x + 0.5 >= x0 && x + 0.5 <= x1 && y + 0.5 >= y0 && y + 0.5 <= y1) inside[y * width + x] = 1;
    } else for (let p = 0; p < inside.length; p++) if (r.mask[p]) inside[p] = 1;
  }
  return inside;
}

/** Euclidean distance from the centre of pixel [x, y] to the nearest point of a region (0 inside). */
export function distanceToRegion([x, y]: readonly [number, number], r: PixelRegion): number {
  const cx = x + 0.5;
  const cy = y + 0.5;
  if ('box' in r) {
    const [x0, y0, x1, y1] = r.box;
    return Math.hypot(Math.max(x0 - cx, 0, cx - x1), Math.max(y0 - cy, 0, cy - y1));
  }
  let best = Infinity;
  for (let p = 0; p < r.mask.length; p++)
    if (r.mask[p]) best = Math.min(best, Math.hypot((p % r.width) - x, Math.floor(p / r.width) - y));
  return best;
}

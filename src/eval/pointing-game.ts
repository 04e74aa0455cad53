/**
 * The pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation Backprop", arXiv:1608.00507, sec. 4.1):
 * a map scores a hit when its maximum lies on the object of the explained class. Platform-free.
 */
export type Box = readonly [number, number, number, number];

/** The map's maximum as pixel [x, y] (the first one in row-major order on ties). */
export function peakOf(map: ArrayLike<number>, width: number): [number, number] {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  return [best % width, Math.floor(best / width)];
}

/** Whether pixel [x, y] (its centre) lies in box [x0, y0, x1, y1] (pixel coordinates, edges inclusive). */
export function inBox([x, y]: readonly [number, number], box: Box, tolerance = 0): boolean {
  const cx = x + 0.5;
  const cy = y + 0.5;
  return cx >= box[0] - tolerance && cx <= box[2] + tolerance && cy >= box[1] - tolerance && cy <= box[3] + tolerance;
}

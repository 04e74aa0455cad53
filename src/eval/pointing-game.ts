/**
 * The pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation Backprop", arXiv:1608.00507, sec. 4.1):
 * a map scores a hit when its maximum lies on the object of the explained class: its box in an image, its voxel mask in
 * a volume. Platform-free.
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

/**
 * In volumes a peak counts as inside a solid within this many voxels of its mask (the mask dilated by its 26
 * neighbours): a solid's boundary voxels are partly background, and a map upsampled from 8³ cells is smooth there.
 */
export const MASK_TOLERANCE = 1;

/** The maximum of a row-major [D, H, W] map as voxel [z, y, x] (the first one in row-major order on ties). */
export function peakOf3d(map: ArrayLike<number>, dims: readonly number[]): [number, number, number] {
  let best = 0;
  for (let i = 1; i < map.length; i++) if (map[i] > map[best]) best = i;
  const [, h, w] = dims;
  return [Math.floor(best / (h * w)), Math.floor(best / w) % h, best % w];
}

/**
 * Whether voxel [z, y, x] lies in a row-major [D, H, W] mask, or within `tolerance` voxels of one of its voxels along
 * every axis: the mask dilated by a cube of (2·tolerance + 1)³ voxels (for 1, the 26 neighbours of each voxel).
 */
export function inMask(
  [z, y, x]: readonly [number, number, number],
  mask: ArrayLike<number>,
  dims: readonly number[],
  tolerance = 0,
): boolean {
  const [d, h, w] = dims;
  for (let a = Math.max(0, z - tolerance); a <= Math.min(d - 1, z + tolerance); a++)
    for (let b = Math.max(0, y - tolerance); b <= Math.min(h - 1, y + tolerance); b++)
      for (let c = Math.max(0, x - tolerance); c <= Math.min(w - 1, x + tolerance); c++)
        if (mask[(a * h + b) * w + c]) return true;
  return false;
}

/** What a pointing game counts over its explained (scene, class) pairs. */
export interface PointingResult {
  /** Explained (scene, class) pairs. */
  count: number;
  /** Peak on the explained class's own object. */
  hits: number;
  /** Peak on the other object of the scene. */
  onOther: number;
  seconds: number;
}

/**
 * Adds one batch to the counts: each result's peak (`peakOf`, found once) tested (`lands`) against the object of its
 * class and against the scene's other object.
 */
export function tallyPeaks<O extends { classIndex: number }, R extends { image: number; classIndex: number }, P>(
  counts: Omit<PointingResult, 'seconds'>,
  results: readonly R[],
  scenes: readonly { objects: readonly O[] }[],
  peakOf: (r: R) => P,
  lands: (peak: P, object: O) => boolean,
): void {
  for (const r of results) {
    const objects = scenes[r.image].objects;
    const peak = peakOf(r);
    counts.count++;
    if (
      lands(
        peak,
        objects.find((o) => o.classIndex === r.classIndex)!,
      )
    )
      counts.hits++;
    if (
      lands(
        peak,
        objects.find((o) => o.classIndex !== r.classIndex)!,
      )
    )
      counts.onOther++;
  }
}

/**
 * Orthogonal slices of a volume for figures, platform-free: the three planes through one voxel of a row-major
 * [D, H, W] volume, shown on the voxel grid (anisotropic voxels are not stretched), enlarged by whole factors.
 */
import type { RawImage } from '../image/raw.js';

export interface Plane {
  /** The tensor axis held fixed (0, 1 or 2) and its index. */
  axis: number;
  index: number;
  data: Float32Array;
  width: number;
  height: number;
}

/** The planes through voxel `at` = [a, b, c]: axis 0 fixed ([H, W]), axis 1 fixed ([D, W]), axis 2 fixed ([D, H]). */
export function orthogonalSlices(data: Float32Array, dims: readonly number[], at: readonly number[]): Plane[] {
  const [d, h, w] = dims;
  const value = (z: number, y: number, x: number) => data[(z * h + y) * w + x];
  const plane = (axis: number, height: number, width: number, f: (row: number, col: number) => number): Plane => {
    const out = new Float32Array(height * width);
    for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) out[r * width + c] = f(r, c);
    return { axis, index: at[axis], data: out, width, height };
  };
  return [
    plane(0, h, w, (y, x) => value(at[0], y, x)),
    plane(1, d, w, (z, x) => value(z, at[1], x)),
    plane(2, d, h, (z, y) => value(z, y, at[2])),
  ];
}

/** The plane enlarged `factor` times by repeating voxels (nearest neighbour: every voxel stays a visible square). */
export function enlarge(p: Plane, factor: number): Plane {
  if (factor === 1) return p;
  const width = p.width * factor;
  const height = p.height * factor;
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++)
    for (let c = 0; c < width; c++) data[r * width + c] = p.data[Math.floor(r / factor) * p.width + Math.floor(c / factor)];
  return { ...p, data, width, height };
}

/** A gray RGB image of a plane, min-max scaled over `range` (the whole volume's, so the three planes agree). */
export function grayPlane(p: Plane, [lo, hi]: readonly [number, number]): RawImage {
  const data = new Uint8Array(p.width * p.height * 3);
  for (let i = 0; i < p.data.length; i++)
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = hi > lo ? Math.round(((p.data[i] - lo) / (hi - lo)) * 255) : 0;
  return { width: p.width, height: p.height, channels: 3, data };
}

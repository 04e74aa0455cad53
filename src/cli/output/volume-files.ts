/**
 * What `gcam explain` writes for a volume: one NIfTI heatmap per result (float32, gzipped), on the input's own voxel
 * grid with its header and affine kept (a NIfTI input) or with unit voxels (a .npy volume); and where each map peaks,
 * in voxels (i, j, k) and, for NIfTI inputs, in world coordinates by the input's affine.
 */
import { gzipSync } from 'fflate';
import type { ExplainResult } from '../../node.js';
import { toWorld, writeNifti } from '../../volume/nifti.js';
import type { LoadedInput } from '../inputs.js';
import { heatmapName } from './names.js';

export interface VolumeFile {
  name: string;
  bytes: Uint8Array;
  /** The result it holds, as an index into the input's results. */
  shows: number[];
}

/** Whether a result is a volume's (its map is [depth, height, width]). */
export function isVolumeResult(r: ExplainResult): boolean {
  return r.depth !== undefined;
}

export function volumeFiles(
  results: readonly ExplainResult[],
  input: LoadedInput,
  base: string,
  multiLayer: boolean,
): VolumeFile[] {
  return results.map((r, i) => ({
    name: heatmapName(base, r, multiLayer),
    bytes: gzipSync(writeNifti(r.map, [r.depth!, r.height, r.width], input.nifti)),
    shows: [i],
  }));
}

/** The voxel [i, j, k] where the map is largest (the first such in row-major order), its world position and value. */
export function volumePeak(r: ExplainResult, input: LoadedInput): { voxel: number[]; world?: number[]; value: number } {
  let best = 0;
  for (let p = 1; p < r.map.length; p++) if (r.map[p] > r.map[best]) best = p;
  const voxel = [Math.floor(best / (r.height * r.width)), Math.floor(best / r.width) % r.height, best % r.width];
  const world = input.nifti ? toWorld(input.nifti.affine, voxel) : undefined;
  return { voxel, ...(world && { world }), value: r.map[best] };
}

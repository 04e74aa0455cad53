/**
 * --figure for a volume: one PNG per input, a row per result of the three orthogonal slices through the map's peak
 * (tensor axes 0, 1, 2 held fixed: a NIfTI's i, j, k), the input's voxels in gray with the heatmap over them. NIfTI
 * inputs are shown on their own grid with their map; tensors at the model's size with the input map.
 */
import { composeFigure, heatmap, overlay, type ExplainResult } from '../../node.js';
import type { RawImage } from '../../image/raw.js';
import { enlarge, grayPlane, orthogonalSlices } from '../../volume/slices.js';
import type { LoadedInput } from '../inputs.js';
import { figureName } from './names.js';
import type { RenderOptions } from './render.js';

/** Slices are enlarged to about this many pixels on their longer side, by a whole factor. */
const DISPLAY_SIDE = 160;
const AXES = ['i', 'j', 'k'];

export async function volumeFigure(
  results: readonly ExplainResult[],
  input: LoadedInput,
  base: string,
  o: RenderOptions,
): Promise<{ name: string; image: RawImage; shows: number[] }> {
  const src = input.source;
  const onGrid = 'volume' in src;
  // The first channel of the voxels the maps are shown on.
  const voxels = onGrid ? src.volume : (src as { tensor: Float32Array }).tensor;
  const rows = results.map((r) => {
    const dims = onGrid ? [r.depth!, r.height, r.width] : [r.inputDepth!, r.inputHeight, r.inputWidth];
    const map = onGrid ? r.map : r.inputMap;
    const first = voxels.subarray(0, map.length);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of first) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    let peak = 0;
    for (let p = 1; p < map.length; p++) if (map[p] > map[peak]) peak = p;
    const at = [Math.floor(peak / (dims[1] * dims[2])), Math.floor(peak / dims[2]) % dims[1], peak % dims[2]];
    const factor = Math.max(1, Math.floor(DISPLAY_SIDE / Math.max(...dims)));
    const grays = orthogonalSlices(first, dims, at).map((p) => enlarge(p, factor));
    const heats = orthogonalSlices(map, dims, at).map((p) => enlarge(p, factor));
    const shown = (m: Float32Array) => (o.signed ? m.map((x) => (x + 1) / 2) : m);
    return grays.map((g, a) => ({
      image: overlay(grayPlane(g, [lo, hi]), heatmap(shown(heats[a].data), g.width, g.height, o.colormap), o.alpha),
      caption: `${r.classIndex}${r.label ? ` ${r.label}` : ''} (${r.score.toFixed(3)}): ${AXES[a]} = ${g.index}`,
    }));
  });
  return { name: figureName(base), image: await composeFigure(rows), shows: results.map((_, i) => i) };
}

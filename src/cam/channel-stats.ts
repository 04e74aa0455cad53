/** Small reductions over the spatial positions of [N, C, ...spatial] tensors, shared by the CAM methods (float64 sums). */
import { InvalidInputError } from '../errors.js';
import { layerLayout } from './gradcam.js';
import type { LayerValues } from './types.js';

/** Σ_p f(x[n,c,p], y[n,c,p]) for every (n, c): returns [N, C]. `y` defaults to x. */
export function channelSums(
  x: Float32Array,
  dims: readonly number[],
  f: (x: number, y: number) => number = (v) => v,
  y: Float32Array = x,
): Float64Array {
  const { n, c, positions } = layerLayout(dims);
  const out = new Float64Array(n * c);
  for (let nc = 0; nc < n * c; nc++) {
    let s = 0;
    const base = nc * positions;
    for (let p = 0; p < positions; p++) s += f(x[base + p], y[base + p]);
    out[nc] = s;
  }
  return out;
}

/** f(A, dA) position by position: the per-channel contributions of the element-wise methods, [N, C, ...spatial]. */
export function elementwise(layer: LayerValues, f: (a: number, g: number) => number): Float32Array {
  const out = new Float32Array(layer.activation.length);
  for (let i = 0; i < out.length; i++) out[i] = f(layer.activation[i], layer.gradient[i]);
  return out;
}

/** Whether channel k of one image's [C, ...spatial] values is 0 at every position (a dead ReLU unit). */
export function isZeroChannel(acts: Float32Array, k: number, positions: number): boolean {
  for (let p = k * positions; p < (k + 1) * positions; p++) if (acts[p] !== 0) return false;
  return true;
}

/** The layer, or a clear error when a method that needs it got none. */
export function needLayer(layer: LayerValues | undefined, method: string): LayerValues {
  if (!layer) throw new InvalidInputError(`The ${method} method needs a target layer.`);
  return layer;
}

/** max over channels of |x[n,c,p]|: one map [N, ...spatial] per image (Simonyan et al. 2014, section 3.1). */
export function maxAbsOverChannels(x: Float32Array, dims: readonly number[]): Float32Array {
  const { n, c, positions } = layerLayout(dims);
  if (x.length !== n * c * positions)
    throw new InvalidInputError(`Input gradient holds ${x.length} values for [${dims.join(', ')}].`);
  const out = new Float32Array(n * positions);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++) {
      const base = (i * c + ch) * positions;
      for (let p = 0; p < positions; p++) {
        const v = Math.abs(x[base + p]);
        if (v > out[i * positions + p]) out[i * positions + p] = v;
      }
    }
  return out;
}

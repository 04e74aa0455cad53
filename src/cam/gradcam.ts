/**
 * Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391), platform-free, on Float32Arrays.
 *
 * For each image n of a batch and channel c of the target layer:
 *   w[n,c]   = mean over the spatial positions of dA[n,c]            (eq. 1, the 1/Z Σ_i Σ_j ∂y/∂A)
 *   raw[n,p] = Σ_c w[n,c] · A[n,c,p]                                 (eq. 2, before its ReLU)
 * The ReLU, normalisation and upsampling are in postprocess.ts. Sums are accumulated in float64.
 */
import { InvalidInputError } from '../errors.js';
import type { CamMaps, LayerValues } from './types.js';

export interface GradCamResult extends CamMaps {
  /** [N, C]: the channel weights w[n,c]. */
  weights: Float32Array;
}

/** Splits [N, C, ...spatial] into its batch size, channel count and number of spatial positions. */
export function layerLayout(dims: readonly number[]): { n: number; c: number; positions: number; spatial: number[] } {
  if (dims.length < 3)
    throw new InvalidInputError(`A CAM needs a layer of shape [N, C, ...spatial]; this layer is [${dims.join(', ')}].`);
  const [n, c, ...spatial] = dims;
  const positions = spatial.reduce((a, b) => a * b, 1);
  return { n, c, positions, spatial };
}

function checkLength(what: string, data: Float32Array, dims: readonly number[]): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected)
    throw new InvalidInputError(`${what} holds ${data.length} values; dims [${dims.join(', ')}] need ${expected}.`);
}

/** w[n,c] = mean of dA[n,c] over the spatial positions (eq. 1). Returns [N, C]. */
export function gradCamWeights(gradient: Float32Array, dims: readonly number[]): Float32Array {
  checkLength('The gradient', gradient, dims);
  const { n, c, positions } = layerLayout(dims);
  const weights = new Float32Array(n * c);
  for (let nc = 0; nc < n * c; nc++) {
    let s = 0;
    const base = nc * positions;
    for (let p = 0; p < positions; p++) s += gradient[base + p];
    weights[nc] = s / positions;
  }
  return weights;
}

/** raw[n,p] = Σ_c weights[n,c] · A[n,c,p] (eq. 2 without the ReLU). weights is [N, C]; returns [N, ...spatial]. */
export function weightedChannelSum(activation: Float32Array, weights: Float32Array, dims: readonly number[]): CamMaps {
  checkLength('The activation', activation, dims);
  const { n, c, positions, spatial } = layerLayout(dims);
  if (weights.length !== n * c)
    throw new InvalidInputError(`Channel weights hold ${weights.length} values; [${n}, ${c}] needs ${n * c}.`);
  const data = new Float32Array(n * positions);
  const acc = new Float64Array(positions);
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    for (let ch = 0; ch < c; ch++) {
      const w = weights[i * c + ch];
      if (w === 0) continue;
      const base = (i * c + ch) * positions;
      for (let p = 0; p < positions; p++) acc[p] += w * activation[base + p];
    }
    data.set(acc, i * positions);
  }
  return { data, dims: [n, ...spatial] };
}

/** Grad-CAM raw maps (before ReLU and normalisation) and channel weights of one layer, per image of the batch. */
export function gradCam(layer: LayerValues): GradCamResult {
  checkLength('The gradient', layer.gradient, layer.dims);
  const weights = gradCamWeights(layer.gradient, layer.dims);
  return { ...weightedChannelSum(layer.activation, weights, layer.dims), weights };
}

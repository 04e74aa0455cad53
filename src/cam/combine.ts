/**
 * Turns a method's output (method.ts) into raw maps [N, ...spatial]: channel weights are applied to A, per-channel
 * contributions summed, projections taken; 'eigen-smooth' replaces the channel sum by the projection on the first
 * principal component of the same per-channel maps (w_c·A_c for weight methods).
 */
import { InvalidInputError } from '../errors.js';
import { layerLayout, weightedChannelSum } from './gradcam.js';
import type { CamMaps, LayerValues } from './types.js';
import type { CamOutput } from './method.js';
import { firstComponentProjection } from './projection.js';

export function rawMaps(
  out: CamOutput,
  layer: LayerValues | undefined,
  eigenSmooth: boolean,
  inputDims: readonly number[],
): CamMaps {
  if (out.kind === 'input') {
    const [n, , ...spatial] = inputDims;
    return { data: out.data, dims: [n, ...spatial] };
  }
  if (!layer) throw new InvalidInputError('This method needs a target layer.');
  const { n, c, positions } = layerLayout(layer.dims);
  switch (out.kind) {
    case 'weights': {
      if (!eigenSmooth) return weightedChannelSum(layer.activation, out.weights, layer.dims);
      const weighted = new Float32Array(layer.activation.length);
      for (let nc = 0; nc < n * c; nc++) {
        const w = out.weights[nc];
        for (let p = 0; p < positions; p++) weighted[nc * positions + p] = w * layer.activation[nc * positions + p];
      }
      return firstComponentProjection(weighted, layer.dims);
    }
    case 'contributions':
      return eigenSmooth
        ? firstComponentProjection(out.data, layer.dims)
        : weightedChannelSum(out.data, new Float32Array(n * c).fill(1), layer.dims);
    case 'projection':
      return firstComponentProjection(out.data, layer.dims);
  }
}

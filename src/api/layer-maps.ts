/** The maps of a batch of rows at one layer, at the layer's and the model input's resolution. */
import { averageMaps, finalizeMaps } from '../cam/postprocess.js';
import type { CamMaps } from '../cam/types.js';

export interface LayerMaps {
  /** [rows, lh, lw] after ReLU (unless signed) and normalisation. */
  layerMaps: Float32Array;
  lh: number;
  lw: number;
  /** [rows, H, W]: the final maps at the model input's resolution. */
  inputMaps: Float32Array;
  constant: boolean[];
}

/** Raw maps [rows, ...spatial] → final maps (cam/postprocess.ts); other than 2-D spatial maps are laid out as 1×P. */
export function finishMaps(raw: CamMaps, relu: boolean, ih: number, iw: number): LayerMaps {
  const [n, ...spatial] = raw.dims;
  const [lh, lw] = spatial.length === 2 ? spatial : [1, spatial.reduce((a, b) => a * b, 1)];
  const final = finalizeMaps({ data: raw.data, dims: [n, lh, lw] }, ih, iw, relu);
  return { layerMaps: final.layer.data, lh, lw, inputMaps: final.data, constant: final.constant };
}

/**
 * The per-row mean of several LayerMaps at the input resolution: combined layers (normalised again, the multi-layer
 * aggregation of pytorch-grad-cam) or aug-smooth copies (`normalise` false: their mean as it is, as there).
 */
export function averageLayerMaps(
  sets: readonly LayerMaps[],
  ih: number,
  iw: number,
  normalise: boolean,
  relu: boolean,
): LayerMaps {
  const rows = sets[0].constant.length;
  const mean = averageMaps(
    sets.map((m) => ({ data: m.inputMaps, dims: [rows, ih, iw] })),
    normalise ? (relu ? 'relu' : 'signed') : false,
  );
  return { layerMaps: mean.data, lh: ih, lw: iw, inputMaps: mean.data, constant: mean.constant };
}

/** The maps of a batch of rows at one layer, at the layer's and the model input's resolution. */
import { averageMaps, finalizeMapsTo } from '../cam/postprocess.js';
import type { CamMaps } from '../cam/types.js';

export interface LayerMaps {
  /** [rows, ...layerSize] after ReLU (unless signed) and normalisation. */
  layerMaps: Float32Array;
  /** The layer's spatial size: [lh, lw], or [ld, lh, lw] for a volume. */
  layerSize: number[];
  /** [rows, ...inputSize]: the final maps at the model input's resolution. */
  inputMaps: Float32Array;
  constant: boolean[];
}

/**
 * Raw maps [rows, ...spatial] → final maps at the input's spatial size `inputSize` ([H, W] or [D, H, W],
 * cam/postprocess.ts). A layer with as many spatial axes as the input is upsampled axis by axis; any other is laid
 * out as 1×P (1×1×P for volumes).
 */
export function finishMaps(raw: CamMaps, relu: boolean, inputSize: readonly number[]): LayerMaps {
  const [n, ...spatial] = raw.dims;
  const positions = spatial.reduce((a, b) => a * b, 1);
  const layerSize =
    spatial.length === inputSize.length ? spatial : [...new Array<number>(inputSize.length - 1).fill(1), positions];
  const final = finalizeMapsTo({ data: raw.data, dims: [n, ...layerSize] }, inputSize, relu);
  return { layerMaps: final.layer.data, layerSize, inputMaps: final.data, constant: final.constant };
}

/**
 * The per-row mean of several LayerMaps at the input resolution: combined layers (normalised again, the multi-layer
 * aggregation of pytorch-grad-cam) or aug-smooth copies (`normalise` false: their mean as it is, as there).
 */
export function averageLayerMaps(
  sets: readonly LayerMaps[],
  inputSize: readonly number[],
  normalise: boolean,
  relu: boolean,
): LayerMaps {
  const rows = sets[0].constant.length;
  const mean = averageMaps(
    sets.map((m) => ({ data: m.inputMaps, dims: [rows, ...inputSize] })),
    normalise ? (relu ? 'relu' : 'signed') : false,
  );
  return { layerMaps: mean.data, layerSize: [...inputSize], inputMaps: mean.data, constant: mean.constant };
}

/** One result per (row, layer): the maps at layer, input and original-image resolution, predictions and warnings. */
import { normalizeMaps } from '../cam/postprocess.js';
import { outputProbabilities, softmax, topIndices } from '../cam/scores.js';
import type { OutputActivation } from '../autodiff/rewrite.js';
import { mapToOriginal, type Geometry } from '../image/preprocess.js';
import { carryToGrid } from '../volume/prepare.js';
import type { LayerMaps } from './layer-maps.js';
import type { ExplainResult, Prediction } from './options.js';
import type { ExplainPlan, LayerRef } from './plan.js';
import type { Target } from '../targets/types.js';
import type { Box } from '../targets/detections.js';
import type { Prepared } from './prepare.js';

/** An image's class probabilities and top predictions, from its scores row. */
export interface Scored {
  /** The model output per class (a probability when the model ends in Softmax or Sigmoid). */
  probabilities: Float64Array;
  /** The score tensor per class: the logits under a final Softmax/Sigmoid, else the output itself. */
  logits: Float64Array;
  /** Class probabilities: the output when it is one already, else the softmax of the logits. */
  softmax: Float64Array;
  predictions: Prediction[];
}

export function scoreRow(row: ArrayLike<number>, activation: OutputActivation, plan: ExplainPlan): Scored {
  const probabilities = outputProbabilities(row, activation);
  const soft = activation === 'none' ? softmax(row) : probabilities;
  const predictions = topIndices(row, plan.topPredictions).map((index) => ({
    index,
    label: plan.labels?.[index],
    score: probabilities[index],
    probability: soft[index],
  }));
  return { probabilities, logits: Float64Array.from(row), softmax: soft, predictions };
}

/**
 * The result of row j of `maps`. The map carried back onto the original image is normalised again like the input
 * map (bilinear carrying can miss the extremes), except after aug-smooth, whose mean is not normalised.
 */
export function resultOf(
  maps: LayerMaps,
  layer: LayerRef,
  j: number,
  row: { image: number; cls: number },
  prepared: Prepared,
  scored: Scored,
  plan: ExplainPlan,
  inputShape: readonly number[],
): ExplainResult {
  const inputSize = inputShape.slice(2);
  const inputPer = inputSize.reduce((a, b) => a * b, 1);
  const layerPer = maps.layerSize.reduce((a, b) => a * b, 1);
  const layerMap = maps.layerMaps.slice(j * layerPer, (j + 1) * layerPer);
  const inputMap = maps.inputMaps.slice(j * inputPer, (j + 1) * inputPer);
  const constant = maps.constant[j];
  const g = prepared.geometry;
  const grid = prepared.volume?.original;
  let map: Float32Array = inputMap;
  // Carried back onto the original image (or voxel grid) and normalised again, except the unnormalised aug-smooth mean.
  const renormalise = (data: Float32Array, dims: number[]) =>
    plan.augSmooth ? data : normalizeMaps({ data, dims: [1, ...dims] }, plan.relu).data;
  if (g) map = renormalise(mapToOriginal(inputMap, g), [g.original[1], g.original[0]]);
  else if (grid) map = renormalise(carryToGrid(inputMap, inputSize, grid), [...grid]);
  const volume = inputSize.length === 3;
  // A signal's map [L] is also a 1×L strip (height 1), which is how 2-D consumers of width and height see it.
  const signal = inputSize.length === 1;
  const [ow, oh] = g ? g.original : [];
  return {
    method: plan.method.name,
    image: row.image,
    source: prepared.source,
    classIndex: row.cls,
    label: plan.labels?.[row.cls],
    score: scored.probabilities[row.cls],
    logit: scored.logits[row.cls],
    probability: scored.softmax[row.cls],
    layer: layer.name,
    tensor: layer.tensor,
    map,
    width: ow ?? (grid ?? inputSize).at(-1)!,
    height: oh ?? (grid ?? inputSize).at(-2) ?? 1,
    ...(volume && { depth: (grid ?? inputSize)[0] }),
    ...(signal && { length: inputSize[0] }),
    inputMap,
    inputWidth: inputSize.at(-1)!,
    inputHeight: inputSize.at(-2) ?? 1,
    ...(volume && { inputDepth: inputSize[0] }),
    ...(signal && { inputLength: inputSize[0] }),
    layerMap,
    layerWidth: maps.layerSize.at(-1)!,
    layerHeight: maps.layerSize.at(-2) ?? 1,
    ...(volume && { layerDepth: maps.layerSize[0] }),
    ...(signal && { layerLength: maps.layerSize[0] }),
    constant,
    predictions: scored.predictions,
    warnings: constant
      ? [`The map for class ${row.cls} at layer '${layer.name}' is constant (no signal): returned as zeros.`]
      : [],
  };
}

/**
 * The result of row j for a target function: the maps as for a class, the target's text and value f(scores), its
 * class (or -1); logit and probability belong to a class of a classifier and are NaN here.
 */
export function targetResult(
  maps: LayerMaps,
  layer: LayerRef,
  j: number,
  image: number,
  prepared: Prepared,
  explained: { target: Target; row: Float32Array; predictions: Prediction[] },
  plan: ExplainPlan,
  inputShape: readonly number[],
): ExplainResult {
  const { target, row, predictions } = explained;
  const value = target.value(row);
  const none: Scored = {
    probabilities: new Float64Array(0),
    logits: new Float64Array(0),
    softmax: new Float64Array(0),
    predictions,
  };
  const detection = target.detection?.(row);
  const cls = detection?.cls ?? target.classIndex;
  const r = resultOf(maps, layer, j, { image, cls: cls ?? -1 }, prepared, none, plan, inputShape);
  return {
    ...r,
    label: cls === undefined ? undefined : plan.labels?.[cls],
    ...(detection ? { box: detection.box, imageBox: boxOnImage(detection.box, prepared.geometry) } : {}),
    ...(target.region ? { mask: maskOnImage(target.region(row), prepared, inputShape) } : {}),
    score: value,
    logit: NaN,
    probability: NaN,
    target: target.text,
    warnings: r.constant
      ? [`The map for target ${target.text} at layer '${layer.name}' is constant (no signal): returned as zeros.`]
      : [],
  };
}

/**
 * A box in model-input pixels on the original image: input x = original x · resized/original − offset (the
 * preprocessing's resize then crop or letterbox), inverted.
 */
export function boxOnImage(box: Box, g: Geometry | undefined): Box {
  if (!g) return box;
  const sx = g.original[0] / g.resized[0];
  const sy = g.original[1] / g.resized[1];
  return [(box[0] + g.offset[0]) * sx, (box[1] + g.offset[1]) * sy, (box[2] + g.offset[0]) * sx, (box[3] + g.offset[1]) * sy];
}

/**
 * A seg target's mask (output resolution) on the image: nearest-neighbour to the model input's size when the output
 * is smaller, carried to the original image like the maps, then cut at ½.
 */
function maskOnImage(
  { data: mask, width: mw, height: mh }: { data: Float32Array; width: number; height: number },
  prepared: Prepared,
  inputShape: readonly number[],
): Uint8Array {
  const [, , ih, iw] = inputShape;
  const atInput =
    mw === iw && mh === ih
      ? mask
      : Float32Array.from({ length: ih * iw }, (_, p) => {
          const y = Math.min(mh - 1, Math.floor(((Math.floor(p / iw) + 0.5) * mh) / ih));
          const x = Math.min(mw - 1, Math.floor((((p % iw) + 0.5) * mw) / iw));
          return mask[y * mw + x];
        });
  const carried = prepared.geometry ? mapToOriginal(atInput, prepared.geometry) : atInput;
  return Uint8Array.from(carried, (v) => (v >= 0.5 ? 1 : 0));
}

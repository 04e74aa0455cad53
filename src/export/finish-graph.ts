/**
 * The library's finish of a raw map (cam/postprocess.ts finalizeMaps, pytorch-grad-cam's order) as ONNX nodes: ReLU,
 * per-image min-max at the layer, half-pixel bilinear upsample to the input size, min-max again. Needs opset ≥ 11
 * (Resize's coordinate_transformation_mode; Where).
 */
import { CONSTANT_MAP_EPS } from '../cam/postprocess.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { DataType } from '../onnx/schema.js';

export interface FinishedMaps {
  /** [N, h, w]: after ReLU and min-max at the layer's resolution. */
  layerMap: string;
  /** [N, H, W]: upsampled to the input's size and normalised again. */
  heatmap: string;
}

/**
 * @param raw the raw maps [N, h, w] (float32)
 * @param image the model's image input [N, C, H, W]: the upsample's target size is read from it at run time
 */
export function finishGraph(b: GraphBuilder, raw: string, image: string): FinishedMaps {
  const layerMap = minMax(b, b.op('Relu', [raw]));
  return { layerMap, heatmap: minMax(b, upsample(b, layerMap, image)) };
}

/**
 * (x − min)/(max − min) per image, or zeros where the map is constant: max − min ≤ eps·max(|min|, |max|), the relative
 * guard of normalizeMinMax. Greater is false for a NaN or infinite range as well, which the library also counts as
 * constant, so Where never picks the division's NaN.
 */
function minMax(b: GraphBuilder, x: string): string {
  const min = b.reduce('ReduceMin', x, [1, 2], true);
  const max = b.reduce('ReduceMax', x, [1, 2], true);
  const range = b.op('Sub', [max, min]);
  const scale = b.op('Max', [b.op('Abs', [min]), b.op('Abs', [max])]);
  const varies = b.op('Greater', [range, b.op('Mul', [scale, b.scalar(CONSTANT_MAP_EPS)])]);
  return b.op('Where', [varies, b.op('Div', [b.op('Sub', [x, min]), range]), b.scalar(0)]);
}

/**
 * Resize mode 'linear', coordinate_transformation_mode 'half_pixel': output o samples the input at (o + 0.5)·in/out −
 * 0.5, and onnxruntime clamps that to [0, in − 1] as resizeBilinear does at both borders. Taken on [N, 1, h, w] (the
 * 4-D form every runtime supports for linear mode) to the sizes [N, 1, H, W]; sizes rather than scales, since a
 * float scale such as 224/13 can floor the output size to one pixel less.
 */
function upsample(b: GraphBuilder, maps: string, image: string): string {
  const x = b.unsqueeze(maps, [1]);
  const sizes = b.op('Concat', [b.slice(b.op('Shape', [x]), [0], [2], [0]), b.slice(b.op('Shape', [image]), [2], [4], [0])], {
    axis: 0,
  });
  // Before opset 13 roi and scales are required inputs; an empty scales tensor says "use sizes".
  const none = b.opset >= 13 ? '' : b.constant([], [0], DataType.FLOAT);
  const resized = b.op('Resize', [x, none, none, sizes], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
  return b.squeeze(resized, [1]);
}

/**
 * `exportExplainModel`: a self-contained ONNX model that predicts and explains in one run, for serving without gcam.
 * Inputs: the model's image input and `target_class` [N] (int64; −1 = the predicted class). Outputs: the model's own,
 * `heatmap` [N, H, W] (the library's inputMap) and `layer_map` [N, h, w] (its layerMap). It is the explain model of
 * autodiff/rewrite.ts with the seed computed from target_class inside the graph instead of fed as targetWeights, the
 * method (method-graphs.ts) and the library's finish (finish-graph.ts) appended as nodes, and no A or dA outputs.
 * Platform-free: the runtime is only used to measure shapes, as every compile does.
 */
import { modelKind } from '../api/input-kinds.js';
import { buildExplainGraph } from '../autodiff/rewrite.js';
import { minIrVersion } from '../autodiff/opset.js';
import { buildClassSeed } from '../autodiff/seed.js';
import { detectLayout, type LayerLayout } from '../cam/tokens.js';
import { zerosTensor } from '../autodiff/probe.js';
import { InvalidInputError, InvalidModelError } from '../errors.js';
import { defaultInputShape, defaultLayer, listLayers, resolveLayer } from '../layers.js';
import { appendToModel } from '../onnx/append.js';
import type { GraphBuilder } from '../onnx/builder.js';
import { checkModelStructure, type DecodedModel } from '../onnx/decode.js';
import { GraphView } from '../onnx/graph.js';
import { DataType } from '../onnx/schema.js';
import type { Runtime } from '../runtime/types.js';
import { finishGraph } from './finish-graph.js';
import { methodGraph, type ExportMethod } from './method-graphs.js';
import { exportedIo, type ExportedTensor } from './signature.js';

/** Names of the export's own inputs and outputs: a contract with whoever serves the model. */
export const EXPORT_NAMES = { targetClass: 'target_class', heatmap: 'heatmap', layerMap: 'layer_map' } as const;

/** Resize with coordinate_transformation_mode and Where (finish-graph.ts, seed.ts). */
const EXPORT_MIN_OPSET = 11;

export interface ExportOptions {
  /** The layer (tensor, node or module path, as `gcam layers` lists); default: the library's default layer. */
  layer?: string;
  /** Default 'gradcam'. */
  method?: ExportMethod;
  /** Input size (square or [height, width]) used to measure shapes, for models with free spatial dims. */
  size?: number | [number, number];
}

export interface ExportedModel {
  bytes: Uint8Array;
  /** The layer's tensor and the method, as explained. */
  layer: string;
  method: ExportMethod;
  /** The exported model's inputs and outputs, in order, their batch dimension first and dynamic. */
  inputs: ExportedTensor[];
  outputs: ExportedTensor[];
  opset: number;
}

export async function exportExplainModel(
  runtime: Runtime,
  decoded: DecodedModel,
  options: ExportOptions = {},
): Promise<ExportedModel> {
  const method = options.method ?? 'gradcam';
  const rawMap = methodGraph(method);
  checkModelStructure(decoded?.proto, 'The model');
  const view = new GraphView(decoded.proto);
  const taken = view.usedNames();
  for (const o of view.outputs) taken.add(o.name);
  for (const name of Object.values(EXPORT_NAMES))
    if (taken.has(name))
      throw new InvalidModelError(`The model already has a tensor or node named '${name}', a name the exported model needs.`);
  const inputShape = defaultInputShape(view, options.size);
  // The exported finish (bilinear Resize to the image's height and width) is written for 2-D images.
  if (inputShape.length !== 4)
    throw new InvalidInputError(
      `gcam export builds heatmaps for 2-D image models [N, C, H, W]; this model takes ${modelKind(inputShape).many} [N, ${modelKind(inputShape).axes.slice(1)}. ` +
        `Use \`gcam explain\` (or the library) for it.`,
    );
  const image = view.inputs[0];
  const layers = await listLayers(runtime, decoded, { view, inputShape });
  const tensor = options.layer === undefined ? defaultLayer(layers, view).tensor : resolveLayer(options.layer, layers, view);
  const inputSize: [number, number] = [inputShape[2], inputShape[3]];
  const layerDims = layers.find((l) => l.tensor === tensor)!.dims;
  const layout = detectLayout(layerDims, { inputSize });
  const [, , lh, lw] = nchwDims(layerDims, layout);

  const io = exportedIo(view, decoded.proto);
  const g = await buildExplainGraph(
    runtime,
    decoded,
    { targets: [tensor], inputShapes: { [image.name]: inputShape }, minOpset: EXPORT_MIN_OPSET },
    view,
    (b, s) => {
      b.addInput(b.exactName(EXPORT_NAMES.targetClass), DataType.INT64, [io.batch]);
      return buildClassSeed(b, s.scoreTensor, EXPORT_NAMES.targetClass, s.numClasses, s.elemType);
    },
  );
  const { b, opset } = g;
  const [layer] = g.layers;
  const [a, grad] = inCamForm(b, layer.tensor, layer.gradient, layer.meta.elemType, layout);
  const { layerMap, heatmap } = finishGraph(b, rawMap(b, a, grad), image.name);
  // The input's own height and width (a fully convolutional model's maps follow the size it is given).
  const axis = (i: number, free: string) => {
    const d = image.dims?.[i];
    return typeof d === 'number' || (typeof d === 'string' && d) ? d : free;
  };
  const heatmapDims = [io.batch, axis(2, 'height'), axis(3, 'width')];
  const layerMapDims = [io.batch, ...(io.fixedSize ? [lh, lw] : ['layer_height', 'layer_width'])];
  b.namedOutput(EXPORT_NAMES.heatmap, heatmap, DataType.FLOAT, heatmapDims);
  b.namedOutput(EXPORT_NAMES.layerMap, layerMap, DataType.FLOAT, layerMapDims);
  const outputs: ExportedTensor[] = [
    { name: EXPORT_NAMES.heatmap, elemType: DataType.FLOAT, dims: heatmapDims },
    { name: EXPORT_NAMES.layerMap, elemType: DataType.FLOAT, dims: layerMapDims },
  ];
  const targetInput: ExportedTensor = { name: EXPORT_NAMES.targetClass, elemType: DataType.INT64, dims: [io.batch] };
  if (io.replace) {
    // The fragment declares every input and output, in order: the model's (batch made dynamic), then the export's.
    b.inputs.unshift(...io.inputs.map(io.valueInfo));
    b.outputs.unshift(...io.outputs.map(io.valueInfo));
  }
  const raised = opset > view.opset;
  const bytes = appendToModel(decoded.bytes, decoded.proto, b, {
    ...(raised ? { opset, minIrVersion: minIrVersion(opset) } : {}),
    replaceGraphIo: io.replace,
  });
  const exported: ExportedModel = {
    bytes,
    layer: tensor,
    method,
    inputs: [...io.inputs, targetInput],
    outputs: [...io.outputs, ...outputs],
    opset,
  };
  if (io.fixedBatch !== undefined) await checkRunsAtBatch(runtime, exported, decoded, inputShape);
  return exported;
}

/** The layer's A and dA as float32 [N, C, h, w], in the layout the library reads it (cam/tokens.ts detectLayout). */
function inCamForm(
  b: GraphBuilder,
  activation: string,
  gradient: string,
  elemType: number,
  layout: LayerLayout,
): [string, string] {
  const f32 = (x: string) => (elemType === DataType.FLOAT ? x : b.cast(x, DataType.FLOAT));
  const form = (x: string) => (layout === 'nhwc' ? b.op('Transpose', [f32(x)], { perm: [0, 3, 1, 2] }) : f32(x));
  return [form(activation), form(gradient)];
}

/** [N, C, h, w] of a rank-4 layer read as NCHW or channels-last; token layers and other ranks are refused. */
function nchwDims(dims: readonly number[], layout: LayerLayout): number[] {
  if (dims.length !== 4 || (layout !== 'nchw' && layout !== 'nhwc'))
    throw new InvalidInputError(
      `gcam export explains [N, C, h, w] (or channels-last) layers; this layer is [${dims.join(', ')}]. ` +
        `Pick a convolutional layer (see \`gcam layers\`), or use \`gcam explain\` for token layers.`,
    );
  const [n, a, bb, c] = dims;
  return layout === 'nhwc' ? [n, c, a, bb] : [...dims];
}

/**
 * A model that declared a fixed batch is run once at another (zeros, predicted class): a graph that bakes its batch
 * into a Reshape fails or returns the wrong batch there, and is refused instead of exported with a false promise.
 */
async function checkRunsAtBatch(runtime: Runtime, exported: ExportedModel, decoded: DecodedModel, inputShape: readonly number[]) {
  const batch = inputShape[0] + 1;
  const [image] = exported.inputs;
  const shape = [batch, ...inputShape.slice(1)];
  const session = await runtime.createSession(exported.bytes, { externalData: decoded.externalData });
  try {
    const out = await session
      .run({
        [image.name]: zerosTensor(image.elemType, shape),
        [EXPORT_NAMES.targetClass]: { type: 'int64', dims: [batch], data: new BigInt64Array(batch).fill(-1n) },
      })
      .catch(() => undefined);
    const wrong = out ? exported.outputs.find((o) => out[o.name]?.dims[0] !== batch) : exported.outputs[0];
    if (wrong)
      throw new InvalidModelError(
        `The model declares a fixed batch of ${inputShape[0]} and does not run at batch ${batch}` +
          `${out ? ` (its output '${wrong.name}' has batch ${out[wrong.name]?.dims[0]})` : ''}, so it cannot be exported ` +
          `with a dynamic batch. Export it again with a dynamic batch (torch.onnx.export(..., dynamic_axes=...)).`,
      );
  } finally {
    await session.release();
  }
}

/**
 * Static shapes and element types of intermediate tensors, measured by running the model once on zeros with those
 * tensors added as outputs (PyTorch exports carry no value_info, and gcam has no shape inference of its own).
 */
import { appendToModel } from '../onnx/append.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { DataType } from '../onnx/schema.js';
import type { ElementType, RtTensor, Runtime } from '../runtime/types.js';

export interface TensorMeta {
  dims: number[];
  elemType: number;
}

const ELEM_OF: Record<string, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  float64: DataType.DOUBLE,
  int64: DataType.INT64,
  int32: DataType.INT32,
  uint8: DataType.UINT8,
  bool: DataType.BOOL,
  int8: DataType.INT8,
};

export const RT_TYPE_OF: Record<number, ElementType> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
  [DataType.INT64]: 'int64',
  [DataType.INT32]: 'int32',
  [DataType.UINT8]: 'uint8',
  [DataType.BOOL]: 'bool',
};

export function zerosTensor(elemType: number, dims: readonly number[]): RtTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const type = RT_TYPE_OF[elemType] ?? 'float32';
  const data =
    type === 'float16'
      ? new Uint16Array(n)
      : type === 'float64'
        ? new Float64Array(n)
        : type === 'int64'
          ? new BigInt64Array(n)
          : type === 'int32'
            ? new Int32Array(n)
            : type === 'uint8' || type === 'bool'
              ? new Uint8Array(n)
              : new Float32Array(n);
  return { type, dims, data };
}

/**
 * Measured tensors per model and input shapes: the layer list and every explain/tail compile of one model share them,
 * so a model is probed (one extra session creation and run) once, not once per call. Weakly held: the entry goes
 * with the decoded model.
 */
const measured = new WeakMap<DecodedModel, Map<string, Map<string, TensorMeta>>>();

/**
 * Shape + type of each requested tensor at the given input shapes, measured by one run of the model on zeros (or
 * taken from an earlier probe of the same model and shapes). Tensors must be outputs of nodes or graph inputs;
 * unknown names are ignored. `alsoMeasure` names tensors worth measuring in the same run for later calls (the layer
 * list passes every node output so that compiles need no probe of their own); should that wider run fail (an output
 * onnxruntime cannot return, such as a sequence), only the requested tensors are measured.
 */
export async function probeTensors(
  runtime: Runtime,
  model: DecodedModel,
  view: GraphView,
  inputShapes: Record<string, readonly number[]>,
  tensors: Iterable<string>,
  alsoMeasure: Iterable<string> = [],
): Promise<Map<string, TensorMeta>> {
  const result = new Map<string, TensorMeta>();
  for (const input of view.inputs) {
    const dims = inputShapes[input.name];
    if (!dims) throw new Error(`gcam internal: no probe shape for input '${input.name}'`);
    result.set(input.name, { dims: [...dims], elemType: input.elemType });
  }
  let byShape = measured.get(model);
  if (!byShape) measured.set(model, (byShape = new Map()));
  const key = JSON.stringify(Object.entries(inputShapes).sort());
  let known = byShape.get(key);
  if (!known) byShape.set(key, (known = new Map()));
  const requested = [...new Set(tensors)];
  const missing = requested.filter((t) => !known.has(t) && view.producer.has(t));
  if (missing.length) {
    const extra = [...new Set(alsoMeasure)].filter((t) => !known.has(t) && view.producer.has(t));
    let got: Map<string, TensorMeta>;
    try {
      got = await runProbe(runtime, model, view, inputShapes, [...new Set([...missing, ...extra])]);
    } catch (e) {
      if (extra.length === 0) throw e;
      got = await runProbe(runtime, model, view, inputShapes, missing);
    }
    for (const [t, m] of got) known.set(t, m);
  }
  for (const t of requested) {
    const m = known.get(t);
    if (m && !result.has(t)) result.set(t, { dims: [...m.dims], elemType: m.elemType });
  }
  return result;
}

/** One run of the model on zeros with the tensors (node outputs) added as outputs. */
async function runProbe(
  runtime: Runtime,
  model: DecodedModel,
  view: GraphView,
  inputShapes: Record<string, readonly number[]>,
  tensors: readonly string[],
): Promise<Map<string, TensorMeta>> {
  const b = new GraphBuilder(view.opset, view.usedNames(), 'gcam_probe');
  const graphOutputs = new Set(view.outputs.map((o) => o.name));
  const result = new Map<string, TensorMeta>();
  const feeds: Record<string, RtTensor> = {};
  for (const input of view.inputs) feeds[input.name] = zerosTensor(input.elemType, inputShapes[input.name]);
  // Declared outputs are already fetchable; others are added with no type so onnxruntime infers it.
  for (const t of tensors) if (!graphOutputs.has(t)) b.outputs.push({ name: t });
  const bytes = appendToModel(model.bytes, model.proto, b);
  const session = await runtime.createSession(bytes, { optimization: 'disabled', externalData: model.externalData });
  try {
    const out = await session.run(feeds, [...tensors]);
    for (const t of tensors) {
      const v = out[t];
      if (v) result.set(t, { dims: [...v.dims], elemType: ELEM_OF[v.type] ?? 0 });
    }
  } finally {
    await session.release();
  }
  return result;
}

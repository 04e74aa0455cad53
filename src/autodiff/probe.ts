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
import { InvalidModelError, InvalidOptionError, RuntimeError } from '../errors.js';
import { MAX_PROBE_ELEMENTS, MAX_TENSOR_ELEMENTS, MAX_UNSCOUTED_PIXELS } from '../limits.js';

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
 *
 * Bounded (src/limits.ts): every input is checked before its zeros are allocated, a large image input is first
 * measured at a small size to refuse one whose tensors would be too large (checkProbeBudget), and every measured
 * tensor is checked against MAX_TENSOR_ELEMENTS.
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
    checkInputShape(input.name, dims);
    result.set(input.name, { dims: [...dims], elemType: input.elemType });
  }
  const known = knownAt(model, inputShapes);
  const requested = [...new Set(tensors)];
  const missing = requested.filter((t) => !known.has(t) && view.producer.has(t));
  if (missing.length) {
    const extra = [...new Set(alsoMeasure)].filter((t) => !known.has(t) && view.producer.has(t));
    await checkProbeBudget(runtime, model, view, inputShapes, [...missing, ...extra]);
    let got: Map<string, TensorMeta>;
    try {
      got = await runProbe(runtime, model, view, inputShapes, [...new Set([...missing, ...extra])]);
    } catch (e) {
      if (extra.length === 0) throw e;
      got = await runProbe(runtime, model, view, inputShapes, missing);
    }
    for (const [t, m] of got) {
      const n = elements(m.dims);
      if (n > MAX_TENSOR_ELEMENTS)
        throw new InvalidModelError(
          `At input ${shapeText(inputShapes)} the model's tensor '${t}' is [${m.dims.join(', ')}], ${n} elements, over gcam's ` +
            `limit of ${MAX_TENSOR_ELEMENTS} per tensor; use a smaller input size.`,
        );
    }
    for (const [t, m] of got) known.set(t, m);
  }
  for (const t of requested) {
    const m = known.get(t);
    if (m && !result.has(t)) result.set(t, { dims: [...m.dims], elemType: m.elemType });
  }
  return result;
}

const elements = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const shapeText = (shapes: Record<string, readonly number[]>) =>
  Object.values(shapes)
    .map((d) => `[${d.join(', ')}]`)
    .join(', ');

/** The measurements of a model at some input shapes (filled in by probes). */
function knownAt(model: DecodedModel, inputShapes: Record<string, readonly number[]>): Map<string, TensorMeta> {
  let byShape = measured.get(model);
  if (!byShape) measured.set(model, (byShape = new Map()));
  const key = JSON.stringify(Object.entries(inputShapes).sort());
  let known = byShape.get(key);
  if (!known) byShape.set(key, (known = new Map()));
  return known;
}

/** A probe input's dims are whole and its zeros can be allocated: zerosTensor is never asked for an impossible length. */
function checkInputShape(name: string, dims: readonly number[]): void {
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 1))
    throw new InvalidOptionError('inputShape', `for '${name}' must be positive integers; got [${dims.join(', ')}].`);
  const n = elements(dims);
  if (n > MAX_TENSOR_ELEMENTS)
    throw new InvalidOptionError(
      'inputShape',
      `[${dims.join(', ')}] for '${name}' has ${n} elements, over gcam's limit of ${MAX_TENSOR_ELEMENTS} per tensor; use a smaller batch or size.`,
    );
}

/** A large image input is first measured at SCOUT_SIDE², where measuring costs little. */
const SCOUT_SIDE = 224;
/** Inputs up to this many times the scout's area are measured directly (at most 4× the cost of the default size). */
const SCOUT_FACTOR = 4;

/**
 * Before measuring a large image input (one [N, C, H, W] input with H·W over SCOUT_FACTOR·SCOUT_SIDE²), measures the
 * same tensors at SCOUT_SIDE × SCOUT_SIDE and scales their element counts by the ratio of the areas (a CNN's feature
 * maps grow with the input's area); refuses the size when the largest tensor would pass MAX_TENSOR_ELEMENTS or all of
 * them together (the probe holds them at once) MAX_PROBE_ELEMENTS. A model that cannot run at the scout size is
 * measured directly.
 */
async function checkProbeBudget(
  runtime: Runtime,
  model: DecodedModel,
  view: GraphView,
  inputShapes: Record<string, readonly number[]>,
  tensors: readonly string[],
): Promise<void> {
  const entries = Object.entries(inputShapes);
  if (entries.length !== 1 || entries[0][1].length !== 4) return;
  const [name, [n, c, h, w]] = entries[0];
  const area = h * w;
  if (area <= SCOUT_FACTOR * SCOUT_SIDE * SCOUT_SIDE) return;
  const scoutShapes = { [name]: [n, c, SCOUT_SIDE, SCOUT_SIDE] };
  try {
    await probeTensors(runtime, model, view, scoutShapes, tensors);
  } catch (e) {
    // onnxruntime refused the scout size (a model that needs its own size): no estimate, so only an input small
    // enough to measure as it is may go on. A limit error stands.
    if (!(e instanceof RuntimeError)) throw e;
    if (area <= MAX_UNSCOUTED_PIXELS) return;
    throw new InvalidModelError(
      `The model runs only at its own input size ${h}×${w}, too large to measure its layers within gcam's memory ` +
        `limits (a model that cannot run at ${SCOUT_SIDE}×${SCOUT_SIDE} may take at most ${MAX_UNSCOUTED_PIXELS} pixels); ` +
        `re-export it with dynamic height and width, or at a smaller size.`,
      { cause: e },
    );
  }
  const scout = knownAt(model, scoutShapes);
  const scale = area / (SCOUT_SIDE * SCOUT_SIDE);
  let total = 0;
  let largest = 0;
  for (const t of new Set(tensors)) {
    const m = scout.get(t);
    if (!m) continue;
    const e = elements(m.dims);
    total += e;
    largest = Math.max(largest, e);
  }
  const overTotal = total * scale > MAX_PROBE_ELEMENTS;
  if (!overTotal && largest * scale <= MAX_TENSOR_ELEMENTS) return;
  // The largest square input whose scaled counts stay within both limits.
  const fits = Math.min(MAX_PROBE_ELEMENTS / total, MAX_TENSOR_ELEMENTS / largest);
  const side = Math.floor(SCOUT_SIDE * Math.sqrt(fits));
  const [count, what, limit] = overTotal
    ? [total * scale, "the model's tensors together", MAX_PROBE_ELEMENTS]
    : [largest * scale, "the model's largest tensor", MAX_TENSOR_ELEMENTS];
  throw new InvalidOptionError(
    'size',
    `${h}×${w} would make ${what} hold about ${count.toPrecision(2)} elements (${((count * 4) / 2 ** 30).toFixed(1)} GiB ` +
      `of float32; measured at ${SCOUT_SIDE}×${SCOUT_SIDE} and scaled by area), over gcam's limit of ${limit}; ` +
      `use a size of at most about ${side}.`,
  );
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

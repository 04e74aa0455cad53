/**
 * Layers a user can explain: listing them with shapes, resolving what users type (tensor name, node name, or the
 * PyTorch module path as torch.onnx names scopes, e.g. 'layer4', 'layer4.1', 'features.29'), and the default layer.
 */
import { distance } from 'fastest-levenshtein';
import { probeTensors } from './autodiff/probe.js';
import { imageInput } from './autodiff/rewrite.js';
import { slicePath } from './autodiff/slice.js';
import { tokenGrid } from './cam/tokens.js';
import type { DecodedModel } from './onnx/decode.js';
import { GraphView } from './onnx/graph.js';
import { DataType, dtypeName } from './onnx/schema.js';
import type { Runtime } from './runtime/types.js';
import { AmbiguousLayerError, InvalidInputError, InvalidModelError, InvalidOptionError, LayerNotFoundError } from './errors.js';
import { MAX_FIXED_BATCH, MAX_TENSOR_ELEMENTS } from './limits.js';

export interface LayerInfo {
  /** Tensor name: what the explain model targets. */
  tensor: string;
  /** Name of the node producing it. */
  node: string;
  opType: string;
  /** Shape at the probed input size (batch 1 unless the model fixes it). */
  dims: number[];
  /** Element type as numpy names it: 'float32', 'float16' or 'float64'. */
  dtype: string;
  /**
   * Short name of the PyTorch module of the producing node when the exporter recorded scopes (torch ≥ 1.13): the
   * innermost scope, e.g. 'relu_1' for '/layer4/layer4.1/relu_1/Relu'. Several modules may share it (see
   * misleadingShortNames).
   */
  module?: string;
}

const FLOAT_TYPES: number[] = [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE];

/**
 * The input shape used when the caller gives none: the model's, with batch 1 and `size` (default 224; 96 for the
 * free axes of a volume, 1000 for a signal's free length) for free spatial dims. `size` is one side, [height, width],
 * for volume models [depth, height, width], for signal models [length]. Checked before anything is allocated for
 * it: a fixed batch of at most MAX_FIXED_BATCH, and at most MAX_TENSOR_ELEMENTS elements in all (src/limits.ts).
 */
export function defaultInputShape(view: GraphView, size?: number | readonly number[]): number[] {
  const input = imageInput(view);
  const dims = input.dims ?? [null, 3, null, null];
  const axes = dims.length - 2;
  const isDim = (d: unknown) => Number.isSafeInteger(d) && (d as number) >= 1;
  const sides = Array.isArray(size) ? [...(size as readonly number[])] : new Array<number | undefined>(axes).fill(size as number);
  const named = `[${AXIS_NAMES[axes] ?? AXIS_NAMES[2]}]`.replace(/\//g, ', ');
  if (size !== undefined && !(sides.length === axes && sides.every(isDim)))
    throw new InvalidOptionError('size', `must be a positive integer or ${named}; got ${JSON.stringify(size)}.`);
  const fixed = (d: number | string | null): number | undefined => (typeof d === 'number' ? d : undefined);
  const n = fixed(dims[0]) ?? 1;
  const c = fixed(dims[1]);
  if (c === undefined) throw new InvalidInputError(`The model input '${input.name}' has no fixed channel count; gcam needs one.`);
  if (n > MAX_FIXED_BATCH)
    throw new InvalidModelError(
      `The model input '${input.name}' fixes its batch at ${n}; gcam runs at most ${MAX_FIXED_BATCH} images at once. ` +
        `Re-export the model with a dynamic batch (torch.onnx.export(..., dynamic_axes={'${input.name}': {0: 'batch'}})).`,
    );
  const own = dims.slice(2).map(fixed);
  const spatial = own.map((d, i) => sides[i] ?? d ?? DEFAULT_SIDES[axes] ?? DEFAULT_SIDE);
  if (size !== undefined && own.some((d, i) => d !== undefined && d !== spatial[i]))
    throw new InvalidInputError(
      `The model input '${input.name}' has a fixed size ${dims.slice(2).join('×')}; it cannot take ${spatial.join('×')}. ` +
        `Re-export it with dynamic ${AXIS_NAMES[axes] ?? AXIS_NAMES[2]} to change the size.`,
    );
  const elements = n * c * spatial.reduce((a, b) => a * b, 1);
  if (elements > MAX_TENSOR_ELEMENTS) {
    const shape = `[${n}, ${c}, ${spatial.join(', ')}]`;
    // Only a size the caller chose can be chosen again; a model's own fixed dims need a new export.
    if (size !== undefined) {
      const side = Math.floor(Math.pow(MAX_TENSOR_ELEMENTS / (n * c), 1 / axes));
      throw new InvalidOptionError(
        'size',
        `${spatial.join('×')} makes the model input ${shape}, ${elements} elements, over gcam's limit of ${MAX_TENSOR_ELEMENTS} per tensor; use a size of at most ${side}.`,
      );
    }
    throw new InvalidModelError(
      `The model input '${input.name}' is ${shape}, ${elements} elements, over gcam's limit of ${MAX_TENSOR_ELEMENTS} per tensor; re-export it with a dynamic batch and ${AXIS_NAMES[axes] ?? AXIS_NAMES[2]}.`,
    );
  }
  return [n, c, ...spatial];
}

/**
 * The side of a free spatial axis when no size is given, by the number of spatial axes: images 224, volumes 96,
 * signals 1000 (10 s of a 100 Hz ECG, as in PTB-XL's common setting).
 */
const DEFAULT_SIDE = 224;
const DEFAULT_SIDES: Record<number, number> = { 1: 1000, 2: DEFAULT_SIDE, 3: 96 };
/** The spatial axes' names by their number: signals, images, volumes. */
const AXIS_NAMES: Record<number, string> = { 1: 'length', 2: 'height/width', 3: 'depth/height/width' };

/** Innermost module scope recorded by torch.onnx in a node name: '/layer4/layer4.1/relu_1/Relu' → 'relu_1'. */
export function modulePath(nodeName: string): string | undefined {
  if (!nodeName.startsWith('/')) return undefined;
  const parts = nodeName.split('/').filter(Boolean);
  return parts.length >= 2 ? parts[parts.length - 2] : undefined;
}

/**
 * The torch.onnx (≥ 1.13) scope of a dotted module path: one level per attribute name, except that a numeric child
 * (Sequential/ModuleList index) is joined to its parent's level: 'features.18.conv' → '/features/features.18/conv',
 * 'features.denseblock4' → '/features/denseblock4'.
 */
export function torchScope(path: string): string {
  const segments: string[] = [];
  for (const part of path.split('.'))
    segments.push(/^\d+$/.test(part) && segments.length ? `${segments[segments.length - 1]}.${part}` : part);
  return '/' + segments.join('/');
}

/** Scopes (module paths) enclosing a node, outermost first. */
function scopesOf(nodeName: string): string[] {
  if (!nodeName.startsWith('/')) return [];
  return nodeName.split('/').filter(Boolean).slice(0, -1);
}

/**
 * Every float tensor of rank ≥ 3 produced by a node the output depends on, in topological order, with its shape at
 * the given input shape (measured by one run of the model).
 */
export async function listLayers(
  runtime: Runtime,
  decoded: DecodedModel,
  options: { inputShape?: readonly number[]; view?: GraphView } = {},
): Promise<LayerInfo[]> {
  const view = options.view ?? new GraphView(decoded.proto);
  const input = imageInput(view);
  const inputShape = options.inputShape ?? defaultInputShape(view);
  // Tensors that depend on the input (through differentiable ops) and that some output depends on.
  const { forward, backward } = slicePath(
    view,
    [input.name],
    view.outputs.map((o) => o.name),
  );
  const candidates = view.nodes.flatMap((n) =>
    n.outputs.filter((o) => o && forward.has(o) && backward.has(o)).map((o) => ({ n, o })),
  );
  const meta = await probeTensors(
    runtime,
    decoded,
    view,
    { [input.name]: inputShape },
    candidates.map((c) => c.o),
    // Measured in the same run for the explain compiles that follow (autodiff/probe.ts).
    view.nodes.flatMap((n) => n.outputs.filter((o) => o)),
  );
  const out: LayerInfo[] = [];
  for (const { n, o } of candidates) {
    const m = meta.get(o);
    if (!m || m.dims.length < 3 || !FLOAT_TYPES.includes(m.elemType)) continue;
    out.push({
      tensor: o,
      node: n.name,
      opType: n.opType,
      dims: m.dims,
      dtype: dtypeName(m.elemType),
      module: modulePath(n.name),
    });
  }
  return out;
}

/**
 * The layer gcam explains when none is named: the last layer larger than 1 along every spatial axis (the conventional
 * Grad-CAM layer: just before global pooling; a pooled channels-last [N, 1, 1, C], as in ConvNeXt's head, does not
 * count). With the graph at hand, a vision transformer gets its usual layer instead (see transformerLayer); a signal
 * model's (input [N, C, L], told by the graph) is its last [N, C, l] layer with l > 1, its layers never being tokens.
 */
export function defaultLayer(layers: readonly LayerInfo[], view?: GraphView): LayerInfo {
  const signal = view !== undefined && imageInput(view).dims?.length === 3;
  let base = -1;
  for (let i = layers.length - 1; i >= 0 && base < 0; i--) {
    const d = layers[i].dims;
    if (d.length >= (signal ? 3 : 4) && d.slice(2).every((x) => x > 1)) base = i;
  }
  const tokens = view && !signal ? transformerLayer(layers.slice(base + 1), view) : undefined;
  if (tokens) return tokens;
  if (base >= 0) return layers[base];
  throw new InvalidInputError(
    'The model has no layer with spatial extent > 1 to explain; pass a layer explicitly (see `gcam layers`).',
  );
}

/**
 * In a vision transformer only the class token feeds the head, so after the last attention the gradient is zero on
 * every patch token and Grad-CAM there is blank; the usual layer is the input of the last attention (the last block's
 * first LayerNorm: pytorch-grad-cam's `blocks[-1].norm1`). Found structurally: the last token-mixing product (MatMul or
 * Einsum of two activations, i.e. attention) and, among its ancestors, the last batch-first token layer [N, T, C]
 * (T = a few leading tokens + a square grid) as wide as the model's last token layer (which excludes a fused QKV
 * projection, 3C wide). Undefined when the layers after the last spatial map hold no such tokens.
 */
function transformerLayer(after: readonly LayerInfo[], view: GraphView): LayerInfo | undefined {
  const isTokens = (d: readonly number[]) => {
    if (d.length !== 3 || d[1] <= d[0]) return false;
    try {
      const [gh, gw] = tokenGrid(d[1]).grid;
      return gh > 1 && gw > 1;
    } catch {
      return false;
    }
  };
  const tokenLayers = after.filter((l) => isTokens(l.dims));
  if (tokenLayers.length === 0) return undefined;
  const width = tokenLayers[tokenLayers.length - 1].dims[2];
  const isActivation = (t: string) =>
    !!t && !view.initializers.has(t) && view.producer.has(t) && view.producer.get(t)!.opType !== 'Constant';
  const mixers = view.nodes.filter(
    (n) => (n.opType === 'MatMul' || n.opType === 'Einsum') && n.inputs.length === 2 && n.inputs.every(isActivation),
  );
  if (mixers.length === 0) return undefined;
  const ancestors = new Set<string>();
  const stack = [...mixers[mixers.length - 1].inputs];
  while (stack.length) {
    const t = stack.pop()!;
    if (ancestors.has(t)) continue;
    ancestors.add(t);
    const p = view.producer.get(t);
    if (p) stack.push(...p.inputs.filter((x) => x));
  }
  const candidates = tokenLayers.filter((l) => ancestors.has(l.tensor) && l.dims[2] === width);
  return candidates[candidates.length - 1];
}

/**
 * Resolves a user's layer name to a tensor: an exact tensor name, a node name (its first output), a full module path
 * from the root ('layer4.1', its scope '/layer4/layer4.1', or a name prefix like Caffe's 'fire9'), or a short name of
 * one module ('relu_1', '1.relu_1': the last levels of a module path). A module resolves to the output of the last
 * layer inside its scope. A short name several modules share is an AmbiguousLayerError listing them; unknown names
 * list the closest candidates.
 */
export function resolveLayer(name: string, layers: readonly LayerInfo[], view: GraphView): string {
  return resolveIn(name, layers, view, () => moduleScopes(layers));
}

/** resolveLayer, with the module scopes built once by a caller that resolves many names (misleadingShortNames). */
function resolveIn(name: string, layers: readonly LayerInfo[], view: GraphView, scopes: () => ModuleScope[]): string {
  const byTensor = layers.find((l) => l.tensor === name);
  if (byTensor) return byTensor.tensor;
  const byNode = layers.find((l) => l.node === name);
  if (byNode) return byNode.tensor;
  const trimmed = name.replace(/^\/+|\/+$/g, '');
  // A full path from the root; a blank one ('/') would be a prefix of every torch.onnx name.
  const anchored = layers.filter(
    (l) =>
      trimmed !== '' &&
      (l.node.startsWith(`/${trimmed}/`) ||
        l.node.startsWith(`${torchScope(trimmed)}/`) ||
        l.tensor.startsWith(`${trimmed}/`) ||
        l.node.startsWith(`${trimmed}/`)),
  );
  if (anchored.length) return anchored[anchored.length - 1].tensor;
  // A short name: the module's innermost level, or its dotted path's last levels after a dot ('0.relu').
  const modules = scopes().filter((m) => m.levels.at(-1) === trimmed || m.dotted.endsWith(`.${trimmed}`));
  if (modules.length > 1)
    throw new AmbiguousLayerError(
      name,
      modules.map((m) => fullModuleName(m.levels)),
    );
  if (modules.length === 1) return modules[0].last.tensor;
  // A tensor or node that exists but is not a layer (e.g. 2-D, integer, or not on the path to the output).
  const known = view.producer.has(name) || view.nodes.some((n) => n.name === name);
  const extra = known
    ? ` '${name}' exists but is not an explainable layer (not a float tensor of rank ≥ 3 feeding the output).`
    : '';
  throw new LayerNotFoundError(name, suggestLayers(name, layers), extra);
}

interface ModuleScope {
  /** The scope's levels, e.g. ['layer1', 'layer1.0', 'relu']. */
  levels: string[];
  /** Its module path: 'layer1.0.relu'. */
  dotted: string;
  /** The last layer inside it: what the module resolves to. */
  last: LayerInfo;
}

/** Every module scope that holds a layer, in the order of its first layer. */
function moduleScopes(layers: readonly LayerInfo[]): ModuleScope[] {
  const byKey = new Map<string, ModuleScope>();
  for (const l of layers) {
    const levels = scopesOf(l.node);
    for (let depth = 1; depth <= levels.length; depth++) {
      const key = levels.slice(0, depth).join('/');
      const known = byKey.get(key);
      if (known) known.last = l;
      else byKey.set(key, { levels: levels.slice(0, depth), dotted: dottedModulePath(levels.slice(0, depth)), last: l });
    }
  }
  return [...byKey.values()];
}

/** torchScope's inverse: levels ['layer2', 'layer2.0', 'downsample', 'downsample.0'] → 'layer2.0.downsample.0'. */
function dottedModulePath(levels: readonly string[]): string {
  const parts: string[] = [];
  levels.forEach((level, i) => {
    const index = i > 0 && level.startsWith(`${levels[i - 1]}.`) ? level.slice(levels[i - 1].length + 1) : '';
    parts.push(/^\d+$/.test(index) ? index : level);
  });
  return parts.join('.');
}

/**
 * The name that resolves to exactly this module: its dotted path where that maps back to its scope (every torch.onnx
 * export), else the scope itself ('/a.b/c').
 */
function fullModuleName(levels: readonly string[]): string {
  const dotted = dottedModulePath(levels);
  const scope = `/${levels.join('/')}`;
  return torchScope(dotted) === scope ? dotted : scope;
}

/**
 * The layers (tensors) whose short name (LayerInfo.module) would not give their own module back: several modules
 * share it (exporters name the ReLU of every block 'relu'), or it is the full path of another one (resnet's top-level
 * 'relu'). Listings mark these and add the full module path (moduleNameOf).
 */
export function misleadingShortNames(layers: readonly LayerInfo[], view: GraphView): Set<string> {
  const scopes = moduleScopes(layers);
  const nodeOf = new Map(layers.map((l) => [l.tensor, l.node]));
  // Short name → the node its resolution ends at; undefined when several modules share the name.
  const reaches = new Map<string, string | undefined>();
  const misleading = new Set<string>();
  for (const l of layers) {
    if (!l.module) continue;
    if (!reaches.has(l.module)) {
      try {
        reaches.set(l.module, nodeOf.get(resolveIn(l.module, layers, view, () => scopes)));
      } catch (e) {
        if (!(e instanceof AmbiguousLayerError)) throw e;
        reaches.set(l.module, undefined);
      }
    }
    const own = `/${scopesOf(l.node).join('/')}/`;
    if (!reaches.get(l.module)?.startsWith(own)) misleading.add(l.tensor);
  }
  return misleading;
}

/** The full module path of the layer's producing node ('layer1.0.relu'), undefined outside module scopes. */
export function moduleNameOf(layer: LayerInfo): string | undefined {
  const levels = scopesOf(layer.node);
  return levels.length ? fullModuleName(levels) : undefined;
}

function suggestLayers(name: string, layers: readonly LayerInfo[]): string[] {
  const names = new Set<string>();
  for (const l of layers) {
    names.add(l.tensor);
    if (l.node !== l.tensor) names.add(l.node);
    for (const s of scopesOf(l.node)) names.add(s);
  }
  const q = name.toLowerCase();
  return [...names]
    .map((n) => {
      const c = n.toLowerCase();
      // Substring matches first, then edit distance.
      const score =
        c.includes(q) || q.includes(c) ? Math.abs(c.length - q.length) * 0.01 : distance(q, c) / Math.max(q.length, c.length);
      return { n, score };
    })
    .filter((s) => s.score < 0.6)
    .sort((a, b) => a.score - b.score)
    .slice(0, 5)
    .map((s) => s.n);
}

/**
 * Models in the page: the built-in shapes model served beside the viewer, a model the user opens or drops, or the one
 * `gcam view` was given. Each becomes a LoadedModel: the core's ImageExplainer (layers listed, sessions compiled on
 * first use) plus what the page needs to present it: labels, what its outputs mean, its input size.
 */
import { builtinPreprocess, type ShapesMeta } from '../builtin-meta.js';
import {
  InvalidModelError,
  createImageExplainer,
  labelsFor,
  loadModel,
  type DecodedModel,
  type ImageExplainer,
  type ModelSource,
  type PreprocessSpec,
} from '../web.js';

/** What the model's scores are: probabilities of one class (Softmax), of independent labels (Sigmoid), or logits. */
export type OutputKind = 'softmax' | 'sigmoid' | 'logits';

/** The built-in model's labels and the preprocessing it was trained with (models/shapes/shapes.json). */
export interface BuiltinInfo {
  labels: string[];
  preprocess: PreprocessSpec;
}

export interface LoadedModel {
  /** File name, for captions and the download manifest. */
  name: string;
  decoded: DecodedModel;
  explainer: ImageExplainer;
  labels?: readonly string[];
  output: OutputKind;
  /** The layer the library picks when none is named. */
  defaultLayer: string;
  /** Model input [height, width] and channels as the explainer runs it. */
  size: [number, number];
  channels: number;
  /** True when the model fixes its height and width (no size choice). */
  fixedSize: boolean;
  builtin?: BuiltinInfo;
  /** Things worth telling that did not stop the model from loading (labels that do not fit…). */
  warnings: string[];
}

export interface OpenOptions {
  size?: number;
  labels?: readonly string[];
  builtin?: BuiltinInfo;
}

/** Decodes (bytes, or a URL fetched) and compiles nothing yet: the explainer lists the layers with one forward run. */
export async function openModel(source: ModelSource | DecodedModel, name: string, o: OpenOptions = {}): Promise<LoadedModel> {
  const decoded = typeof source === 'object' && 'proto' in source ? source : await loadModel(source);
  const explainer = await createImageExplainer(decoded, { size: o.size });
  const warnings: string[] = [];
  let labels: readonly string[] | undefined;
  try {
    labels = labelsFor(explainer.numClasses, o.labels ?? o.builtin?.labels);
  } catch (e) {
    // A labels file for another model should not keep this one from loading: it runs with class numbers instead.
    warnings.push(`${(e as Error).message} Classes are shown by number.`);
    labels = labelsFor(explainer.numClasses);
  }
  const [, channels, h, w] = explainer.inputShape;
  const dims = explainer.view.inputs[0].dims ?? [];
  return {
    name,
    decoded,
    explainer,
    labels,
    output: outputKind(explainer),
    defaultLayer: explainer.resolveLayers()[0].tensor,
    size: [h, w],
    channels,
    fixedSize: typeof dims[2] === 'number' && typeof dims[3] === 'number',
    builtin: o.builtin,
    warnings,
  };
}

/** The same model and explainer with other labels (checked against the class count: InvalidOptionError). */
export function withLabels(m: LoadedModel, labels: readonly string[]): LoadedModel {
  return { ...m, labels: labelsFor(m.explainer.numClasses, labels), warnings: [] };
}

/** The same model at another input size (fully convolutional models): a new explainer over the decoded model. */
export function resized(m: LoadedModel, size: number): Promise<LoadedModel> {
  return openModel(m.decoded, m.name, { size, labels: m.labels, builtin: m.builtin });
}

/**
 * Read the way the library picks the score tensor (autodiff/rewrite.ts scoreTensorOf): a final Softmax or Sigmoid
 * means the reported scores are probabilities; anything else, logits.
 */
function outputKind(ex: ImageExplainer): OutputKind {
  const producer = ex.view.producer.get(ex.view.outputs[0].name);
  if (producer?.domain === '' && producer.opType === 'Softmax') return 'softmax';
  if (producer?.domain === '' && producer.opType === 'Sigmoid') return 'sigmoid';
  return 'logits';
}

/**
 * The built-in model served beside the page (tools/build-viewer.ts copies models/shapes/), read as src/builtin.ts
 * reads it in Node: stretched to its square input size, its channel order, range, mean and std.
 */
export async function openBuiltin(base: URL): Promise<LoadedModel> {
  const metaUrl = new URL('models/shapes.json', base);
  let meta: ShapesMeta;
  try {
    const res = await fetch(metaUrl);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    meta = await res.json();
  } catch (e) {
    throw new InvalidModelError(`The built-in model's description '${metaUrl}' cannot be read (${(e as Error).message}).`, {
      cause: e,
    });
  }
  const builtin: BuiltinInfo = { labels: meta.labels, preprocess: builtinPreprocess(meta) };
  return openModel(new URL('models/shapes.onnx', base), 'shapes.onnx (built-in)', { builtin });
}

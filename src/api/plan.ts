/**
 * Options → a resolved plan, validated once before any image is read: the method, the layers, the classes of each
 * image, batch size, normalisation and method settings. Every wrong option is an InvalidOptionError naming it.
 */
import { InvalidOptionError } from '../errors.js';
import { MAX_DEFAULT_BATCH_ELEMENTS } from '../limits.js';
import type { CamMethod, MethodSettings } from '../cam/method.js';
import { METHOD_NAMES, methodFor } from '../cam/methods/index.js';
import type { LayerLayout } from '../cam/tokens.js';
import { PRESETS, preset, type PreprocessSpec } from '../image/preprocess.js';
import { labelsFor, resolveClass } from '../labels/labels.js';
import { intensityText, parseIntensity, type IntensitySpec } from '../volume/intensity.js';
import { modelKind } from './input-kinds.js';
import type { ExplainOptions, TargetSpec } from './options.js';

export interface LayerRef {
  /** As the user named it (the tensor name for the default layer, 'input' for input-gradient methods). */
  name: string;
  tensor: string;
}

/** Which classes each image is explained for. */
export type Targets =
  | { kind: 'fixed'; classes: number[] }
  | { kind: 'per-image'; classes: number[][] }
  /** The k top-scored classes; k = 1 is the predicted class. */
  | { kind: 'top-k'; k: number };

export interface ExplainPlan {
  method: CamMethod;
  layers: LayerRef[];
  /** Input-gradient methods (saliency, guided backpropagation): the map comes from d(score)/d(input). */
  inputOnly: boolean;
  combine: boolean;
  targets: Targets;
  labels?: readonly string[];
  batchSize: number;
  relu: boolean;
  augSmooth: boolean;
  eigenSmooth: boolean;
  settings: MethodSettings;
  spatial: { grid?: [number, number]; layout?: LayerLayout | 'auto' };
  /** Session settings: `output` is the model output explained (default the first). */
  session: { useProbabilities?: boolean; threads?: number; output?: string };
  topPredictions: number;
  /** How images become model inputs; 'none': only tensors are accepted (always 'none' for volume and signal models). */
  preprocess: PreprocessSpec | 'none';
  /**
   * The intensity preset, when given: of volume sources and signal models' tensors (default none), and of 2-D images
   * (default their preset's value steps).
   */
  intensity?: IntensitySpec;
}

/** What the plan needs to know about the model. */
export interface ModelFacts {
  numClasses: number;
  /** [N, C, H, W], [N, C, D, H, W] or [N, C, L] as compiled (N: the model's fixed batch, or 1). */
  inputShape: readonly number[];
  /** The model's own batch size when its input fixes one. */
  fixedBatch?: number;
  inputName: string;
  /** The model output explained, when not the first. */
  output?: string;
  /** The machine's logical cores, when the platform knows them (bounds `threads`). */
  cores?: number;
  resolveLayers(names?: readonly string[]): LayerRef[];
}

/** `imageCount`: the number of inputs when known beforehand (per-image classes need it). */
export function resolvePlan(model: ModelFacts, imageCount: number | undefined, options: ExplainOptions): ExplainPlan {
  const name = options.method ?? 'gradcam';
  const method = methodFor(name);
  if (!method) throw new InvalidOptionError('method', `'${name}' is unknown; available: ${METHOD_NAMES.join(', ')}.`);
  const req = method.requires;
  const inputOnly = !req.layerGradients && req.inputGradient !== undefined;
  if (options.layers !== undefined && !(Array.isArray(options.layers) && options.layers.every((l) => typeof l === 'string')))
    throw new InvalidOptionError('layers', 'must be a list of layer names (strings).');
  if (options.layers?.some((l) => l.trim() === ''))
    throw new InvalidOptionError('layers', 'holds an empty name; give tensor, node or module names (see `gcam layers`).');
  const layers = inputOnly ? [{ name: 'input', tensor: model.inputName }] : model.resolveLayers(options.layers);
  const k = model.numClasses;
  const labels = labelsFor(k, options.labels);
  const settings: MethodSettings = {
    scoreCamBatch: positiveInt('scoreCamBatch', options.scoreCamBatch) ?? 32,
    scoreCamChannels: positiveInt('scoreCamChannels', options.scoreCamChannels),
    ablationBatch: positiveInt('ablationBatch', options.ablationBatch) ?? 32,
  };
  const batch = positiveInt('batchSize', options.batchSize);
  // More threads than 4 per core only slows onnxruntime down; far more is a typo that makes it spawn without end.
  const threads = positiveInt('threads', options.threads, 4 * (model.cores ?? FALLBACK_CORES));
  const intensity = resolveIntensity(options);
  if (options.grid !== undefined && !(options.grid.length === 2 && options.grid.every((g) => Number.isInteger(g) && g >= 1)))
    throw new InvalidOptionError('grid', `must be two positive integers [rows, columns]; got ${JSON.stringify(options.grid)}.`);
  return {
    method,
    layers,
    inputOnly,
    combine: !!options.combineLayers && layers.length > 1,
    targets: resolveTargets(options, imageCount, k, labels),
    labels,
    batchSize: model.fixedBatch ?? batch ?? defaultBatch(model.inputShape),
    relu: options.relu !== false,
    augSmooth: !!options.augSmooth,
    eigenSmooth: !!options.eigenSmooth,
    settings,
    spatial: { grid: options.grid, layout: options.layout },
    session: { useProbabilities: options.useProbabilities, threads, output: model.output },
    topPredictions: Math.min(positiveInt('topPredictions', options.topPredictions) ?? 5, k),
    preprocess:
      model.inputShape.length === 4
        ? withIntensity(resolvePreprocess(options, model.inputShape), intensity, options)
        : tensorPreprocess(options, model.inputShape),
    intensity,
  };
}

/** 8 images per run, fewer for large inputs (MAX_DEFAULT_BATCH_ELEMENTS). */
function defaultBatch(inputShape: readonly number[]): number {
  const per = inputShape.slice(1).reduce((a, b) => a * b, 1);
  return Math.max(1, Math.min(8, Math.floor(MAX_DEFAULT_BATCH_ELEMENTS / per)));
}

/**
 * Volume and signal models read tensors, volumes or signals (with their intensity preset), never photos: an image
 * preset is a mistake.
 */
function tensorPreprocess(options: ExplainOptions, inputShape: readonly number[]): 'none' {
  const kind = modelKind(inputShape);
  if (options.preprocess !== undefined && options.preprocess !== 'none')
    throw new InvalidOptionError(
      'preprocess',
      `applies to 2-D images; this model takes ${kind.many} [N, ${kind.axes.slice(1)}: use 'none' (tensors) and an intensity preset for ${kind.many}.`,
    );
  return 'none';
}

function resolveIntensity(options: ExplainOptions): IntensitySpec | undefined {
  const v = options.intensity;
  if (v === undefined) return undefined;
  if (typeof v === 'string') return parseIntensity(v);
  if (typeof v === 'object' && v !== null && typeof v.kind === 'string') return parseIntensity(intensityText(v));
  throw new InvalidOptionError('intensity', `must be a preset text or spec; got ${JSON.stringify(v)}.`);
}

/**
 * A 2-D image with an intensity preset: the preset is its value step (docs/medical.md), so a named preset's mean and
 * std give way (0 and 1) unless preprocessOverrides sets them; a custom spec's own mean/std are kept, being explicit.
 */
function withIntensity(
  spec: PreprocessSpec | 'none',
  intensity: IntensitySpec | undefined,
  options: ExplainOptions,
): PreprocessSpec | 'none' {
  if (spec === 'none' || !intensity || typeof options.preprocess === 'object') return spec;
  const c = spec.mean.length;
  return {
    ...spec,
    mean: options.preprocessOverrides?.mean ? spec.mean : new Array<number>(c).fill(0),
    std: options.preprocessOverrides?.std ? spec.std : new Array<number>(c).fill(1),
  };
}

/** The core count assumed when the platform does not tell. */
const FALLBACK_CORES = 64;

function positiveInt(option: string, v: number | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isInteger(v) && v >= 1 && v <= max))
    throw new InvalidOptionError(option, `must be an integer from 1 to ${max}; got ${v}.`);
  return v;
}

function resolveTargets(options: ExplainOptions, images: number | undefined, k: number, labels?: readonly string[]): Targets {
  const resolve = (list: readonly TargetSpec[], option: string) => {
    if (!Array.isArray(list) || list.length === 0)
      throw new InvalidOptionError(option, 'must list at least one class (an index or a label).');
    return list.map((c) => resolveClass(c, k, labels));
  };
  if (options.classesPerImage !== undefined) {
    if (!Array.isArray(options.classesPerImage))
      throw new InvalidOptionError('classesPerImage', 'must be a list with one list of classes per image.');
    if (options.classesPerImage.length !== images)
      throw new InvalidOptionError(
        'classesPerImage',
        `has ${options.classesPerImage.length} entries for ${images} images: give one list per image.`,
      );
    return { kind: 'per-image', classes: options.classesPerImage.map((l) => resolve(l, 'classesPerImage')) };
  }
  if (options.classes !== undefined) return { kind: 'fixed', classes: resolve(options.classes, 'classes') };
  const topK = options.topK ?? 1;
  if (!(Number.isInteger(topK) && topK >= 1 && topK <= k))
    throw new InvalidOptionError('topK', `must be between 1 and the number of classes (${k}); got ${options.topK}.`);
  return { kind: 'top-k', k: topK };
}

function resolvePreprocess(options: ExplainOptions, inputShape: readonly number[]): PreprocessSpec | 'none' {
  const [, c, h, w] = inputShape;
  const pre = options.preprocess ?? 'imagenet';
  if (pre === 'none') return 'none';
  if (typeof pre === 'string' && !(PRESETS as readonly string[]).includes(pre))
    throw new InvalidOptionError('preprocess', `'${pre}' is unknown; choose ${PRESETS.join(', ')}, 'none' or a custom spec.`);
  if (typeof pre !== 'string' && (typeof pre !== 'object' || pre === null))
    throw new InvalidOptionError(
      'preprocess',
      'must be a preset name or a spec object {resize, channelOrder, range, mean, std}.',
    );
  const overrides = options.preprocessOverrides ?? {};
  if (typeof overrides !== 'object' || overrides === null)
    throw new InvalidOptionError('preprocessOverrides', 'must be an object of preprocessing fields.');
  const base = typeof pre === 'string' ? preset(pre, [h, w], c) : pre;
  const spec = { ...base, ...overrides, size: [h, w] as [number, number] };
  const what = typeof pre === 'string' ? `'${pre}'` : 'the custom spec';
  const bad = (field: string, expected: string, got: unknown) =>
    new InvalidOptionError('preprocess', `${what}: ${field} must be ${expected}; got ${JSON.stringify(got) ?? String(got)}.`);
  if (!['stretch', 'crop', 'letterbox'].includes(spec.resize))
    throw bad('resize', "'stretch', 'crop' or 'letterbox'", spec.resize);
  if (spec.channelOrder !== 'RGB' && spec.channelOrder !== 'BGR') throw bad('channelOrder', "'RGB' or 'BGR'", spec.channelOrder);
  if (spec.range !== 1 && spec.range !== 255) throw bad('range', '1 or 255', spec.range);
  const numbers = (v: unknown, nonZero: boolean) =>
    Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!nonZero || x !== 0));
  if (!numbers(spec.mean, false)) throw bad('mean', 'a list of finite numbers', spec.mean);
  if (!numbers(spec.std, true)) throw bad('std', 'a list of finite non-zero numbers', spec.std);
  if (spec.resizeShorter !== undefined && !(Number.isInteger(spec.resizeShorter) && spec.resizeShorter >= 1))
    throw bad('resizeShorter', 'a positive integer', spec.resizeShorter);
  if (spec.mean.length !== c || spec.std.length !== c)
    throw new InvalidOptionError(
      'preprocess',
      `${what} gives ${spec.mean.length} mean and ${spec.std.length} std values but the model takes ${c} channels.`,
    );
  return spec;
}

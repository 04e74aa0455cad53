/**
 * The high-level call: images in, one result per (image, target class, layer) out, each with the map at the image's
 * own resolution. Platform-free: the caller supplies the runtime and image decoding/resizing (see node.ts).
 */
import { GraphView } from '../onnx/graph.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { Runtime } from '../runtime/types.js';
import { ExplainerCache, type Explainer } from '../explainer.js';
import { defaultInputShape, defaultLayer, listLayers, resolveLayer, type LayerInfo } from '../layers.js';
import type { CamMaps, LayerValues } from '../cam/gradcam.js';
import { toSpatialLayer, type LayerLayout, type SpatialLayer } from '../cam/tokens.js';
import { averageMaps, normalizeMaps, resizeBilinear } from '../cam/postprocess.js';
import { rawMaps } from '../cam/combine.js';
import { AUGMENTATIONS, augmentInput, flipMaps } from '../cam/augment.js';
import type { CamContext, CamMethod, CamOutput, MethodName } from '../cam/method.js';
import { METHOD_NAMES, methodFor } from '../cam/methods/index.js';
import { gradcam } from '../cam/methods/gradcam.js';
import type { ExplainRun } from '../explainer.js';
import type { OutputActivation } from '../autodiff/rewrite.js';
import type { RuleVariant } from '../vjp/registry.js';
import { mapToOriginal, planGeometry, preset, toTensor, type Geometry, type PreprocessSpec } from '../image/preprocess.js';
import type { RawImage } from '../image/raw.js';
import { labelsFor, resolveClass } from '../labels/labels.js';
import { InvalidInputError } from '../errors.js';

/** An image to explain: a decoded image, a file path/bytes (decoded by the platform), or a preprocessed tensor. */
export type ImageSource = string | Uint8Array | RawImage | { tensor: Float32Array; dims: readonly number[]; name?: string };

export interface Platform {
  runtime: Runtime;
  decodeImage(source: string | Uint8Array): Promise<RawImage>;
  resizeImage(img: RawImage, width: number, height: number): Promise<RawImage>;
}

export type TargetSpec = number | string;

export interface ExplainOptions {
  /** Layer names (tensor, node or PyTorch module path); default: the last layer with spatial extent > 1. */
  layers?: readonly string[];
  /** Classes explained for every image (index or label text). Default: the predicted class. */
  classes?: readonly TargetSpec[];
  /** Per-image classes (one list per image, lengths checked). Overrides `classes`. */
  classesPerImage?: readonly (readonly TargetSpec[])[];
  /** Explain the top-k predicted classes of each image. */
  topK?: number;
  /** The CAM method (default 'gradcam'); see METHODS and docs/methods.md. */
  method?: MethodName;
  /** Average the maps of flipped and brightness-scaled copies of each input (test-time augmentation). */
  augSmooth?: boolean;
  /** Replace the channel sum by the projection on the first principal component of the weighted activations. */
  eigenSmooth?: boolean;
  /** With several layers: one map per (image, class), the per-layer normalised maps averaged and normalised again. */
  combineLayers?: boolean;
  /** Score-CAM: masked inputs per session run (default 32). */
  scoreCamBatch?: number;
  /** Score-CAM: score only the channels with the largest mean activation (default: all). */
  scoreCamChannels?: number;
  /** Ablation-CAM: ablated copies per session run (default 32). */
  ablationBatch?: number;
  /** Token layers (vision transformers): the patch grid [rows, columns]; default: the square left after the class token. */
  grid?: [number, number];
  /** The target layers' layout; default 'auto' (rank 3 → tokens; rank 4 → NCHW, or channels-last when detected). */
  layout?: LayerLayout | 'auto';
  /** Apply ReLU to the final map (default true). Without it the map is signed, scaled to [-1, 1] by max |value|. */
  relu?: boolean;
  /** Preprocessing: a preset name, 'none' (only for tensors), or a full spec. Default 'imagenet'. */
  preprocess?: 'imagenet' | 'caffe' | 'none' | PreprocessSpec;
  /** Fields replacing those of the preset (e.g. a mean, resize mode or channel order of your own training). */
  preprocessOverrides?: Partial<Omit<PreprocessSpec, 'size'>>;
  /** Model input size (square or [height, width]) for models with free spatial dims. */
  size?: number | [number, number];
  /** Images per session run (default 8; 1 when the model fixes its batch to 1). */
  batchSize?: number;
  threads?: number;
  /** Class names (default: ImageNet's for 1000-class models). */
  labels?: readonly string[];
  /** Explain the probabilities instead of the logits when the model ends in Softmax. */
  useProbabilities?: boolean;
  /** Called after each batch with the number of images done and the total (e.g. for a progress bar). */
  onProgress?: (done: number, total: number) => void;
  /** How many top predictions each result lists (default 5). */
  topPredictions?: number;
}

export interface Prediction {
  index: number;
  label?: string;
  /** The model output for this class (a probability when the model ends in Softmax). */
  score: number;
}

export interface ExplainResult {
  method: MethodName;
  /** Index of the image in the input list. */
  image: number;
  /** File name or a description of the image. */
  source: string;
  classIndex: number;
  label?: string;
  score: number;
  /** The layer as the user named it, and the tensor it resolved to ('input' for input-gradient methods; names joined
   * by '+' for combined layers). */
  layer: string;
  tensor: string;
  /** The map at the image's own resolution, [0,1] (or [-1,1] with relu off). */
  map: Float32Array;
  width: number;
  height: number;
  /** The map at the model input's resolution (before being carried back onto the photo). */
  inputMap: Float32Array;
  inputWidth: number;
  inputHeight: number;
  /** The map at the layer's resolution before upsampling (after ReLU/normalisation). */
  layerMap: Float32Array;
  layerWidth: number;
  layerHeight: number;
  /** True when the map was constant (returned as zeros): the class has no gradient signal at this layer. */
  constant: boolean;
  predictions: Prediction[];
  warnings: string[];
}

interface Prepared {
  source: string;
  tensor: Float32Array;
  /** Original image and how it maps to the model input; absent for tensor inputs. */
  image?: RawImage;
  geometry?: Geometry;
}

/** A model ready to explain images: layers listed, explain model compiled and cached for reuse across calls. */
export class ImageExplainer {
  private constructor(
    private readonly platform: Platform,
    readonly decoded: DecodedModel,
    readonly view: GraphView,
    readonly inputShape: number[],
    readonly layers: LayerInfo[],
  ) {
    this.cache = new ExplainerCache(platform.runtime, decoded);
  }

  private readonly cache: ExplainerCache;

  static async create(
    platform: Platform,
    decoded: DecodedModel,
    options: { size?: number | [number, number] } = {},
  ): Promise<ImageExplainer> {
    const view = new GraphView(decoded.proto);
    const inputShape = defaultInputShape(view, options.size);
    const layers = await listLayers(platform.runtime, decoded, { view, inputShape });
    return new ImageExplainer(platform, decoded, view, inputShape, layers);
  }

  private explainer(targets: string[], options: ExplainOptions & { rules?: RuleVariant }): Promise<Explainer> {
    return this.cache.get({
      targets,
      inputShape: this.inputShape,
      useProbabilities: options.useProbabilities,
      threads: options.threads,
      rules: options.rules,
    });
  }

  /** Resolves user layer names (default layer when none). */
  resolveLayers(names?: readonly string[]): { name: string; tensor: string }[] {
    if (!names || names.length === 0) {
      const d = defaultLayer(this.layers, this.view);
      return [{ name: d.tensor, tensor: d.tensor }];
    }
    return names.map((n) => ({ name: n, tensor: resolveLayer(n, this.layers, this.view) }));
  }

  async explain(images: readonly ImageSource[], options: ExplainOptions = {}): Promise<ExplainResult[]> {
    if (images.length === 0) throw new InvalidInputError('No image given.');
    const method = methodFor(options.method ?? 'gradcam');
    if (!method) throw new InvalidInputError(`Unknown method '${options.method}'; available: ${METHOD_NAMES.join(', ')}.`);
    if (options.classesPerImage && options.classesPerImage.length !== images.length)
      throw new InvalidInputError(
        `classesPerImage has ${options.classesPerImage.length} entries for ${images.length} images: give one list per image.`,
      );
    for (const [key, v] of [
      ['scoreCamBatch', options.scoreCamBatch],
      ['ablationBatch', options.ablationBatch],
      ['scoreCamChannels', options.scoreCamChannels],
    ] as const)
      if (v !== undefined && !(Number.isInteger(v) && v >= 1))
        throw new InvalidInputError(`${key} must be a positive integer; got ${v}.`);
    const inputOnly = !method.requires.layerGradients && method.requires.inputGradient !== undefined;
    const layers = inputOnly ? [{ name: 'input', tensor: this.view.inputs[0].name }] : this.resolveLayers(options.layers);
    const combine = !!options.combineLayers && layers.length > 1;
    const scorer = await this.explainer(inputOnly ? [layers[0].tensor] : [...new Set(layers.map((l) => l.tensor))], options);
    const model = scorer.model;
    const k = model.numClasses;
    const labels = labelsFor(k, options.labels);
    if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 1 || options.topK > k))
      throw new InvalidInputError(`--top-k must be between 1 and the number of classes (${k}); got ${options.topK}.`);
    const fixedClasses = options.classes?.map((c) => resolveClass(c, k, labels));
    const perImage = options.classesPerImage?.map((list) => list.map((c) => resolveClass(c, k, labels)));
    // A model that fixes its batch dimension runs exactly that many images at a time.
    const declaredBatch = this.view.inputs[0].dims?.[0];
    const fixedBatch = typeof declaredBatch === 'number' ? declaredBatch : undefined;
    const batchSize = fixedBatch ?? Math.max(1, options.batchSize ?? 8);
    const applyRelu = options.relu !== false;
    const gradientRun = method.requires.layerGradients || method.requires.inputGradient !== undefined;
    // Gradient runs return the scores too: with the classes known beforehand, or the predicted class chosen inside
    // the run (a zero row of target weights, see autodiff/seed.ts), the predictions come from that same run.
    const classesKnown = !!(fixedClasses || perImage);
    const scoresFromRun = gradientRun && !options.augSmooth && (classesKnown || (options.topK ?? 1) === 1);
    const predictInGraph = scoresFromRun && !classesKnown;
    const results: ExplainResult[] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const chunk = images.slice(start, start + batchSize);
      const prepared = await Promise.all(chunk.map((img, i) => this.prepare(img, start + i, options)));
      const per = prepared[0].tensor.length;
      const input = new Float32Array(per * prepared.length);
      prepared.forEach((p, i) => input.set(p.tensor, i * per));
      const scoredOf = (row: Float32Array) => {
        const probs = outputProbabilities(row, model.outputActivation);
        const predictions = topIndices(row, Math.min(options.topPredictions ?? 5, k)).map((index) => ({
          index,
          label: labels?.[index],
          score: probs[index],
        }));
        return { probs, predictions };
      };
      // Predictions and targets per image, then one row per (image, target): replicated images share one run.
      let rows: { image: number; cls: number }[] = [];
      const scored: ReturnType<typeof scoredOf>[] = [];
      if (predictInGraph) rows = prepared.map((_, i) => ({ image: i, cls: PREDICTED }));
      else if (scoresFromRun)
        prepared.forEach((_, i) => {
          for (const cls of perImage?.[start + i] ?? fixedClasses!) rows.push({ image: i, cls });
        });
      else {
        const scores = await scorer.scores(input);
        prepared.forEach((_, i) => {
          const row = scores.subarray(i * k, (i + 1) * k);
          const classes = perImage?.[start + i] ?? fixedClasses ?? topIndices(row, options.topK ?? 1);
          for (const cls of classes) rows.push({ image: i, cls });
          scored[i] = scoredOf(row);
        });
      }
      for (let r0 = 0; r0 < rows.length; r0 += batchSize) {
        const part = rows.slice(r0, r0 + batchSize);
        const x = new Float32Array(per * part.length);
        part.forEach((row, j) => x.set(prepared[row.image].tensor, j * per));
        const classes = part.map((r) => r.cls);
        let perLayer: LayerMaps[];
        if (options.augSmooth) perLayer = await this.augmentedMaps(method, layers, x, classes, options, fixedBatch);
        else {
          const run = await this.rowMaps(method, layers, x, classes, options, fixedBatch);
          perLayer = run.maps;
          if (scoresFromRun)
            part.forEach((row, j) => {
              row.cls = run.classes[j];
              scored[row.image] ??= scoredOf(run.scores.subarray(j * k, (j + 1) * k));
            });
        }
        const outputs = combine
          ? [combineLayers(perLayer, layers, applyRelu, this.inputShape[2], this.inputShape[3])]
          : perLayer.map((m, i) => ({ ...m, layer: layers[i] }));
        for (const o of outputs) {
          part.forEach((row, j) => {
            const { probs, predictions } = scored[row.image];
            results.push({
              ...this.result(o, j, prepared[row.image], row.cls),
              method: method.name,
              image: start + row.image,
              classIndex: row.cls,
              label: labels?.[row.cls],
              score: probs[row.cls],
              predictions,
            });
          });
        }
      }
      options.onProgress?.(Math.min(start + batchSize, images.length), images.length);
    }
    return results;
  }

  /**
   * The normalised maps of a batch of rows (inputs x, one target class each) for every layer: what the method needs is
   * run (explain model, activations only, input gradients, masked inputs, ablated tails), its output turned into raw
   * maps, ReLU'd and normalised at the layer's resolution, then upsampled to the input size. A class PREDICTED is
   * chosen by the first gradient run (its top score); returned are the classes explained and the rows' scores.
   */
  private async rowMaps(
    method: CamMethod,
    layers: { name: string; tensor: string }[],
    x: Float32Array,
    classes: number[],
    options: ExplainOptions,
    fixedBatch: number | undefined,
  ): Promise<{ maps: LayerMaps[]; classes: number[]; scores: Float32Array }> {
    const [, c, ih, iw] = this.inputShape;
    const per = c * ih * iw;
    const rows = classes.length;
    const inputDims = [rows, c, ih, iw];
    const applyRelu = options.relu !== false;
    const req = method.requires;
    const inputOnly = !req.layerGradients && req.inputGradient !== undefined;
    const targets = [...new Set(layers.map((l) => l.tensor))];
    // The explainer of these layers (or of the input) also gives the forward-only scores Score-CAM needs.
    const scorer = await this.explainer(inputOnly ? [this.view.inputs[0].name] : targets, options);
    const k = scorer.model.numClasses;
    // Target weights: one-hot rows; a zero row makes the run explain its top class (autodiff/seed.ts).
    const weightsOf = (cls: readonly number[]) => {
      const tw = new Float32Array(rows * k);
      cls.forEach((c, j) => c !== PREDICTED && (tw[j * k + c] = 1));
      return tw;
    };
    // The class each PREDICTED row got, read from the run's scores as the graph chose it (first maximum).
    const resolve = (s: Float32Array) =>
      (classes = classes.map((c, j) => (c === PREDICTED ? topIndices(s.subarray(j * k, (j + 1) * k), 1)[0] : c)));

    let inputGradient: { data: Float32Array; dims: number[] } | undefined;
    let scores: Float32Array | undefined;
    if (req.inputGradient) {
      const ig = await this.explainer([this.view.inputs[0].name], { ...options, rules: req.inputGradient });
      const run = await ig.run(x, weightsOf(classes));
      inputGradient = { data: run.layers[0].gradient, dims: inputDims };
      scores = run.scores;
      resolve(scores);
    }
    let layerRun: ExplainRun | undefined;
    if (!inputOnly) {
      layerRun = req.layerGradients ? await scorer.run(x, weightsOf(classes)) : await scorer.activations(x);
      scores = layerRun.scores;
      resolve(scores);
    }
    const rowScores = Float32Array.from(classes, (cls, j) => scores![j * k + cls]);
    const settings = {
      scoreCamBatch: options.scoreCamBatch ?? 32,
      scoreCamChannels: options.scoreCamChannels,
      ablationBatch: options.ablationBatch ?? 32,
    };
    // Forward-only runs in chunks the model accepts (a fixed batch dimension is padded with zeros).
    const forward = async (inputs: Float32Array): Promise<Float32Array> => {
      if (fixedBatch === undefined) return scorer.scores(inputs);
      const m = inputs.length / per;
      const out = new Float32Array(m * k);
      for (let s = 0; s < m; s += fixedBatch) {
        const n = Math.min(fixedBatch, m - s);
        const padded = new Float32Array(fixedBatch * per);
        padded.set(inputs.subarray(s * per, (s + n) * per));
        out.set((await scorer.scores(padded)).subarray(0, n * k), s * k);
      }
      return out;
    };

    const out: LayerMaps[] = [];
    const layerList = inputOnly ? [layers[0]] : layers;
    for (const layer of layerList) {
      const lr = layerRun?.layers.find((l) => l.tensor === layer.tensor);
      const values = lr ? this.spatial(lr, rows, options) : undefined;
      if (values && values.layout !== 'nchw' && req.perturbation === 'ablation')
        throw new InvalidInputError(
          `Ablation-CAM needs a [N, C, h, w] layer; '${layer.name}' is ${values.layout} ([${lr!.dims.join(', ')}]). Use Score-CAM or a gradient method.`,
        );
      const tail =
        req.perturbation === 'ablation'
          ? await this.cache.tail({
              target: layer.tensor,
              inputShape: this.inputShape,
              useProbabilities: options.useProbabilities,
              threads: options.threads,
            })
          : undefined;
      const ctx: CamContext = {
        layer: values,
        inputGradient,
        input: x,
        inputDims,
        classes,
        scores: rowScores,
        forward,
        tail: tail ? (acts, row) => tail.scores(acts, x.subarray(row * per, (row + 1) * per)) : undefined,
        settings,
        gradCamAtInput: values
          ? () => finishMaps(rawMaps(gradcam.compute({ ...ctx }) as CamOutput, values, false, inputDims), true, ih, iw).inputMaps
          : undefined,
      };
      const raw = rawMaps(await method.compute(ctx), values, !!options.eigenSmooth, inputDims);
      out.push(finishMaps(raw, applyRelu, ih, iw));
    }
    return { maps: out, classes, scores: scores! };
  }

  /**
   * The layer in CAM form [N, C, h, w]: token tensors of vision transformers on their grid (class token dropped) and
   * channels-last maps transposed (cam/tokens.ts); an activations-only run has no gradient to move.
   */
  private spatial(lr: LayerValues, rows: number, options: ExplainOptions): SpatialLayer {
    const [, , ih, iw] = this.inputShape;
    const hasGradient = lr.gradient.length > 0;
    const s = toSpatialLayer(
      { dims: lr.dims, activation: lr.activation, gradient: hasGradient ? lr.gradient : lr.activation },
      { grid: options.grid, layout: options.layout, inputSize: [ih, iw], batch: rows },
    );
    return hasGradient ? s : { ...s, gradient: new Float32Array(0) };
  }

  /**
   * aug-smooth: the maps of horizontally flipped and brightness-scaled copies of the inputs (AUGMENTATIONS), each
   * flipped back, averaged and normalised again. The target classes stay those chosen on the original images.
   */
  private async augmentedMaps(
    method: CamMethod,
    layers: { name: string; tensor: string }[],
    x: Float32Array,
    classes: number[],
    options: ExplainOptions,
    fixedBatch: number | undefined,
  ): Promise<LayerMaps[]> {
    const [, , ih, iw] = this.inputShape;
    const applyRelu = options.relu !== false;
    const runs: LayerMaps[][] = [];
    for (const aug of AUGMENTATIONS) {
      const { maps } = await this.rowMaps(method, layers, augmentInput(x, ih, iw, aug), classes, options, fixedBatch);
      runs.push(aug.flip ? maps.map((m) => ({ ...m, inputMaps: flipMaps(m.inputMaps, iw) })) : maps);
    }
    return runs[0].map((_, li) => {
      const rows = classes.length;
      const inputMaps = new Float32Array(rows * ih * iw);
      const constant: boolean[] = [];
      for (let j = 0; j < rows; j++) {
        const avg = averageMaps(
          runs.map((r) => r[li].inputMaps.subarray(j * ih * iw, (j + 1) * ih * iw)),
          applyRelu,
        );
        inputMaps.set(avg.data, j * ih * iw);
        constant.push(avg.constant);
      }
      return { layerMaps: inputMaps, lh: ih, lw: iw, inputMaps, constant };
    });
  }

  /** One result's maps (row j of a batch): at layer, input and photo resolution. */
  private result(
    o: LayerMaps & { layer: { name: string; tensor: string } },
    j: number,
    p: Prepared,
    cls: number,
  ): Omit<ExplainResult, 'image' | 'classIndex' | 'label' | 'score' | 'predictions' | 'method'> {
    const [, , ih, iw] = this.inputShape;
    const layerMap = o.layerMaps.slice(j * o.lh * o.lw, (j + 1) * o.lh * o.lw);
    const inputMap = o.inputMaps.slice(j * ih * iw, (j + 1) * ih * iw);
    const constant = o.constant[j];
    const warnings = constant
      ? [`The map for class ${cls} at layer '${o.layer.name}' is constant (no signal): returned as zeros.`]
      : [];
    return {
      source: p.source,
      layer: o.layer.name,
      tensor: o.layer.tensor,
      map: p.geometry ? mapToOriginal(inputMap, p.geometry) : inputMap,
      inputMap,
      inputWidth: iw,
      inputHeight: ih,
      width: p.geometry ? p.geometry.original[0] : iw,
      height: p.geometry ? p.geometry.original[1] : ih,
      layerMap,
      layerWidth: o.lw,
      layerHeight: o.lh,
      constant,
      warnings,
    };
  }

  private async prepare(img: ImageSource, index: number, options: ExplainOptions): Promise<Prepared> {
    const [, c, h, w] = this.inputShape;
    if (typeof img === 'object' && 'tensor' in img) {
      const dims = img.dims.length === 4 ? img.dims.slice(1) : img.dims;
      if (dims.length !== 3 || dims[0] !== c || dims[1] !== h || dims[2] !== w)
        throw new InvalidInputError(
          `Tensor input ${img.name ?? `#${index}`} is [${img.dims.join(', ')}]; the model takes [${c}, ${h}, ${w}].`,
        );
      return { source: img.name ?? `tensor #${index}`, tensor: img.tensor };
    }
    const source = typeof img === 'string' ? img : 'data' in img ? (img.name ?? `image #${index}`) : `image bytes #${index}`;
    const raw = typeof img === 'string' || img instanceof Uint8Array ? await this.platform.decodeImage(img) : img;
    const pre = options.preprocess ?? 'imagenet';
    if (pre === 'none')
      throw new InvalidInputError(`Preprocessing 'none' needs preprocessed tensors (.npy), but ${source} is an image.`);
    const spec = { ...(typeof pre === 'string' ? preset(pre, [h, w], c) : pre), ...options.preprocessOverrides };
    if (spec.mean.length !== c)
      throw new InvalidInputError(
        `The '${typeof pre === 'string' ? pre : 'custom'}' preprocessing gives ${spec.mean.length} channels but the model takes ${c}.`,
      );
    const geometry = planGeometry(raw.width, raw.height, spec);
    const resized = await this.platform.resizeImage(raw, geometry.resized[0], geometry.resized[1]);
    return { source, tensor: toTensor(resized, geometry, spec, c), image: raw, geometry };
  }

  async release(): Promise<void> {
    await this.cache.releaseAll();
  }
}

/** A row's target class before the explain run: the class the run predicts (see rowMaps). */
const PREDICTED = -1;

function topIndices(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

/** Maps of a batch of rows at one layer: normalised at the layer's resolution and upsampled to the input's. */
interface LayerMaps {
  layerMaps: Float32Array;
  lh: number;
  lw: number;
  inputMaps: Float32Array;
  constant: boolean[];
}

/** Raw maps [N, ...spatial] → normalised layer maps and input-size maps (spatial other than 2-D laid out as 1×P). */
function finishMaps(raw: CamMaps, applyRelu: boolean, ih: number, iw: number): LayerMaps {
  const [n, ...spatial] = raw.dims;
  const [lh, lw] = spatial.length === 2 ? spatial : [1, spatial.reduce((a, b) => a * b, 1)];
  const norm = normalizeMaps({ data: raw.data, dims: [n, lh, lw] }, applyRelu);
  const inputMaps = lh === ih && lw === iw ? norm.data : resizeBilinear(norm, ih, iw).data;
  return { layerMaps: norm.data, lh, lw, inputMaps, constant: norm.constant };
}

/** Multi-layer aggregation: per row, the layers' normalised input-size maps averaged and normalised again. */
function combineLayers(
  perLayer: LayerMaps[],
  layers: { name: string; tensor: string }[],
  applyRelu: boolean,
  ih: number,
  iw: number,
): LayerMaps & { layer: { name: string; tensor: string } } {
  const size = perLayer[0].inputMaps.length;
  const rows = perLayer[0].constant.length;
  const per = size / rows;
  const inputMaps = new Float32Array(size);
  const constant: boolean[] = [];
  for (let j = 0; j < rows; j++) {
    const avg = averageMaps(
      perLayer.map((m) => m.inputMaps.subarray(j * per, (j + 1) * per)),
      applyRelu,
    );
    inputMaps.set(avg.data, j * per);
    constant.push(avg.constant);
  }
  return {
    layerMaps: inputMaps,
    lh: ih,
    lw: iw,
    inputMaps,
    constant,
    layer: { name: layers.map((l) => l.name).join('+'), tensor: layers.map((l) => l.tensor).join('+') },
  };
}

/** The model's probabilities from its scores (logits under a Softmax/Sigmoid, or the output itself). */
function outputProbabilities(row: ArrayLike<number>, activation: OutputActivation): Float64Array {
  if (activation === 'softmax') return softmax(row);
  if (activation === 'sigmoid') return Float64Array.from(row, (v) => 1 / (1 + Math.exp(-v)));
  return Float64Array.from(row);
}

function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  const e = Float64Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

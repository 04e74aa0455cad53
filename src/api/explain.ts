/**
 * The high-level call: images in, one result per (image, target class, layer) out, each with the map at the image's
 * own resolution. Platform-free: the caller supplies the runtime and image decoding/resizing (see node.ts).
 */
import { GraphView } from '../onnx/graph.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { Runtime } from '../runtime/types.js';
import { ExplainerCache, type Explainer } from '../explainer.js';
import { defaultInputShape, defaultLayer, listLayers, resolveLayer, type LayerInfo } from '../layers.js';
import { gradCam } from '../cam/gradcam.js';
import { normalizeMinMax, relu, resizeBilinear } from '../cam/postprocess.js';
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
  method?: 'gradcam';
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
  /** Index of the image in the input list. */
  image: number;
  /** File name or a description of the image. */
  source: string;
  classIndex: number;
  label?: string;
  score: number;
  /** The layer as the user named it, and the tensor it resolved to. */
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

  private explainer(targets: string[], options: ExplainOptions): Promise<Explainer> {
    return this.cache.get({
      targets,
      inputShape: this.inputShape,
      useProbabilities: options.useProbabilities,
      threads: options.threads,
    });
  }

  /** Resolves user layer names (default layer when none). */
  resolveLayers(names?: readonly string[]): { name: string; tensor: string }[] {
    if (!names || names.length === 0) {
      const d = defaultLayer(this.layers);
      return [{ name: d.tensor, tensor: d.tensor }];
    }
    return names.map((n) => ({ name: n, tensor: resolveLayer(n, this.layers, this.view) }));
  }

  async explain(images: readonly ImageSource[], options: ExplainOptions = {}): Promise<ExplainResult[]> {
    if (images.length === 0) throw new InvalidInputError('No image given.');
    if (options.method && options.method !== 'gradcam')
      throw new InvalidInputError(`Unknown method '${options.method}'; available: gradcam.`);
    if (options.classesPerImage && options.classesPerImage.length !== images.length)
      throw new InvalidInputError(
        `classesPerImage has ${options.classesPerImage.length} entries for ${images.length} images: give one list per image.`,
      );
    const layers = this.resolveLayers(options.layers);
    const explainer = await this.explainer([...new Set(layers.map((l) => l.tensor))], options);
    const k = explainer.model.numClasses;
    const labels = labelsFor(k, options.labels);
    if (options.topK !== undefined && (!Number.isInteger(options.topK) || options.topK < 1 || options.topK > k))
      throw new InvalidInputError(`--top-k must be between 1 and the number of classes (${k}); got ${options.topK}.`);
    const fixedClasses = options.classes?.map((c) => resolveClass(c, k, labels));
    const perImage = options.classesPerImage?.map((list) => list.map((c) => resolveClass(c, k, labels)));
    // A model that fixes its batch dimension runs exactly that many images at a time.
    const declaredBatch = this.view.inputs[0].dims?.[0];
    const batchSize = typeof declaredBatch === 'number' ? declaredBatch : Math.max(1, options.batchSize ?? 8);
    const results: ExplainResult[] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const chunk = images.slice(start, start + batchSize);
      const prepared = await Promise.all(chunk.map((img, i) => this.prepare(img, start + i, options)));
      const per = prepared[0].tensor.length;
      const input = new Float32Array(per * prepared.length);
      prepared.forEach((p, i) => input.set(p.tensor, i * per));
      const scores = await explainer.scores(input);
      // Predictions and targets per image, then one row per (image, target): replicated images share one run.
      const rows: { image: number; cls: number }[] = [];
      const scored = prepared.map((_, i) => {
        const row = scores.subarray(i * k, (i + 1) * k);
        const classes = perImage?.[start + i] ?? fixedClasses ?? topIndices(row, options.topK ?? 1);
        for (const cls of classes) rows.push({ image: i, cls });
        const probs = explainer.model.scoresAreLogits ? softmax(row) : Float64Array.from(row);
        const predictions = topIndices(row, Math.min(options.topPredictions ?? 5, k)).map((index) => ({
          index,
          label: labels?.[index],
          score: probs[index],
        }));
        return { probs, predictions };
      });
      for (let r0 = 0; r0 < rows.length; r0 += batchSize) {
        const part = rows.slice(r0, r0 + batchSize);
        const x = new Float32Array(per * part.length);
        const tw = new Float32Array(k * part.length);
        part.forEach((row, j) => {
          x.set(prepared[row.image].tensor, j * per);
          tw[j * k + row.cls] = 1;
        });
        const run = await explainer.run(x, tw);
        for (const layer of layers) {
          const lr = run.layers.find((l) => l.tensor === layer.tensor)!;
          const raw = gradCam({ activation: lr.activation, gradient: lr.gradient, dims: lr.dims });
          part.forEach((row, j) => {
            const { probs, predictions } = scored[row.image];
            results.push({
              ...this.maps(raw, j, prepared[row.image], row.cls, layer, options.relu !== false),
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

  /** The maps of row j of a batch's raw CAMs: at layer, input and photo resolution. */
  private maps(
    raw: { data: Float32Array; dims: number[] },
    j: number,
    p: Prepared,
    cls: number,
    layer: { name: string; tensor: string },
    applyRelu: boolean,
  ): Omit<ExplainResult, 'image' | 'classIndex' | 'label' | 'score' | 'predictions'> {
    const [, lh, lw] = raw.dims.length === 3 ? raw.dims : [raw.dims[0], 1, raw.dims.slice(1).reduce((a, b) => a * b, 1)];
    const one = { data: raw.data.slice(j * lh * lw, (j + 1) * lh * lw), dims: [1, lh, lw] };
    const [, , ih, iw] = this.inputShape;
    let layerMap: Float32Array;
    let constant: boolean;
    if (applyRelu) {
      // ReLU and min-max at the layer's resolution, then upsample (the usual Grad-CAM order).
      const n = normalizeMinMax(relu(one));
      layerMap = n.data;
      constant = n.constant[0];
    } else {
      // Signed map: scaled by max |value| to [-1, 1], zero stays zero.
      let m = 0;
      for (const v of one.data) m = Math.max(m, Math.abs(v));
      constant = !(m > 0);
      layerMap = constant ? new Float32Array(one.data.length) : one.data.map((v) => v / m);
    }
    const inputMap = resizeBilinear({ data: layerMap, dims: [1, lh, lw] }, ih, iw).data;
    const warnings = constant
      ? [`The map for class ${cls} at layer '${layer.name}' is constant (no gradient signal): returned as zeros.`]
      : [];
    return {
      source: p.source,
      layer: layer.name,
      tensor: layer.tensor,
      map: p.geometry ? mapToOriginal(inputMap, p.geometry) : inputMap,
      inputMap,
      inputWidth: iw,
      inputHeight: ih,
      width: p.geometry ? p.geometry.original[0] : iw,
      height: p.geometry ? p.geometry.original[1] : ih,
      layerMap,
      layerWidth: lw,
      layerHeight: lh,
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

function topIndices(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b] - row[a])
    .slice(0, k);
}

function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  const e = Float64Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

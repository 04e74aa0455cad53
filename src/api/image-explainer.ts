/**
 * The high-level call, platform-free: images in, one result per (image, class, layer) out, each with its map at the
 * image's own resolution. The platform (node.ts, web.ts) supplies the inference engine and image decoding.
 */
import { probeTensors } from '../autodiff/probe.js';
import { checkDeclaredShape, outputOf, scoreTensorOf, type OutputActivation } from '../autodiff/rewrite.js';
import { checkModelStructure, decodeModel, type DecodedModel } from '../onnx/decode.js';
import { GraphView } from '../onnx/graph.js';
import { GcamError, InvalidInputError, InvalidModelError, InvalidOptionError, RuntimeError } from '../errors.js';
import { defaultInputShape, defaultLayer, listLayers, resolveLayer, type LayerInfo } from '../layers.js';
import { topIndices } from '../cam/scores.js';
import { SessionCache } from '../runtime/session-cache.js';
import { averageLayerMaps, type LayerMaps } from './layer-maps.js';
import type { ExplainAllOptions, ExplainOptions, ExplainResult, ExplainedInput, ImageSource, Platform } from './options.js';
import { resolvePlan, type ExplainPlan, type LayerRef } from './plan.js';
import { nameOf, prepareSource, type Prepared } from './prepare.js';
import { resultOf, scoreRow, targetResult, type Scored } from './results.js';
import { resolveTargetOption } from './target-plan.js';
import type { Target } from '../targets/types.js';
import { runRows, type RunnerContext } from './runner.js';

export interface CreateOptions {
  /** Model input size (one side, [height, width], or [depth, height, width] for volumes) for free spatial dims. */
  size?: number | readonly number[];
}

/** A model ready to explain images: layers listed, compiled sessions cached for reuse across calls. */
export class ImageExplainer {
  private readonly sessions: SessionCache;

  private constructor(
    private readonly platform: Platform,
    readonly decoded: DecodedModel,
    readonly view: GraphView,
    readonly inputShape: number[],
    readonly layers: LayerInfo[],
    readonly numClasses: number,
  ) {
    this.sessions = new SessionCache(platform.runtime, decoded, view);
  }

  static async create(platform: Platform, decoded: DecodedModel, createOptions?: CreateOptions): Promise<ImageExplainer> {
    const options = checkOptions(createOptions);
    if (!isDecoded(decoded))
      throw new InvalidModelError(
        `The model must be a file path, ONNX bytes or a model from decodeModel(); got ${describeValue(decoded)}.`,
      );
    checkModelStructure(decoded.proto, 'The model');
    const view = new GraphView(decoded.proto);
    const inputShape = defaultInputShape(view, options.size);
    const layers = await listLayers(platform.runtime, decoded, { view, inputShape });
    // The score tensor was measured with every node output by the layer list's probe: no extra run.
    const { scoreTensor } = scoreTensorOf(view, outputOf(view));
    const meta = (await probeTensors(platform.runtime, decoded, view, { [view.inputs[0].name]: inputShape }, [scoreTensor])).get(
      scoreTensor,
    );
    if (!meta) throw new InvalidModelError(`The model output '${scoreTensor}' could not be measured.`);
    checkDeclaredShape(view, scoreTensor, meta.dims);
    const numClasses = meta.dims.slice(1).reduce((a, b) => a * b, 1);
    return new ImageExplainer(platform, decoded, view, inputShape, layers, numClasses);
  }

  /** Resolves user layer names (the default layer when none). */
  resolveLayers(names?: readonly string[]): LayerRef[] {
    if (!names || names.length === 0) {
      const d = defaultLayer(this.layers, this.view);
      return [{ name: d.tensor, tensor: d.tensor }];
    }
    return names.map((n) => ({ name: n, tensor: resolveLayer(n, this.layers, this.view) }));
  }

  async explain(images: readonly ImageSource[], options: ExplainOptions = {}): Promise<ExplainResult[]> {
    if (!Array.isArray(images) || images.length === 0) throw new InvalidInputError('No image given: pass a list of images.');
    const run = await this.begin(images.length, options);
    const results: ExplainResult[] = [];
    for (let start = 0; start < images.length; start += run.plan.batchSize) {
      const chunk = images.slice(start, start + run.plan.batchSize);
      const prepared: Prepared[] = [];
      for (const [i, img] of chunk.entries())
        prepared.push(
          await prepareSource(img, start + i, this.inputShape, run.plan.preprocess, this.platform, run.plan.intensity),
        );
      results.push(...(await this.explainChunk(run, prepared, start)));
      options.onProgress?.(Math.min(start + run.plan.batchSize, images.length), images.length);
    }
    return results;
  }

  /**
   * Many inputs, streamed: sources are pulled one batch at a time, so memory holds about two batches however many
   * inputs there are. The next batch is read and preprocessed while the current one runs, and each input's results
   * are yielded as soon as its batch ends, in input order. With `skipUnreadable`, an input that cannot be read or
   * prepared is yielded with its error and no results instead of ending the run.
   */
  async *explainAll(
    sources: Iterable<ImageSource> | AsyncIterable<ImageSource>,
    options: ExplainAllOptions = {},
  ): AsyncGenerator<ExplainedInput> {
    const iterator = iteratorOf(sources);
    if (options.classesPerImage !== undefined)
      throw new InvalidOptionError('classesPerImage', 'needs the whole list of inputs: use explain(), or classes/topK here.');
    const run = await this.begin(undefined, options);
    const skip = !!options.skipUnreadable;
    let index = 0;
    const take = async (): Promise<Pending[]> => {
      const batch: Pending[] = [];
      while (batch.length < run.plan.batchSize) {
        const next = await iterator.next();
        if (next.done) break;
        const i = index++;
        try {
          batch.push({
            index: i,
            prepared: await prepareSource(next.value, i, this.inputShape, run.plan.preprocess, this.platform, run.plan.intensity),
          });
        } catch (e) {
          if (!skip || !(e instanceof GcamError)) throw e;
          batch.push({ index: i, source: nameOf(next.value, i), error: e });
        }
      }
      return batch;
    };
    let next = take();
    try {
      for (;;) {
        const batch = await next;
        if (batch.length === 0) return;
        // Read the next batch while onnxruntime runs this one; its rejection, if any, is seen when it is awaited.
        next = take();
        next.catch(() => undefined);
        const ready = batch.filter((p): p is Pending & { prepared: Prepared } => p.prepared !== undefined);
        const results = ready.length
          ? await this.explainChunk(
              run,
              ready.map((p) => p.prepared),
              0,
            )
          : [];
        // One pass over the batch's results, each to the input it belongs to.
        for (const r of results) (ready[r.image].results ??= []).push(r);
        for (const p of batch) {
          const own = (p.results ?? []).map((r) => ({ ...r, image: p.index }));
          yield p.error
            ? { index: p.index, source: p.source!, results: [], error: p.error }
            : { index: p.index, source: p.prepared!.source, results: own };
        }
      }
    } finally {
      await iterator.return?.();
    }
  }

  /** The checks and the plan shared by explain() and explainAll(). */
  private async begin(imageCount: number | undefined, givenOptions: ExplainOptions): Promise<RunState> {
    checkOptions(givenOptions);
    const declared = this.view.inputs[0].dims?.[0];
    const inputName = this.view.inputs[0].name;
    const resolved = await resolveTargetOption(
      this.platform,
      this.decoded,
      this.view,
      this.inputShape,
      givenOptions,
      this.numClasses,
    );
    const { options, target, numClasses } = resolved;
    const plan = resolvePlan(
      {
        numClasses,
        output: resolved.output,
        inputShape: this.inputShape,
        fixedBatch: typeof declared === 'number' ? declared : undefined,
        inputName,
        cores: this.platform.cores,
        resolveLayers: (names) => this.resolveLayers(names),
      },
      imageCount,
      options,
    );
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function')
      throw new InvalidOptionError('onProgress', 'must be a function (done, total) => void.');
    if (target) checkTargetMethod(plan, target);
    // A target reading the output itself differentiates it even when it is a Softmax/Sigmoid (autodiff/rewrite.ts).
    if (target) plan.session.useProbabilities = target.reads === 'output';
    const rc: RunnerContext = { sessions: this.sessions, inputShape: this.inputShape, inputName, numClasses };
    const activation = scoreTensorOf(
      this.view,
      outputOf(this.view, resolved.output),
      plan.session.useProbabilities,
    ).outputActivation;
    return { plan, rc, activation, target, classifier: resolved.classifier };
  }

  /**
   * One batch explained for a target function: one row per input, seeded with df/d(scores) (at a forward run's scores
   * when the seed depends on them); f is reported as evaluated at the scores the seed was taken at.
   */
  private async explainTargetChunk(
    { plan, rc, target, activation, classifier }: RunState,
    prepared: readonly Prepared[],
    start: number,
  ) {
    const t = target!;
    const k = rc.numClasses;
    const x = stack(prepared);
    const before = t.needsScores
      ? await (await this.sessions.forward({ targets: [], inputShape: this.inputShape, ...plan.session })).scores(x)
      : undefined;
    const seeds = new Float32Array(prepared.length * k);
    prepared.forEach((p, i) => {
      if (before) checkScores(before, i, k, p.source);
      seeds.set(t.seed(before?.subarray(i * k, (i + 1) * k)), i * k);
    });
    const classes = prepared.map(() => t.classIndex ?? -1);
    const run = await runRows(rc, plan, x, classes, seeds);
    const scores = before ?? run.scores;
    const results: ExplainResult[] = [];
    for (const { maps, layer } of outputsOf(run.maps, plan, this.inputShape))
      prepared.forEach((p, j) => {
        const row = scores.subarray(j * k, (j + 1) * k);
        checkScores(row, 0, k, p.source);
        const predictions = classifier ? scoreRow(row, activation, plan).predictions : [];
        results.push(targetResult(maps, layer, j, start + j, p, { target: t, row, predictions }, plan, this.inputShape));
      });
    return results;
  }

  /** The results of one batch of prepared inputs; `start` is the index of the first in the caller's list. */
  private async explainChunk(state: RunState, prepared: readonly Prepared[], start: number) {
    if (state.target) return this.explainTargetChunk(state, prepared, start);
    const { plan, rc, activation } = state;
    const results: ExplainResult[] = [];
    const scored: Scored[] = [];
    // The rows: one per (image, class). Classes not known beforehand are the predicted one, chosen by the row's own
    // run; only top-k beyond the first needs a forward run to rank the classes first.
    const rows: { image: number; cls?: number }[] = [];
    const t = plan.targets;
    if (t.kind === 'top-k' && t.k > 1) {
      const forward = await this.sessions.forward({
        targets: plan.inputOnly ? [] : [...new Set(plan.layers.map((l) => l.tensor))],
        inputShape: this.inputShape,
        ...plan.session,
      });
      const x = stack(prepared);
      const scores = await forward.scores(x).catch((e: unknown) =>
        this.blame(
          e,
          x,
          plan,
          prepared.map((p) => p.source),
        ),
      );
      prepared.forEach((p, i) => checkScores(scores, i, rc.numClasses, p.source));
      prepared.forEach((_, i) => {
        const row = scores.subarray(i * rc.numClasses, (i + 1) * rc.numClasses);
        for (const cls of topIndices(row, t.k)) rows.push({ image: i, cls });
        scored[i] = scoreRow(row, activation, plan);
      });
    } else
      prepared.forEach((_, i) => {
        const classes = t.kind === 'fixed' ? t.classes : t.kind === 'per-image' ? t.classes[start + i] : [undefined];
        for (const cls of classes) rows.push({ image: i, cls });
      });
    for (let r0 = 0; r0 < rows.length; r0 += plan.batchSize) {
      const part = rows.slice(r0, r0 + plan.batchSize);
      const x = stack(part.map((r) => prepared[r.image]));
      const run = await runRows(
        rc,
        plan,
        x,
        part.map((r) => r.cls),
      ).catch((e: unknown) =>
        this.blame(
          e,
          x,
          plan,
          part.map((r) => prepared[r.image].source),
        ),
      );
      part.forEach((r, j) => checkScores(run.scores, j, rc.numClasses, prepared[r.image].source));
      part.forEach((r, j) => {
        scored[r.image] ??= scoreRow(run.scores.subarray(j * rc.numClasses, (j + 1) * rc.numClasses), activation, plan);
      });
      for (const { maps, layer } of outputsOf(run.maps, plan, this.inputShape))
        part.forEach((r, j) =>
          results.push(
            resultOf(
              maps,
              layer,
              j,
              { image: start + r.image, cls: run.classes[j] },
              prepared[r.image],
              scored[r.image],
              plan,
              this.inputShape,
            ),
          ),
        );
    }
    return results;
  }

  /**
   * onnxruntime failed on a batch it was given: if the user's model alone (no node of gcam's added) fails on the same
   * inputs, the model is at fault on them (a data-dependent index out of range, say), which is bad input to report as
   * such; otherwise the failure is in what gcam built, and stays a RuntimeError.
   */
  private async blame(e: unknown, x: Float32Array, plan: ExplainPlan, sources: readonly string[]): Promise<never> {
    if (!(e instanceof RuntimeError)) throw e;
    const plain = await this.sessions.forward({ targets: [], inputShape: this.inputShape, ...plan.session });
    try {
      await plain.scores(x);
    } catch (own) {
      if (own instanceof RuntimeError)
        throw new InvalidModelError(
          `The model itself fails on ${[...new Set(sources)].join(', ')}: ${own.message.replace(/^.*?failed to run the model: /, '')}`,
          { cause: own },
        );
      throw own;
    }
    throw e;
  }

  /** The model inputs explain() would run for these images with these options (preprocessed), in order. */
  async prepareInputs(images: readonly ImageSource[], options: ExplainOptions = {}): Promise<Prepared[]> {
    if (!Array.isArray(images) || images.length === 0) throw new InvalidInputError('No image given: pass a list of images.');
    const { plan } = await this.begin(images.length, options);
    const prepared: Prepared[] = [];
    for (const [i, img] of images.entries())
      prepared.push(await prepareSource(img, i, this.inputShape, plan.preprocess, this.platform, plan.intensity));
    return prepared;
  }

  /**
   * The forward model's score tensor for stacked model inputs [n, C, H, W] (logits under a final Softmax/Sigmoid),
   * and what the model applies to it: the perturbation metrics run their copies through this.
   */
  async forwardScores(options: { threads?: number } = {}): Promise<{
    run(inputs: Float32Array): Promise<Float32Array>;
    activation: OutputActivation;
  }> {
    const forward = await this.sessions.forward({ targets: [], inputShape: this.inputShape, threads: options.threads });
    return { run: (x) => forward.scores(x), activation: forward.model.outputActivation };
  }

  /** An explainer of other model bytes (e.g. with weights randomised) at this one's input size, on the same platform. */
  withModel(bytes: Uint8Array): Promise<ImageExplainer> {
    return ImageExplainer.create(this.platform, decodeModel(bytes, 'The changed model'), { size: this.inputShape.slice(2) });
  }

  async release(): Promise<void> {
    await this.sessions.releaseAll();
  }
}

/** What one explain call has resolved once, for all of its batches. */
interface RunState {
  plan: ExplainPlan;
  rc: RunnerContext;
  activation: OutputActivation;
  /** The target function, for targets other than a class. */
  target?: Target;
  /** Whether the output is a class vector per image (predictions are listed for target results). */
  classifier: boolean;
}

/**
 * Methods that score perturbed inputs take a class's score (Score-CAM, Ablation-CAM), and aug-smooth would need the
 * seed of every augmented copy: with a target function they are refused rather than run with the wrong score.
 */
function checkTargetMethod(plan: ExplainPlan, target: Target): void {
  if (plan.method.requires.perturbation)
    throw new InvalidOptionError(
      'target',
      `'${target.text}' works with the gradient methods and Eigen-CAM; ${plan.method.name} scores perturbed inputs by class: use class:C, or another method.`,
    );
  if (plan.augSmooth) throw new InvalidOptionError('augSmooth', `works with class targets only; '${target.text}' is not one.`);
}

/** An input of explainAll between being read and being yielded. */
interface Pending {
  index: number;
  prepared?: Prepared;
  results?: ExplainResult[];
  source?: string;
  error?: GcamError;
}

/** Sources as one async iterator, whether the caller gave an array, a generator or a stream. */
function iteratorOf(sources: Iterable<ImageSource> | AsyncIterable<ImageSource>): AsyncIterator<ImageSource> {
  if (sources !== null && typeof sources === 'object') {
    if (Symbol.asyncIterator in sources) return sources[Symbol.asyncIterator]();
    if (Symbol.iterator in sources) {
      const it = sources[Symbol.iterator]();
      return { next: async () => it.next(), return: async () => it.return?.() ?? { done: true, value: undefined } };
    }
  }
  throw new InvalidInputError('explainAll needs an iterable of images (an array, a generator or an async iterable).');
}

/** The maps reported: one per layer, or the layers combined into one (averaged, normalised again). */
function outputsOf(
  perLayer: LayerMaps[],
  plan: ExplainPlan,
  inputShape: readonly number[],
): { maps: LayerMaps; layer: LayerRef }[] {
  if (!plan.combine) return perLayer.map((maps, i) => ({ maps, layer: plan.layers[i] }));
  const layer = { name: plan.layers.map((l) => l.name).join('+'), tensor: plan.layers.map((l) => l.tensor).join('+') };
  return [{ maps: averageLayerMaps(perLayer, inputShape.slice(2), true, plan.relu), layer }];
}

/** Scores that are NaN or ±Infinity make every map meaningless: an error naming the image and the class. */
function checkScores(scores: Float32Array, row: number, k: number, source: string): void {
  for (let c = 0; c < k; c++) {
    const v = scores[row * k + c];
    if (!Number.isFinite(v))
      throw new InvalidModelError(
        `The model's score for class ${c} of ${source} is not finite (${v}): its weights or this input hold NaN or Infinity.`,
      );
  }
}

/** The options argument of a public call must be an object (a typed error, not a TypeError from inside). */
export function checkOptions<T extends object>(options: T | undefined): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw new InvalidOptionError('options', `must be an object; got ${describeValue(options)}.`);
  return options;
}

function isDecoded(m: unknown): m is DecodedModel {
  return typeof m === 'object' && m !== null && 'proto' in m && 'bytes' in m && (m as DecodedModel).bytes instanceof Uint8Array;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `an object without a decoded model (${Object.keys(v).slice(0, 3).join(', ') || 'no keys'})`;
  return `a ${typeof v}`;
}

/**
 * The model inputs of several prepared images, one after the other: a view when they lie so already in one buffer
 * (the CLI's split of a batch .npy, tensor views of one array), else a copy, which took 4 ms of CPU for eight
 * 3×224×224 inputs (MobileNetV2's forward pass of them: 39 ms). Nothing gcam runs writes into its inputs.
 */
function stack(prepared: readonly Prepared[]): Float32Array {
  const per = prepared[0].tensor.length;
  const first = prepared[0].tensor;
  const bytes = per * Float32Array.BYTES_PER_ELEMENT;
  if (
    prepared.every(
      (p, i) =>
        p.tensor.buffer === first.buffer && p.tensor.byteOffset === first.byteOffset + i * bytes && p.tensor.length === per,
    )
  )
    return new Float32Array(first.buffer, first.byteOffset, per * prepared.length);
  const x = new Float32Array(per * prepared.length);
  prepared.forEach((p, i) => x.set(p.tensor, i * per));
  return x;
}

/** Model bytes, or a model decoded already (decodeModel). */
export type ModelInput = Uint8Array | DecodedModel;

/** A model ready to explain images on the given platform. */
export async function createImageExplainer(
  model: ModelInput,
  options: CreateOptions & { platform: Platform },
): Promise<ImageExplainer> {
  const decoded = model instanceof Uint8Array ? decodeModel(model, 'The model bytes') : model;
  return ImageExplainer.create(options.platform, decoded, options);
}

/**
 * One call: explain images with a model. For repeated calls keep an ImageExplainer (createImageExplainer) so the
 * explain model is compiled once.
 */
export async function explain(
  model: ModelInput,
  images: readonly ImageSource[],
  options: ExplainOptions & CreateOptions & { platform: Platform },
): Promise<ExplainResult[]> {
  return explainOnce(createImageExplainer(model, options), images, options);
}

/** The one-call form every entry shares: explain with a new explainer, then release its sessions. */
export async function explainOnce(
  explainer: Promise<ImageExplainer>,
  images: readonly ImageSource[],
  options: ExplainOptions,
): Promise<ExplainResult[]> {
  const ex = await explainer;
  try {
    return await ex.explain(images, options);
  } finally {
    await ex.release();
  }
}

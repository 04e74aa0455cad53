/**
 * evaluate(): which map can be trusted. Each method explains the images (every layer separately), then every
 * (image, class, layer) result is scored by the metrics chosen: perturbation metrics on the model input the map was
 * made for (its copies run in batches through the explainer's forward session), localisation metrics on the map at
 * the image's own resolution against the annotated regions of the explained class. Platform-free.
 */
import { modelKind } from '../api/input-kinds.js';
import type { ImageExplainer } from '../api/image-explainer.js';
import type { ExplainOptions, ExplainResult, ImageSource } from '../api/options.js';
import type { MethodName } from '../cam/method.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { pixelRegions, type Annotation, type PixelAnnotation } from './annotation-regions.js';
import { METRIC_NAMES, metricsFor } from './index.js';
import { cascadeSteps, randomisedBytes, type CascadeStep } from './randomise.js';
import { sanity } from './sanity.js';
import { spearman } from './spearman.js';
import {
  DEFAULT_SETTINGS,
  type Curve,
  type LocalisationMetric,
  type Metric,
  type MetricRow,
  type MetricSettings,
  type PerturbationMetric,
} from './metric.js';
import { perturbationValues, type Scorer } from './scoring.js';
import { resolveSettings, type SettingsOptions } from './settings.js';
import { recommend, summarise, type Recommendation, type SummaryEntry } from './summary.js';

export type { Annotation } from './annotation-regions.js';

export interface EvaluateOptions extends Omit<ExplainOptions, 'method' | 'onProgress'>, SettingsOptions {
  /** Methods compared (default ['gradcam']). */
  methods?: readonly MethodName[];
  /** Metric names (see METRIC_NAMES); default: every perturbation metric, plus the localisation ones with annotations. */
  metrics?: readonly string[];
  /** Per image, its annotated objects (pointing games). Without explicit classes, each image's annotated classes are explained. */
  annotations?: readonly (readonly Annotation[])[];
  /** Sanity check: how many layers the cascade randomises, from the output back (default: every parameterised layer). */
  sanitySteps?: number;
  /** Perturbed copies per forward run (default 16). */
  perturbationBatch?: number;
  /** Called as rows are scored: the method, rows done, rows in all for that method. */
  onProgress?: (method: string, done: number, total: number) => void;
}

export interface EvaluationRow {
  method: string;
  layer: string;
  image: number;
  source: string;
  classIndex: number;
  /** Metric name → per-image value. */
  values: Record<string, number>;
  /** Metric name → its curves (deletion, insertion, road). */
  curves: Record<string, Record<string, Curve>>;
  notes: string[];
}

export interface Evaluation {
  settings: MetricSettings;
  metrics: string[];
  methods: string[];
  /** The layers the sanity check randomised, in cascade order (empty without it). */
  sanityLayers: string[];
  rows: EvaluationRow[];
  summary: SummaryEntry[];
  recommendations: Recommendation[];
}

export async function evaluate(
  explainer: ImageExplainer,
  images: readonly ImageSource[],
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const settings = resolveSettings(options);
  const metrics = chosenMetrics(options);
  const methods = [...(options.methods ?? ['gradcam'])];
  if (methods.length === 0) throw new InvalidOptionError('methods', 'must name at least one method.');
  checkImageModel(explainer.inputShape, metrics);
  const annotations = checkAnnotations(options.annotations, images.length, explainer.numClasses);
  const localisation = metrics.filter((m): m is LocalisationMetric => m.kind === 'localisation');
  if (localisation.length && !annotations)
    throw new InvalidOptionError(
      'annotations',
      `are needed by ${localisation.map((m) => m.name).join(', ')}: give boxes or masks for the images.`,
    );
  const perturbation = metrics.filter((m): m is PerturbationMetric => m.kind === 'perturbation');
  const explainOptions: ExplainOptions = { ...explainOnly(options), ...classesFromAnnotations(options, annotations) };
  const prepared = await explainer.prepareInputs(images, explainOptions);
  const [, channels, height, width] = explainer.inputShape;
  const objects =
    annotations &&
    pixelRegions(
      annotations,
      prepared.map((p) => p.geometry?.original ?? [width, height]),
      prepared.map((p) => p.source),
    );
  const forward = await explainer.forwardScores({ threads: options.threads });
  const scorer: Scorer = {
    ...forward,
    numClasses: explainer.numClasses,
    batchSize: positive('perturbationBatch', options.perturbationBatch) ?? 16,
  };
  const cascade = metrics.some((m) => m.kind === 'sanity') ? sanityCascade(explainer, options.sanitySteps) : [];
  const rows: EvaluationRow[] = [];
  for (const method of methods) {
    const results = await explainer.explain(images, { ...explainOptions, method });
    const correlations = cascade.length
      ? await cascadeCorrelations(explainer, cascade, images, results, { ...explainOptions, method }, settings.seed, (k) =>
          options.onProgress?.(`${method} sanity`, k, cascade.length),
        )
      : [];
    for (const [done, r] of results.entries()) {
      const row: MetricRow = {
        input: prepared[r.image].tensor,
        channels,
        height,
        width,
        map: r.inputMap,
        classIndex: r.classIndex,
        image: r.image,
      };
      const out: EvaluationRow = {
        method,
        layer: r.layer,
        image: r.image,
        source: r.source,
        classIndex: r.classIndex,
        values: {},
        curves: {},
        notes: [...r.warnings],
      };
      const values = perturbation.length ? await perturbationValues(row, perturbation, settings, scorer) : [];
      perturbation.forEach((m, i) => record(out, m, values[i]));
      for (const m of localisation) {
        const lr = localisationRow(r, objects![r.image]);
        // A class explained (by --class or top-k) with no annotated object in the image has nothing to point at.
        const none = { value: NaN, note: `no annotated object of class ${r.classIndex} in this image` };
        record(out, m, lr.regions.length ? m.value(lr, settings) : none);
      }
      if (cascade.length) record(out, sanity, sanityValue(correlations[done]));
      rows.push(out);
      options.onProgress?.(method, done + 1, results.length);
    }
  }
  const flat = rows.flatMap((r) => Object.entries(r.values).map(([metric, value]) => ({ ...r, metric, value })));
  const summary = summarise(flat);
  return {
    settings,
    metrics: metrics.map((m) => m.name),
    methods,
    sanityLayers: cascade.map((s) => s.layer),
    rows,
    summary,
    recommendations: recommend(summary, metrics),
  };
}

/**
 * The pixel metrics (confidence change, ROAD's 8-neighbour imputation, deletion and insertion, the pointing games)
 * are defined on 2-D images [N, C, H, W]; on a signal or a volume they would read the tensor with the wrong axes. The
 * sanity check only compares maps, of any rank.
 */
function checkImageModel(inputShape: readonly number[], metrics: readonly { kind: string; name: string }[]): void {
  if (inputShape.length === 4) return;
  const pixel = metrics.filter((m) => m.kind !== 'sanity').map((m) => m.name);
  if (pixel.length === 0) return;
  const kind = modelKind(inputShape);
  throw new InvalidInputError(
    `${pixel.join(', ')} ${pixel.length > 1 ? 'are' : 'is'} defined on 2-D images [N, C, H, W]; this model takes ${kind.many} [N, ${kind.axes.slice(1)}. ` +
      `The sanity check works on any model: metrics: ['sanity'] (gcam evaluate --metrics sanity).`,
  );
}

function sanityCascade(explainer: ImageExplainer, steps: number | undefined): CascadeStep[] {
  const all = cascadeSteps(explainer.view);
  if (all.length === 0)
    throw new InvalidInputError('The sanity check found no Conv, Gemm or MatMul layer with weights to randomise.');
  return all.slice(0, positive('sanitySteps', steps) ?? all.length);
}

/**
 * Per result, Spearman's ρ between its map and the map of the same (image, class, layer) once the first k layers of
 * the cascade are randomised, k = 1…K.
 */
async function cascadeCorrelations(
  explainer: ImageExplainer,
  cascade: readonly CascadeStep[],
  images: readonly ImageSource[],
  results: readonly ExplainResult[],
  options: ExplainOptions,
  seed: number,
  progress: (k: number) => void,
): Promise<number[][]> {
  const key = (r: ExplainResult) => JSON.stringify([r.image, r.classIndex, r.layer]);
  const classesPerImage = images.map((_, i) => [...new Set(results.filter((r) => r.image === i).map((r) => r.classIndex))]);
  const out = results.map(() => [] as number[]);
  for (let k = 1; k <= cascade.length; k++) {
    const bytes = randomisedBytes(explainer.decoded, explainer.view, cascade.slice(0, k), seed);
    const randomised = await explainer.withModel(bytes);
    try {
      const again = new Map(
        (await randomised.explain(images, { ...options, classes: undefined, topK: undefined, classesPerImage })).map((r) => [
          key(r),
          r,
        ]),
      );
      results.forEach((r, i) => out[i].push(spearman(r.inputMap, again.get(key(r))!.inputMap)));
    } finally {
      await randomised.release();
    }
    progress(k);
  }
  return out;
}

function sanityValue(rhos: readonly number[]): { value: number; curves: Record<string, Curve>; note?: string } {
  const finite = rhos.filter(Number.isFinite);
  const curves = { sanity: { x: rhos.map((_, k) => k + 1), y: [...rhos] } };
  const note = finite.length < rhos.length ? 'a constant map at some cascade step has no rank correlation (NaN)' : undefined;
  return { value: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : NaN, curves, note };
}

function record(out: EvaluationRow, m: Metric, v: { value: number; curves?: Record<string, Curve>; note?: string }): void {
  out.values[m.name] = v.value;
  if (v.curves) out.curves[m.name] = v.curves;
  if (v.note) out.notes.push(`${m.name}: ${v.note}`);
}

function chosenMetrics(options: EvaluateOptions): Metric[] {
  if (options.metrics === undefined)
    return metricsFor(METRIC_NAMES).filter(
      (m) => m.kind === 'perturbation' || (m.kind === 'localisation' && options.annotations),
    );
  if (!Array.isArray(options.metrics) || options.metrics.length === 0)
    throw new InvalidOptionError('metrics', `must name at least one metric: ${METRIC_NAMES.join(', ')}.`);
  return metricsFor(options.metrics);
}

/** The map on the original image and the regions of its class. */
function localisationRow(r: ExplainResult, objects: readonly PixelAnnotation[]) {
  return {
    map: r.map,
    width: r.width,
    height: r.height,
    regions: objects.filter((o) => o.classIndex === r.classIndex).map((o) => o.region),
  };
}

/** With annotations and no class options: each image's annotated classes, in order of first appearance. */
function classesFromAnnotations(options: EvaluateOptions, annotations?: readonly (readonly Annotation[])[]): ExplainOptions {
  if (!annotations || options.classes || options.classesPerImage || options.topK) return {};
  return { classesPerImage: annotations.map((objects) => [...new Set(objects.map((o) => o.classIndex))]) };
}

function checkAnnotations(
  a: EvaluateOptions['annotations'],
  images: number,
  numClasses: number,
): readonly (readonly Annotation[])[] | undefined {
  if (a === undefined) return undefined;
  if (!Array.isArray(a) || a.length !== images)
    throw new InvalidInputError(
      `Annotations are given for ${Array.isArray(a) ? a.length : 'no list of'} images; ${images} images are evaluated.`,
    );
  a.forEach((objects, i) => {
    if (!Array.isArray(objects) || objects.length === 0)
      throw new InvalidInputError(`Image #${i} has no annotated object; every evaluated image needs at least one.`);
    for (const o of objects)
      if (!(Number.isInteger(o.classIndex) && o.classIndex >= 0 && o.classIndex < numClasses))
        throw new InvalidInputError(
          `Image #${i} has an object of class ${String(o.classIndex)}; the model has classes 0…${numClasses - 1}.`,
        );
  });
  return a;
}

/** The options explain() takes: without evaluate()'s own (its onProgress has another signature). */
function explainOnly(options: EvaluateOptions): ExplainOptions {
  const copy: Record<string, unknown> = { ...options };
  const own = ['methods', 'metrics', 'annotations', 'sanitySteps', 'perturbationBatch', 'onProgress'];
  for (const key of [...own, ...Object.keys(DEFAULT_SETTINGS)]) delete copy[key];
  return copy as ExplainOptions;
}

function positive(option: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!(Number.isInteger(v) && v >= 1)) throw new InvalidOptionError(option, `must be a positive integer; got ${v}.`);
  return v;
}

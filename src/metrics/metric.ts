/**
 * The contract of a faithfulness metric. Two kinds:
 *  - 'perturbation': the metric asks for perturbed copies of the model input (each named by a key, so metrics that
 *    need the same copy, e.g. drop and increase, share one forward run), then turns the class score on the original
 *    and on each copy into its value (and, for some, a curve);
 *  - 'localisation': the metric compares the map on the original image with annotated regions of the class.
 * The model-randomisation sanity check needs whole new explanations and is run by the evaluation itself (sanity.ts).
 */
import type { PolygonRings } from './polygon-mask.js';

export interface MetricSettings {
  /** The class score the perturbation metrics compare: the model's probability (default) or its logit. */
  score: 'prob' | 'logit';
  /** ROAD most-relevant-first percentile (default 80) and least-relevant-first percentile (default 20). */
  morfPercentile: number;
  lerfPercentile: number;
  /** Percentiles the combined ROAD score averages over (default 10, 20, …, 90). */
  roadPercentiles: readonly number[];
  /** Standard deviation of ROAD's imputation noise (default 0.01; 0 for none). */
  roadNoise: number;
  /** Seeds ROAD's noise. */
  seed: number;
  /** Deletion/insertion steps (default 20). */
  steps: number;
  /** Pointing game: pixels of tolerance around the annotation (default 15, Zhang et al.). */
  pointingTolerance: number;
}

export const DEFAULT_SETTINGS: MetricSettings = {
  score: 'prob',
  morfPercentile: 80,
  lerfPercentile: 20,
  roadPercentiles: [10, 20, 30, 40, 50, 60, 70, 80, 90],
  roadNoise: 0.01,
  seed: 0,
  steps: 20,
  pointingTolerance: 15,
};

/** One explained (image, class) with its map, as the metrics see it. */
export interface MetricRow {
  /** [C, H, W] the model input (normalised). */
  input: Float32Array;
  channels: number;
  height: number;
  width: number;
  /** [H, W] the final map at the model input's resolution, in [0, 1]. */
  map: Float32Array;
  classIndex: number;
  /** Index of the image in the evaluated list (seeds per-image noise). */
  image: number;
}

/** A perturbed copy of a row's input, built only when it is scored. */
export interface PerturbationRequest {
  key: string;
  make(): Float32Array;
}

/** x, y of a curve (e.g. score against the fraction of pixels deleted). */
export interface Curve {
  x: number[];
  y: number[];
}

export interface MetricValue {
  value: number;
  /** Named curves behind the value (deletion: 'deletion'; ROAD: 'morf' and 'lerf' against the percentile). */
  curves?: Record<string, Curve>;
  /** Set when the value rests on a convention for a degenerate case (e.g. ROAD on a map removing every pixel). */
  note?: string;
}

interface MetricInfo {
  name: string;
  title: string;
  /** Paper (and reference implementation whose conventions are followed). */
  reference: string;
  /** Per-image formula, as docs/evaluate.md prints it. */
  formula: string;
  /** Whether a larger value means a more faithful map (what the recommendation ranks by). */
  higherIsBetter: boolean;
}

export interface PerturbationMetric extends MetricInfo {
  kind: 'perturbation';
  requests(row: MetricRow, settings: MetricSettings): PerturbationRequest[];
  /** @param original the class score on the unperturbed input; `scores` by request key */
  value(original: number, scores: ReadonlyMap<string, number>, settings: MetricSettings, row: MetricRow): MetricValue;
}

/** A box [x0, y0, x1, y1] in original-image pixels (edges inclusive). */
export type BoxRegion = { box: readonly [number, number, number, number] };
/** A mask [height, width] row-major (nonzero inside) at the original image's size. */
export type MaskRegion = { mask: Uint8Array; width: number; height: number };
/** COCO polygon rings [x1, y1, x2, y2, …] in original-image pixels, rasterised at the image's grid (polygon-mask.ts). */
export type PolygonRegion = { polygons: PolygonRings };
/** An annotated region of one class. */
export type Region = BoxRegion | MaskRegion | PolygonRegion;
/** A region as the localisation metrics read it: polygons already rasterised at the image's grid. */
export type PixelRegion = BoxRegion | MaskRegion;

export interface LocalisationRow {
  /** [height, width] the map on the original image. */
  map: Float32Array;
  width: number;
  height: number;
  /** The regions of the explained class (one or more instances). */
  regions: readonly PixelRegion[];
}

export interface LocalisationMetric extends MetricInfo {
  kind: 'localisation';
  value(row: LocalisationRow, settings: MetricSettings): MetricValue;
}

export interface SanityMetric extends MetricInfo {
  kind: 'sanity';
}

export type Metric = PerturbationMetric | LocalisationMetric | SanityMetric;

/**
 * ROAD's removal at a percentile (Rong et al. 2022, arXiv:2202.00449), with pytorch-grad-cam's conventions
 * (ROADMostRelevantFirst / ROADLeastRelevantFirst): most relevant first (MoRF) at p removes the pixels whose map value
 * is at or above the map's p-th percentile (so MoRF 80 removes the top 20 %); least relevant first (LeRF) at p does
 * the same on 1 − map (LeRF 20 removes the 80 % least relevant). The removed pixels are filled by noisy linear
 * imputation (imputation.ts); the metric is the change of the class score, score(imputed) − score(x).
 */
import { noisyLinearImpute } from './imputation.js';
import type { MetricRow, MetricSettings, PerturbationRequest } from './metric.js';
import { percentile } from './ranking.js';
import { mix32 } from '../scenes/prng.js';

export type RoadOrder = 'morf' | 'lerf';

export function roadKey(order: RoadOrder, p: number): string {
  return `road:${order}:${p}`;
}

/** [H, W]: 1 where ROAD removes the pixel. */
export function roadRemoved(map: Float32Array, order: RoadOrder, p: number): Uint8Array {
  // LeRF ranks 1 − map, computed in float32 as the reference does (it can merge values a float64 1 − map keeps apart).
  const ranked = order === 'morf' ? map : map.map((v) => 1 - v);
  const threshold = percentile(ranked, p);
  return Uint8Array.from(ranked, (v) => (v < threshold ? 0 : 1));
}

export function roadRequest(row: MetricRow, order: RoadOrder, p: number, settings: MetricSettings): PerturbationRequest {
  return {
    key: roadKey(order, p),
    make: () => {
      const removed = roadRemoved(row.map, order, p);
      // One noise stream per (seed, image, order, percentile): the same copy whatever else is evaluated, and the same
      // noise for every method's map of an image at one percentile.
      const seed = [row.image, order === 'morf' ? 1 : 2, Math.round(p * 1000)].reduce(
        (h, v) => mix32(h ^ mix32(v)),
        mix32(settings.seed >>> 0),
      );
      const { image } = noisyLinearImpute(row.input, removed, row.height, row.width, settings.roadNoise, seed);
      return Float32Array.from(image);
    },
  };
}

/** score(imputed) − score(x) at each percentile. */
export function roadChanges(
  original: number,
  scores: ReadonlyMap<string, number>,
  order: RoadOrder,
  percentiles: readonly number[],
): number[] {
  return percentiles.map((p) => scores.get(roadKey(order, p))! - original);
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The causal metrics of Petsiuk et al. 2018 ("RISE", arXiv:1806.07421, sec. 4.1): pixels are deleted from the input
 * (deletion) or inserted into a baseline (insertion) in the order of the map, most relevant first, and the class
 * score is recorded after each step; the metric is the area under that curve. Conventions (torch-cam's defaults):
 * 20 steps, a zero baseline in the normalised input, ties in the map ranked in row-major order (stable), ⌈HW / steps⌉
 * pixels per step, one curve point before the first step and one after each, and the trapezoid rule over an x axis
 * from 0 to 1 in equal steps: AUC = (Σ_k y_k − (y_0 + y_K) / 2) / K.
 */
import type { Curve, MetricRow, PerturbationRequest } from './metric.js';
import { mostRelevantFirst } from './ranking.js';

export type CausalKind = 'deletion' | 'insertion';

/** Pixels changed before each curve point: 0, s, 2s, … capped at HW. */
export function stepCounts(pixels: number, steps: number): number[] {
  const perStep = Math.ceil(pixels / steps);
  const points = Math.ceil(pixels / perStep) + 1;
  return Array.from({ length: points }, (_, k) => Math.min(k * perStep, pixels));
}

export function causalRequests(row: MetricRow, kind: CausalKind, steps: number): PerturbationRequest[] {
  const hw = row.height * row.width;
  let order: Uint32Array | undefined;
  return stepCounts(hw, steps).map((count, k) => ({
    key: `${kind}:${steps}:${k}`,
    make: () => {
      order ??= mostRelevantFirst(row.map);
      // Deletion starts from the input and zeroes pixels; insertion starts from zeros and copies the input's pixels.
      const out = kind === 'deletion' ? Float32Array.from(row.input) : new Float32Array(row.input.length);
      for (let i = 0; i < count; i++)
        for (let c = 0; c < row.channels; c++) {
          const at = c * hw + order[i];
          out[at] = kind === 'deletion' ? 0 : row.input[at];
        }
      return out;
    },
  }));
}

export function causalCurve(scores: ReadonlyMap<string, number>, kind: CausalKind, row: MetricRow, steps: number): Curve {
  const pixels = row.height * row.width;
  const counts = stepCounts(pixels, steps);
  const last = counts.length - 1;
  return { x: counts.map((_, k) => k / last), y: counts.map((_, k) => scores.get(`${kind}:${steps}:${k}`)!) };
}

/** Trapezoid rule on equally spaced points over [0, 1]. */
export function trapezoidAuc(y: readonly number[]): number {
  const k = y.length - 1;
  return (y.reduce((a, b) => a + b, 0) - (y[0] + y[k]) / 2) / k;
}

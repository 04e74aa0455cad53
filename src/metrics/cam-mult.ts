/**
 * The input multiplied by the map (the "explanation map" E ⊙ x of Chattopadhay et al. 2018, arXiv:1710.11063,
 * sec. 6.1, and pytorch-grad-cam's CamMultImageConfidenceChange): every channel of the normalised model input times
 * the map at the input's resolution. The request shared by drop, increase and avg-drop.
 */
import type { MetricRow, PerturbationRequest } from './metric.js';

export const CAM_MULT = 'cam-mult';

export function camMultRequest(row: MetricRow): PerturbationRequest {
  return {
    key: CAM_MULT,
    make: () => {
      const hw = row.height * row.width;
      const out = new Float32Array(row.input.length);
      for (let c = 0; c < row.channels; c++) for (let p = 0; p < hw; p++) out[c * hw + p] = row.input[c * hw + p] * row.map[p];
      return out;
    },
  };
}

/** Δ = score(x ⊙ map) − score(x). */
export function confidenceChange(original: number, scores: ReadonlyMap<string, number>): number {
  return scores.get(CAM_MULT)! - original;
}

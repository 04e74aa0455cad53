/**
 * Increase in confidence: whether the class score rises when only the map's pixels are shown (1 or 0 per image; the
 * mean × 100 is the paper's "Increase in Confidence" %). Higher is better.
 */
import { camMultRequest, confidenceChange } from './cam-mult.js';
import type { PerturbationMetric } from './metric.js';

export const increase: PerturbationMetric = {
  kind: 'perturbation',
  name: 'increase',
  title: 'Increase in confidence',
  reference: 'Chattopadhay et al. 2018, arXiv:1710.11063 (pytorch-grad-cam IncreaseInConfidence)',
  formula: '[Δ > 0], Δ = score(x ⊙ map) − score(x)',
  higherIsBetter: true,
  requests: (row) => [camMultRequest(row)],
  value: (original, scores) => ({ value: confidenceChange(original, scores) > 0 ? 1 : 0 }),
};

/** Drop in confidence: how much the class score falls when only the map's pixels are shown. Lower is better. */
import { camMultRequest, confidenceChange } from './cam-mult.js';
import type { PerturbationMetric } from './metric.js';

export const drop: PerturbationMetric = {
  kind: 'perturbation',
  name: 'drop',
  title: 'Drop in confidence',
  reference: 'Chattopadhay et al. 2018, arXiv:1710.11063 (pytorch-grad-cam DropInConfidence)',
  formula: 'max(−Δ, 0), Δ = score(x ⊙ map) − score(x)',
  higherIsBetter: false,
  requests: (row) => [camMultRequest(row)],
  value: (original, scores) => ({ value: Math.max(-confidenceChange(original, scores), 0) }),
};

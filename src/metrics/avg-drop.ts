/**
 * Average Drop % (Chattopadhay et al. 2018, arXiv:1710.11063, eq. 21: (1/N) Σ max(0, Y − O)/Y · 100): the drop in
 * confidence relative to the original score, per image in percent; its mean is the paper's Average Drop. The
 * denominator is Y + 1e-7, as torch-cam's ClassificationMetric guards it. Meant for probabilities. Lower is better.
 */
import { camMultRequest, confidenceChange } from './cam-mult.js';
import type { PerturbationMetric } from './metric.js';

export const avgDrop: PerturbationMetric = {
  kind: 'perturbation',
  name: 'avg-drop',
  title: 'Average Drop %',
  reference: 'Chattopadhay et al. 2018, arXiv:1710.11063, eq. 21 (torch-cam ClassificationMetric)',
  formula: '100 · max(0, Y − O) / (Y + 1e-7), Y = score(x), O = score(x ⊙ map)',
  higherIsBetter: false,
  requests: (row) => [camMultRequest(row)],
  value: (original, scores) => ({ value: (100 * Math.max(-confidenceChange(original, scores), 0)) / (original + 1e-7) }),
};

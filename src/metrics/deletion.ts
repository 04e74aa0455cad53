/** Deletion AUC (Petsiuk et al. 2018): the score as the most relevant pixels are zeroed; lower is better. */
import { causalCurve, causalRequests, trapezoidAuc } from './causal.js';
import type { PerturbationMetric } from './metric.js';

export const deletion: PerturbationMetric = {
  kind: 'perturbation',
  name: 'deletion',
  title: 'Deletion AUC',
  reference: 'Petsiuk et al. 2018, arXiv:1806.07421 (RISE), sec. 4.1',
  formula: 'AUC of score(x with the top k·⌈HW/20⌉ pixels zeroed), k = 0…20',
  higherIsBetter: false,
  requests: (row, s) => causalRequests(row, 'deletion', s.steps),
  value: (_original, scores, s, row) => {
    const curve = causalCurve(scores, 'deletion', row, s.steps);
    return { value: trapezoidAuc(curve.y), curves: { deletion: curve } };
  },
};

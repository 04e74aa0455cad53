/** Insertion AUC (Petsiuk et al. 2018): the score as the most relevant pixels are put onto a zero baseline; higher is better. */
import { causalCurve, causalRequests, trapezoidAuc } from './causal.js';
import type { PerturbationMetric } from './metric.js';

export const insertion: PerturbationMetric = {
  kind: 'perturbation',
  name: 'insertion',
  title: 'Insertion AUC',
  reference: 'Petsiuk et al. 2018, arXiv:1806.07421 (RISE), sec. 4.1',
  formula: 'AUC of score(zeros with the top k·⌈HW/20⌉ pixels of x), k = 0…20',
  higherIsBetter: true,
  requests: (row, s) => causalRequests(row, 'insertion', s.steps),
  value: (_original, scores, s, row) => {
    const curve = causalCurve(scores, 'insertion', row, s.steps);
    return { value: trapezoidAuc(curve.y), curves: { insertion: curve } };
  },
};

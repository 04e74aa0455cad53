/** ROAD, least relevant first, at one percentile (default 20: the 80 % least relevant removed). Higher is better. */
import type { PerturbationMetric } from './metric.js';
import { roadChanges, roadRequest } from './road-removal.js';

export const roadLerf: PerturbationMetric = {
  kind: 'perturbation',
  name: 'road-lerf',
  title: 'ROAD least relevant first',
  reference: 'Rong et al. 2022, arXiv:2202.00449 (pytorch-grad-cam ROADLeastRelevantFirst)',
  formula: 'score(impute(x, 1 − map ≥ P_p(1 − map))) − score(x), p = 20',
  higherIsBetter: true,
  requests: (row, s) => [roadRequest(row, 'lerf', s.lerfPercentile, s)],
  value: (original, scores, s) => ({ value: roadChanges(original, scores, 'lerf', [s.lerfPercentile])[0] }),
};

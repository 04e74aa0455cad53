/** ROAD, most relevant first, at one percentile (default 80: the top 20 % removed). Lower (a larger fall) is better. */
import type { PerturbationMetric } from './metric.js';
import { roadChanges, roadRequest } from './road-removal.js';

export const roadMorf: PerturbationMetric = {
  kind: 'perturbation',
  name: 'road-morf',
  title: 'ROAD most relevant first',
  reference: 'Rong et al. 2022, arXiv:2202.00449 (pytorch-grad-cam ROADMostRelevantFirst)',
  formula: 'score(impute(x, map ≥ P_p(map))) − score(x), p = 80',
  higherIsBetter: false,
  requests: (row, s) => [roadRequest(row, 'morf', s.morfPercentile, s)],
  value: (original, scores, s) => ({ value: roadChanges(original, scores, 'morf', [s.morfPercentile])[0] }),
};

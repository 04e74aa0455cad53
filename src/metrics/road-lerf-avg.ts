/** ROAD least relevant first, averaged over the percentiles (default 10, 20, …, 90). Higher is better. */
import type { PerturbationMetric } from './metric.js';
import { mean, roadChanges, roadRequest } from './road-removal.js';

export const roadLerfAvg: PerturbationMetric = {
  kind: 'perturbation',
  name: 'road-lerf-avg',
  title: 'ROAD least relevant first, averaged',
  reference: 'Rong et al. 2022, arXiv:2202.00449 (pytorch-grad-cam ROADLeastRelevantFirstAverage)',
  formula: 'mean over p ∈ {10, …, 90} of LeRF_p',
  higherIsBetter: true,
  requests: (row, s) => s.roadPercentiles.map((p) => roadRequest(row, 'lerf', p, s)),
  value: (original, scores, s) => ({ value: mean(roadChanges(original, scores, 'lerf', s.roadPercentiles)) }),
};

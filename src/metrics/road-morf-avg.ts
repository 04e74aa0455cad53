/** ROAD most relevant first, averaged over the percentiles (default 10, 20, …, 90). Lower is better. */
import type { PerturbationMetric } from './metric.js';
import { mean, roadChanges, roadRequest } from './road-removal.js';

export const roadMorfAvg: PerturbationMetric = {
  kind: 'perturbation',
  name: 'road-morf-avg',
  title: 'ROAD most relevant first, averaged',
  reference: 'Rong et al. 2022, arXiv:2202.00449 (pytorch-grad-cam ROADMostRelevantFirstAverage)',
  formula: 'mean over p ∈ {10, …, 90} of MoRF_p',
  higherIsBetter: false,
  requests: (row, s) => s.roadPercentiles.map((p) => roadRequest(row, 'morf', p, s)),
  value: (original, scores, s) => ({ value: mean(roadChanges(original, scores, 'morf', s.roadPercentiles)) }),
};

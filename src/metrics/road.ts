/**
 * The combined ROAD score (pytorch-grad-cam's ROADCombined): (mean_p LeRF_p − mean_p MoRF_p) / 2 over the percentiles
 * (default 10, 20, …, 90): large when removing the least relevant pixels keeps the score and removing the most relevant
 * ones lowers it. The halving is the reference's; it keeps the value on the scale of one score change. Higher is
 * better. Its curves: MoRF_p and LeRF_p against p.
 */
import type { PerturbationMetric } from './metric.js';
import { mean, roadChanges, roadRequest } from './road-removal.js';

export const road: PerturbationMetric = {
  kind: 'perturbation',
  name: 'road',
  title: 'ROAD combined',
  reference: 'Rong et al. 2022, arXiv:2202.00449 (pytorch-grad-cam ROADCombined)',
  formula: '(mean_p LeRF_p − mean_p MoRF_p) / 2, p ∈ {10, …, 90}',
  higherIsBetter: true,
  requests: (row, s) => s.roadPercentiles.flatMap((p) => [roadRequest(row, 'morf', p, s), roadRequest(row, 'lerf', p, s)]),
  value: (original, scores, s) => {
    const x = [...s.roadPercentiles];
    const morf = roadChanges(original, scores, 'morf', x);
    const lerf = roadChanges(original, scores, 'lerf', x);
    return { value: (mean(lerf) - mean(morf)) / 2, curves: { morf: { x, y: morf }, lerf: { x, y: lerf } } };
  },
};

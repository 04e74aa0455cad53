/**
 * Model-randomisation sanity check (Adebayo et al. 2018, arXiv:1810.03292, sec. 3.1): the layers are randomised one
 * after the other from the output back (randomise.ts) and each image is explained again for the same class at the
 * same layer; the per-image value is the mean over the cascade of Spearman's rank correlation between the map and the
 * original one, its curve the correlation at each step. A map that does not change when the weights it should
 * explain are destroyed fails the check, so lower is better. Run by evaluate() itself: it needs new explainers.
 */
import type { SanityMetric } from './metric.js';

export const sanity: SanityMetric = {
  kind: 'sanity',
  name: 'sanity',
  title: 'Sanity check (cascading randomisation)',
  reference: 'Adebayo et al. 2018, arXiv:1810.03292, sec. 3.1',
  formula: 'mean over k of Spearman ρ(map, map with the top k layers randomised)',
  higherIsBetter: false,
};

/**
 * Pointing game (Zhang et al. 2016, "Top-down Neural Attention by Excitation Backprop", arXiv:1608.00507, sec. 4.1):
 * a hit (1) when the map's maximum lies on an annotated instance of the explained class, within a tolerance of 15
 * pixels as in the paper; a miss (0) otherwise. The mean is the pointing accuracy. Higher is better.
 */
import { peakOf } from '../eval/pointing-game.js';
import type { LocalisationMetric } from './metric.js';
import { distanceToRegion } from './regions.js';

export const pointing: LocalisationMetric = {
  kind: 'localisation',
  name: 'pointing',
  title: 'Pointing game',
  reference: 'Zhang et al. 2016, arXiv:1608.00507, sec. 4.1',
  formula: '[distance(argmax map, regions of the class) ≤ 15 px]',
  higherIsBetter: true,
  value: (row, s) => {
    const peak = peakOf(row.map, row.width);
    return { value: row.regions.some((r) => distanceToRegion(peak, r) <= s.pointingTolerance) ? 1 : 0 };
  },
};

/**
 * Energy-based pointing game (Wang et al. 2020, "Score-CAM", arXiv:1910.01279, sec. 4.3): the share of the map's
 * energy inside the class's regions, Σ_{p∈regions} L_p / Σ_p L_p. Higher is better. A map with no energy at all (a
 * constant map, returned as zeros) scores 0.
 */
import type { LocalisationMetric } from './metric.js';
import { regionMask } from './regions.js';

export const energyPointing: LocalisationMetric = {
  kind: 'localisation',
  name: 'energy-pointing',
  title: 'Energy-based pointing game',
  reference: 'Wang et al. 2020, arXiv:1910.01279, sec. 4.3',
  formula: 'Σ_{p ∈ regions} map_p / Σ_p map_p',
  higherIsBetter: true,
  value: (row) => {
    const inside = regionMask(row.regions, row.width, row.height);
    let all = 0;
    let within = 0;
    for (let p = 0; p < row.map.length; p++) {
      all += row.map[p];
      if (inside[p]) within += row.map[p];
    }
    return all > 0 ? { value: within / all } : { value: 0, note: 'the map has no energy (constant map)' };
  },
};

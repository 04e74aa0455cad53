/**
 * Eigen-CAM (Muhammad & Yeasin 2020, arXiv:2008.00299, eq. 4–5): the projection of the layer's activations on their
 * first principal component (positions as samples, channels as features, centred per channel). Class-agnostic and
 * gradient-free. The sign of a principal component is arbitrary: see projection.ts for the convention.
 */
import { needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const eigencam: CamMethod = {
  name: 'eigencam',
  title: 'Eigen-CAM',
  reference: 'Muhammad & Yeasin 2020, arXiv:2008.00299, eqs. 4–5',
  formula: 'map = (A − mean_p A)·v₁, v₁ = first right singular vector of the centred [positions × channels] matrix',
  requires: { layerGradients: false },
  cost: 'one forward run + an eigen-decomposition per image (no gradient; class-agnostic)',
  compute: (ctx) => ({ kind: 'projection', data: needLayer(ctx.layer, 'eigencam').activation }),
};

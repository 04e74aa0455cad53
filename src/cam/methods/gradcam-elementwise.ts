/**
 * Grad-CAM element-wise: map = Σ_c relu(G_c ⊙ A_c). The ReLU is applied to each channel's contribution before the sum,
 * so negative evidence in one channel cannot cancel positive evidence in another (a HiResCAM variant; see
 * Draelos & Carin 2020, arXiv:2011.08891, section 3 on element-wise products).
 */
import { elementwise, needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const gradcamElementwise: CamMethod = {
  name: 'gradcamelementwise',
  title: 'Grad-CAM element-wise',
  reference: 'element-wise variant of HiResCAM (arXiv:2011.08891)',
  formula: 'map = Σ_c relu(G_c ⊙ A_c)',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM',
  compute: (ctx) => ({
    kind: 'contributions',
    data: elementwise(needLayer(ctx.layer, 'gradcamelementwise'), (a, g) => Math.max(0, g * a)),
  }),
};

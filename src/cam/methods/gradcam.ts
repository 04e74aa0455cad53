/** Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391, eqs. 1–2): w_c = mean_p ∂y/∂A_c,p; map = Σ_c w_c·A_c. */
import { gradCamWeights } from '../gradcam.js';
import { needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const gradcam: CamMethod = {
  name: 'gradcam',
  title: 'Grad-CAM',
  reference: 'Selvaraju et al. 2017, arXiv:1610.02391, eqs. 1–2',
  formula: 'w_c = mean_p G_c,p;  map = Σ_c w_c·A_c',
  requires: { layerGradients: true },
  cost: 'one forward+backward run (shared by all rows of a batch)',
  compute: (ctx) => {
    const layer = needLayer(ctx.layer, 'gradcam');
    return { kind: 'weights', weights: gradCamWeights(layer.gradient, layer.dims) };
  },
};

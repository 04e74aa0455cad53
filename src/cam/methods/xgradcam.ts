/** XGrad-CAM (Fu et al. 2020, arXiv:2008.02312, eq. 9): w_c = Σ_p(G·A) / (Σ_p A + 1e-7); map = Σ_c w_c·A_c. */
import { channelSums, needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

const EPS = 1e-7;

export const xgradcam: CamMethod = {
  name: 'xgradcam',
  title: 'XGrad-CAM',
  reference: 'Fu et al. 2020, arXiv:2008.02312, eq. 9',
  formula: 'w_c = Σ_p(G·A) / (Σ_p A + 1e-7);  map = Σ_c w_c·A_c',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM',
  compute: (ctx) => {
    const layer = needLayer(ctx.layer, 'xgradcam');
    const ga = channelSums(layer.gradient, layer.dims, (g, a) => g * a, layer.activation);
    const a = channelSums(layer.activation, layer.dims);
    return { kind: 'weights', weights: Float32Array.from(ga, (v, i) => v / (a[i] + EPS)) };
  },
};

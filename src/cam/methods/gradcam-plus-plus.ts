/**
 * Grad-CAM++ (Chattopadhay et al. 2018, arXiv:1710.11063), the closed form of eq. 19 with the exponential of the
 * score cancelled (so no exp(score), which overflows float32 for logits ≳ 88):
 *   α_c,p = G² / (2·G² + (Σ_q A_c,q)·G³ + 1e-6), and α = 0 where G = 0;   w_c = Σ_p α_c,p·relu(G_c,p).
 * The ε and the G = 0 rule follow the widely used formulation; torch-cam's variant that drops the division is wrong.
 */
import { channelSums, needLayer } from '../channel-stats.js';
import { layerLayout } from '../gradcam.js';
import type { CamMethod } from '../method.js';

const EPS = 1e-6;

export const gradcamPlusPlus: CamMethod = {
  name: 'gradcam++',
  title: 'Grad-CAM++',
  reference: 'Chattopadhay et al. 2018, arXiv:1710.11063, eq. 19',
  formula: 'α = G²/(2G² + ΣA·G³ + 1e-6) (0 where G = 0);  w_c = Σ_p α·relu(G);  map = Σ_c w_c·A_c',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM',
  compute: (ctx) => {
    const layer = needLayer(ctx.layer, 'gradcam++');
    const { n, c, positions } = layerLayout(layer.dims);
    const sumA = channelSums(layer.activation, layer.dims);
    const weights = new Float32Array(n * c);
    for (let nc = 0; nc < n * c; nc++) {
      const base = nc * positions;
      let w = 0;
      for (let p = 0; p < positions; p++) {
        const g = layer.gradient[base + p];
        if (g <= 0) continue; // relu(G) = 0 (and α = 0 where G = 0)
        const g2 = g * g;
        const alpha = g2 / (2 * g2 + sumA[nc] * g2 * g + EPS);
        w += alpha * g;
      }
      weights[nc] = w;
    }
    return { kind: 'weights', weights };
  },
};

/** LayerCAM (Jiang et al. 2021, IEEE TIP 30:5875, eq. 5–6): map = Σ_c relu(G_c) ⊙ A_c. */
import { elementwise, needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const layercam: CamMethod = {
  name: 'layercam',
  title: 'LayerCAM',
  reference: 'Jiang et al. 2021, IEEE TIP 30:5875–5888, eqs. 5–6',
  formula: 'map = Σ_c relu(G_c) ⊙ A_c',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM',
  compute: (ctx) => ({
    kind: 'contributions',
    data: elementwise(needLayer(ctx.layer, 'layercam'), (a, g) => (g > 0 ? g * a : 0)),
  }),
};

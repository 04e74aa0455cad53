/** HiResCAM (Draelos & Carin 2020, arXiv:2011.08891, eq. 4): map = Σ_c G_c ⊙ A_c (no spatial averaging of G). */
import { elementwise, needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const hirescam: CamMethod = {
  name: 'hirescam',
  title: 'HiResCAM',
  reference: 'Draelos & Carin 2020, arXiv:2011.08891, eq. 4',
  formula: 'map = Σ_c G_c ⊙ A_c',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM',
  compute: (ctx) => ({ kind: 'contributions', data: elementwise(needLayer(ctx.layer, 'hirescam'), (a, g) => g * a) }),
};

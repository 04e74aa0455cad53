/**
 * Eigen-Grad-CAM: Eigen-CAM's projection applied to the gradient-weighted activations G ⊙ A, so that the component is
 * class-discriminative (the combination of Eigen-CAM, arXiv:2008.00299, with HiResCAM's G ⊙ A, arXiv:2011.08891).
 */
import { elementwise, needLayer } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const eigengradcam: CamMethod = {
  name: 'eigengradcam',
  title: 'Eigen-Grad-CAM',
  reference: 'Eigen-CAM (arXiv:2008.00299) on G ⊙ A',
  formula: 'map = first principal component projection of G ⊙ A',
  requires: { layerGradients: true },
  cost: 'as Grad-CAM + an eigen-decomposition per image',
  compute: (ctx) => ({ kind: 'projection', data: elementwise(needLayer(ctx.layer, 'eigengradcam'), (a, g) => g * a) }),
};

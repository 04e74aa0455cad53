/**
 * Vanilla gradient saliency (Simonyan et al. 2014, arXiv:1312.6034, section 3.1): the gradient of the score with
 * respect to the input image; the map is max_c |∂y/∂x_c| per pixel.
 */
import { maxAbsOverChannels } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const saliency: CamMethod = {
  name: 'saliency',
  title: 'Saliency (vanilla gradient)',
  reference: 'Simonyan et al. 2014, arXiv:1312.6034, section 3.1',
  formula: 'map = max_c |∂y/∂x_c|  (at the input resolution)',
  requires: { layerGradients: false, inputGradient: 'standard' },
  cost: 'one forward+backward run through the whole network',
  compute: (ctx) => {
    if (!ctx.inputGradient) throw new Error('gcam internal: saliency needs the input gradient');
    return { kind: 'input', data: maxAbsOverChannels(ctx.inputGradient.data, ctx.inputGradient.dims) };
  },
};

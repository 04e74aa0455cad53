/**
 * Guided backpropagation (Springenberg et al. 2015, arXiv:1412.6806, section 3.4): the input gradient computed with
 * the guided ReLU rule (src/vjp/variants/guided-relu.ts: only positive gradients pass where the input was positive);
 * the map is max_c |guided gradient| per pixel.
 */
import { maxAbsOverChannels } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const guidedbackprop: CamMethod = {
  name: 'guidedbackprop',
  title: 'Guided backpropagation',
  reference: 'Springenberg et al. 2015, arXiv:1412.6806, section 3.4',
  formula: 'map = max_c |R_c|, R = input gradient with dx = relu(dy)·[x > 0] at every Relu',
  requires: { layerGradients: false, inputGradient: 'guided' },
  cost: 'one forward+backward run through the whole network',
  compute: (ctx) => {
    if (!ctx.inputGradient) throw new Error('gcam internal: guidedbackprop needs the guided input gradient');
    return { kind: 'input', data: maxAbsOverChannels(ctx.inputGradient.data, ctx.inputGradient.dims) };
  },
};

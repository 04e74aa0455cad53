/**
 * Guided Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391, section 3.1): the guided-backpropagation gradient times
 * the Grad-CAM map upsampled to the input, pixel by pixel; the map is max_c |R_c|·L (L ≥ 0 after Grad-CAM's ReLU).
 */
import { maxAbsOverChannels } from '../channel-stats.js';
import type { CamMethod } from '../method.js';

export const guidedgradcam: CamMethod = {
  name: 'guidedgradcam',
  title: 'Guided Grad-CAM',
  reference: 'Selvaraju et al. 2017, arXiv:1610.02391, section 3.1',
  formula: 'map = max_c |R_c| · GradCAM↑, R = guided-backpropagation input gradient',
  requires: { layerGradients: true, inputGradient: 'guided' },
  cost: 'Grad-CAM + guided backpropagation (two backward graphs)',
  compute: (ctx) => {
    if (!ctx.inputGradient || !ctx.gradCamAtInput) throw new Error('gcam internal: guidedgradcam needs both gradients');
    const guided = maxAbsOverChannels(ctx.inputGradient.data, ctx.inputGradient.dims);
    const cam = ctx.gradCamAtInput();
    return { kind: 'input', data: guided.map((v, i) => v * cam[i]) };
  },
};

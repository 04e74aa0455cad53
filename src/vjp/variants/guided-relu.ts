/**
 * Guided backpropagation's ReLU rule (Springenberg et al. 2015, "Striving for Simplicity", arXiv:1412.6806, eq. in
 * section 3.4 / fig. 1): the gradient passes a ReLU only where the forward input was positive AND the incoming
 * gradient is positive: dx = relu(dy)·[x > 0]. Used instead of the ordinary Relu rule for the 'guided' variant; every
 * other op keeps its ordinary rule (as in the paper, which modifies only the rectifiers).
 */
import { positiveMask } from '../common.js';
import type { VjpRule } from '../types.js';

export const guidedRelu: VjpRule = {
  opType: 'Relu',
  backward: (ctx) => {
    const positiveGradient = ctx.b.op('Relu', [ctx.gy[0]!]);
    return [ctx.b.op('Mul', [positiveGradient, positiveMask(ctx, ctx.node.inputs[0])])];
  },
};

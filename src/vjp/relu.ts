/** Relu: y = max(x, 0), dx = dy·[x > 0] (the subgradient 0 at x = 0, as PyTorch). */
import { positiveMask } from './common.js';
import type { VjpRule } from './types.js';

export const relu: VjpRule = {
  opType: 'Relu',
  backward: (ctx) => [ctx.b.op('Mul', [ctx.gy[0]!, positiveMask(ctx, ctx.node.inputs[0])])],
};

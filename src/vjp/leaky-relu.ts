/** LeakyRelu: y = x for x > 0, α·x otherwise (α default 0.01), so dx = dy·(α + (1 − α)·[x > 0]) (slope α at 0, as PyTorch). */
import { positiveMask } from './common.js';
import type { VjpRule } from './types.js';

export const leakyRelu: VjpRule = {
  opType: 'LeakyRelu',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const alpha = ctx.node.float('alpha', 0.01);
    const slope = ctx.b.op('Add', [
      ctx.scalarLike(alpha, x),
      ctx.b.op('Mul', [positiveMask(ctx, x), ctx.scalarLike(1 - alpha, x)]),
    ]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, slope])];
  },
};

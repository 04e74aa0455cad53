/** GlobalAveragePool: y[n,c] = mean over spatial positions of x[n,c], so dx = dy / (H·W), broadcast over H×W. */
import { broadcastTo } from './common.js';
import type { VjpRule } from './types.js';

export const globalAveragePool: VjpRule = {
  opType: 'GlobalAveragePool',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const spatial = ctx
      .shape(x)
      .slice(2)
      .reduce((a, d) => a * d, 1);
    const scaled = ctx.b.op('Mul', [ctx.gy[0]!, ctx.scalarLike(1 / spatial, x)]);
    return [broadcastTo(ctx, scaled, x)];
  },
};

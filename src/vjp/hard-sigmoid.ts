/**
 * HardSigmoid: y = max(0, min(1, α·x + β)) (α = 0.2, β = 0.5 by default), so dx = dy·α·[0 < y < 1]: zero on the flat
 * parts and at the kinks (as PyTorch's hardsigmoid).
 */
import type { VjpContext, VjpRule } from './types.js';

/** [0 < h < 1] as a 0/1 mask in the element type of `like` (a model tensor of h's type: h may be one the rule built). */
export function openUnitMask(ctx: VjpContext, h: string, like: string): string {
  const type = ctx.elemType(like);
  const above0 = ctx.b.cast(ctx.b.op('Greater', [h, ctx.scalarLike(0, like)]), type);
  const below1 = ctx.b.cast(ctx.b.op('Less', [h, ctx.scalarLike(1, like)]), type);
  return ctx.b.op('Mul', [above0, below1]);
}

export const hardSigmoid: VjpRule = {
  opType: 'HardSigmoid',
  backward: (ctx) => {
    const y = ctx.node.outputs[0];
    const alpha = ctx.node.float('alpha', 0.2);
    const d = ctx.b.op('Mul', [openUnitMask(ctx, y, y), ctx.scalarLike(alpha, y)]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, d])];
  },
};

/**
 * PRelu: y = x for x > 0, slope·x otherwise (slope broadcast unidirectionally to x's shape, so y has x's shape).
 * dx = dy·(slope + (1 − slope)·[x > 0]) (slope at 0, as PyTorch); dslope = unbroadcast(dy·x·[x ≤ 0]), only when the
 * slope depends on a target (it is normally an initializer).
 */
import { positiveMask, unbroadcast } from './common.js';
import type { VjpRule } from './types.js';

export const prelu: VjpRule = {
  opType: 'PRelu',
  backward: (ctx) => {
    const [x, slope] = ctx.node.inputs;
    const g = ctx.gy[0]!;
    const pos = positiveMask(ctx, x);
    const neg = ctx.b.op('Sub', [ctx.scalarLike(1, x), pos]);
    const out: (string | null)[] = [null, null];
    if (ctx.needs[0]) {
      const factor = ctx.b.op('Add', [pos, ctx.b.op('Mul', [slope, neg])]);
      out[0] = ctx.b.op('Mul', [g, factor]);
    }
    if (ctx.needs[1]) {
      const gs = ctx.b.op('Mul', [g, ctx.b.op('Mul', [x, neg])]);
      out[1] = unbroadcast(ctx, gs, slope, ctx.node.outputs[0]);
    }
    return out;
  },
};

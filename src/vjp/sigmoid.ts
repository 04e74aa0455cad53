/** Sigmoid: y = 1/(1 + e^(−x)), dy/dx = y·(1 − y), computed from the forward output. */
import type { VjpRule } from './types.js';

export const sigmoid: VjpRule = {
  opType: 'Sigmoid',
  backward: (ctx) => {
    const y = ctx.node.outputs[0];
    const d = ctx.b.op('Mul', [y, ctx.b.op('Sub', [ctx.scalarLike(1, y), y])]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, d])];
  },
};

/** Tanh: dy/dx = 1 − y², computed from the forward output. */
import type { VjpRule } from './types.js';

export const tanh: VjpRule = {
  opType: 'Tanh',
  backward: (ctx) => {
    const y = ctx.node.outputs[0];
    const d = ctx.b.op('Sub', [ctx.scalarLike(1, y), ctx.b.op('Mul', [y, y])]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, d])];
  },
};

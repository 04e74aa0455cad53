/** Sqrt: y = √x, dy/dx = 1/(2√x) = 0.5/y, computed from the forward output (inf at x = 0, as PyTorch). */
import type { VjpRule } from './types.js';

export const sqrt: VjpRule = {
  opType: 'Sqrt',
  backward: (ctx) => {
    const y = ctx.node.outputs[0];
    const half = ctx.b.op('Mul', [ctx.gy[0]!, ctx.scalarLike(0.5, y)]);
    return [ctx.b.op('Div', [half, y])];
  },
};

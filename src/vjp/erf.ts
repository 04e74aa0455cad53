/** Erf: d/dx erf(x) = 2/√π · exp(−x²). */
import type { VjpRule } from './types.js';

export const erf: VjpRule = {
  opType: 'Erf',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const e = ctx.b.op('Exp', [ctx.b.op('Neg', [ctx.b.op('Mul', [x, x])])]);
    const d = ctx.b.op('Mul', [e, ctx.scalarLike(2 / Math.sqrt(Math.PI), x)]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, d])];
  },
};

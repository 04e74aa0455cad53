/**
 * Pow with a constant exponent p (broadcasting): dx = unbroadcast(dy·p·x^(p−1)); where p = 0 the term is 0 (as
 * PyTorch, avoiding 0·x⁻¹ = NaN at x = 0). p = 1 and p = 2 skip the Pow. The exponent gets no gradient.
 */
import { unbroadcast } from './common.js';
import type { VjpRule } from './types.js';

export const pow: VjpRule = {
  opType: 'Pow',
  check: ({ node, constant }) =>
    constant(node.inputs[1]) ? undefined : 'the exponent is not a constant (only x^c is differentiated)',
  backward: (ctx) => {
    const [x, e] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const g = ctx.gy[0]!;
    const p = ctx.constant(e)!;
    const vals = Array.from(p.values);
    const uniform = vals.every((v) => v === vals[0]) ? vals[0] : undefined;
    let d: string;
    if (uniform === 0) d = ctx.b.op('Mul', [g, ctx.scalarLike(0, x)]);
    else if (uniform === 1) d = g;
    else if (uniform === 2) d = ctx.b.op('Mul', [g, ctx.b.op('Mul', [x, ctx.scalarLike(2, x)])]);
    else {
      const pm1 = ctx.constantLike(
        vals.map((v) => (v === 0 ? 0 : v - 1)),
        p.dims,
        x,
      );
      const deriv = ctx.b.op('Mul', [ctx.b.op('Pow', [x, pm1]), ctx.constantLike(vals, p.dims, x)]);
      d = ctx.b.op('Mul', [g, deriv]);
    }
    return [unbroadcast(ctx, d, x, y), null];
  },
};

/**
 * HardSwish: y = x·h with h = HardSigmoid(x; α = 1/6, β = 0.5), so dy/dx = h + x·α·[0 < h < 1]:
 * 0 for x < −3, x/3 + 1/2 in between, 1 for x > 3 (PyTorch's hardswish gives x/3 + 1/2 at ±3 itself; ill-defined there).
 */
import { openUnitMask } from './hard-sigmoid.js';
import type { VjpRule } from './types.js';

export const hardSwish: VjpRule = {
  opType: 'HardSwish',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const h = ctx.b.op('HardSigmoid', [x], { alpha: { f: 1 / 6 }, beta: { f: 0.5 } });
    const inner = ctx.b.op('Mul', [ctx.b.op('Mul', [x, ctx.scalarLike(1 / 6, x)]), openUnitMask(ctx, h, x)]);
    return [ctx.b.op('Mul', [ctx.gy[0]!, ctx.b.op('Add', [h, inner])])];
  },
};

/** Sub: y = a − b (broadcasting), da = unbroadcast(dy), db = unbroadcast(−dy). */
import { unbroadcast } from './common.js';
import type { VjpRule } from './types.js';

export const sub: VjpRule = {
  opType: 'Sub',
  backward: (ctx) => {
    const [a, b] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const g = ctx.gy[0]!;
    return [ctx.needs[0] ? unbroadcast(ctx, g, a, y) : null, ctx.needs[1] ? unbroadcast(ctx, ctx.b.op('Neg', [g]), b, y) : null];
  },
};

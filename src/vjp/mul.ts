/** Mul: y = a·b (broadcasting), da = unbroadcast(dy·b), db = unbroadcast(dy·a). */
import { unbroadcast } from './common.js';
import type { VjpRule } from './types.js';

export const mul: VjpRule = {
  opType: 'Mul',
  backward: (ctx) => {
    const [a, b] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const g = ctx.gy[0]!;
    return [
      ctx.needs[0] ? unbroadcast(ctx, ctx.b.op('Mul', [g, b]), a, y) : null,
      ctx.needs[1] ? unbroadcast(ctx, ctx.b.op('Mul', [g, a]), b, y) : null,
    ];
  },
};

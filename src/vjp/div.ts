/** Div: y = a/b (broadcasting), da = unbroadcast(dy/b), db = unbroadcast(−dy·a/b²) = unbroadcast(−dy·y/b). */
import { unbroadcast } from './common.js';
import type { VjpRule } from './types.js';

export const div: VjpRule = {
  opType: 'Div',
  backward: (ctx) => {
    const [a, b] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const g = ctx.gy[0]!;
    const out: (string | null)[] = [null, null];
    if (ctx.needs[0]) out[0] = unbroadcast(ctx, ctx.b.op('Div', [g, b]), a, y);
    if (ctx.needs[1]) {
      const gb = ctx.b.op('Neg', [ctx.b.op('Div', [ctx.b.op('Mul', [g, y]), b])]);
      out[1] = unbroadcast(ctx, gb, b, y);
    }
    return out;
  },
};

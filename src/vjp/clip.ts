/**
 * Clip: y = min(max(x, lo), hi), bounds as attributes (opset < 11) or optional scalar inputs (opset ≥ 11; omitted = no
 * bound). dx = dy·[lo ≤ x ≤ hi]: gradient passes at the bounds themselves, as torch.clamp does (the derivative is
 * undefined there). When a bound tensor depends on a target it gets dy where x is strictly beyond it.
 */
import { unbroadcast } from './common.js';
import type { VjpContext, VjpRule } from './types.js';

function bound(ctx: VjpContext, attr: 'min' | 'max', index: number): string | undefined {
  const x = ctx.node.inputs[0];
  if (ctx.node.has(attr)) return ctx.scalarLike(ctx.node.float(attr, 0), x);
  const t = ctx.node.inputs[index];
  return t ? t : undefined;
}

export const clip: VjpRule = {
  opType: 'Clip',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const y = ctx.node.outputs[0];
    const g = ctx.gy[0]!;
    const type = ctx.elemType(x);
    const lo = bound(ctx, 'min', 1);
    const hi = bound(ctx, 'max', 2);
    // 0/1 masks of x strictly below lo / strictly above hi.
    const below = lo ? ctx.b.cast(ctx.b.op('Less', [x, lo]), type) : undefined;
    const above = hi ? ctx.b.cast(ctx.b.op('Greater', [x, hi]), type) : undefined;
    const out: (string | null)[] = [null, null, null];
    if (ctx.needs[0]) {
      let gx = g;
      for (const m of [below, above]) if (m) gx = ctx.b.op('Mul', [gx, ctx.b.op('Sub', [ctx.scalarLike(1, x), m])]);
      out[0] = gx;
    }
    if (below && ctx.needs[1]) out[1] = unbroadcast(ctx, ctx.b.op('Mul', [g, below]), ctx.node.inputs[1], y);
    if (above && ctx.needs[2]) out[2] = unbroadcast(ctx, ctx.b.op('Mul', [g, above]), ctx.node.inputs[2], y);
    return out;
  },
};

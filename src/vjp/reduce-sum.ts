/**
 * ReduceSum: every reduced element contributes once, so dx = dy broadcast back to x's shape (the removed axes
 * unsqueezed first when keepdims = 0). Axes come from the attribute (before opset 13) or the optional input (from 13);
 * none means all axes, or the identity with noop_with_empty_axes = 1. reduceBackward is shared with ReduceMean.
 */
import { broadcastTo, normAxis } from './common.js';
import type { RuleContext, VjpContext, VjpRule } from './types.js';

/** The reduced axes (normalised, sorted), [] for the identity, or a string saying why they are not known. */
export function reducedAxes(ctx: RuleContext): number[] | string {
  const { node } = ctx;
  let axes: number[] | undefined = node.ints('axes');
  if (!axes && node.inputs[1]) {
    const c = ctx.constant(node.inputs[1]);
    if (!c) return 'the axes input is not a constant';
    axes = Array.from(c.values);
  }
  const rank = ctx.shape(node.inputs[0]).length;
  if (!axes || axes.length === 0) {
    if (node.int('noop_with_empty_axes', 0) === 1) return [];
    return Array.from({ length: rank }, (_, i) => i);
  }
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
}

export function checkAxes(ctx: RuleContext): string | undefined {
  const axes = reducedAxes(ctx);
  return typeof axes === 'string' ? axes : undefined;
}

export function reduceBackward(ctx: VjpContext, mean: boolean): (string | null)[] {
  const x = ctx.node.inputs[0];
  const axes = reducedAxes(ctx) as number[];
  let g = ctx.gy[0]!;
  if (axes.length === 0) return [g, null];
  if (mean) {
    const xs = ctx.shape(x);
    if (axes.includes(0)) {
      // The batch axis is reduced: the count depends on the batch size, so take it from the run-time sizes.
      const type = ctx.elemType(x);
      const ratio = ctx.b.op('Div', [
        ctx.b.cast(ctx.b.op('Size', [ctx.node.outputs[0]]), type),
        ctx.b.cast(ctx.b.op('Size', [x]), type),
      ]);
      g = ctx.b.op('Mul', [g, ratio]);
    } else {
      const count = axes.reduce((n, a) => n * xs[a], 1);
      g = ctx.b.op('Mul', [g, ctx.scalarLike(1 / count, x)]);
    }
  }
  if (ctx.node.int('keepdims', 1) === 0) g = ctx.b.unsqueeze(g, axes);
  return [broadcastTo(ctx, g, x), null];
}

export const reduceSum: VjpRule = {
  opType: 'ReduceSum',
  check: checkAxes,
  backward: (ctx) => reduceBackward(ctx, false),
};

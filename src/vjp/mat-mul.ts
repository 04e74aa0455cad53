/**
 * MatMul (numpy semantics): Y = A·B over the last two axes, batch axes broadcast. dA = dY·Bᵀ and dB = Aᵀ·dY, each
 * summed over the batch axes its operand was broadcast along and reshaped to the operand's run-time shape. A 1-D A is
 * a row [1,K] and a 1-D B a column [K,1] whose inserted axis is absent from Y: dY gets it back by Unsqueeze first.
 * Both operands may be activations (attention); weights (constants) are skipped via ctx.needs.
 */
import type { VjpContext, VjpRule } from './types.js';

/** Swaps the last two axes of a tensor of the given rank. */
function swapLast(ctx: VjpContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return ctx.b.op('Transpose', [x], { perm });
}

/** Sums g (static shape gShape) over the axes `operand` (static shape opShape) was broadcast along; reshapes to it. */
function reduceTo(ctx: VjpContext, g: string, gShape: readonly number[], opShape: readonly number[], operand: string): string {
  const lead = gShape.length - opShape.length;
  const axes: number[] = [];
  for (let a = 0; a < gShape.length; a++) if (a < lead || (opShape[a - lead] === 1 && gShape[a] !== 1)) axes.push(a);
  const r = ctx.b.reduceSum(g, axes, true);
  const same = lead === 0 && ctx.shape(operand).length === gShape.length && axes.length === 0;
  return same ? r : ctx.b.op('Reshape', [r, ctx.shapeOf(operand)]);
}

export const matMul: VjpRule = {
  opType: 'MatMul',
  backward: (ctx) => {
    const [a, b] = ctx.node.inputs;
    const sa = ctx.shape(a);
    const sb = ctx.shape(b);
    const sy = ctx.shape(ctx.node.outputs[0]);
    let g = ctx.gy[0]!;
    if (sa.length === 1 && sb.length === 1) {
      // Dot product: dA = dY·B, dB = dY·A (dY is a scalar).
      return [ctx.needs[0] ? ctx.b.op('Mul', [g, b]) : null, ctx.needs[1] ? ctx.b.op('Mul', [g, a]) : null];
    }
    // Promote 1-D operands and give dY the matching size-1 axis.
    const ap = sa.length === 1 ? [1, sa[0]] : sa;
    const bp = sb.length === 1 ? [sb[0], 1] : sb;
    let gs = [...sy];
    if (sa.length === 1) {
      g = ctx.b.unsqueeze(g, [sy.length - 1]);
      gs = [...sy.slice(0, -1), 1, sy[sy.length - 1]];
    } else if (sb.length === 1) {
      g = ctx.b.unsqueeze(g, [sy.length]);
      gs = [...sy, 1];
    }
    const batch = gs.slice(0, -2);
    const [m, n] = gs.slice(-2);
    const out: (string | null)[] = [null, null];
    if (ctx.needs[0]) {
      const bT = sb.length === 1 ? ctx.b.unsqueeze(b, [0]) : swapLast(ctx, b, sb.length); // B'ᵀ
      const dA = ctx.b.op('MatMul', [g, bT]);
      out[0] = reduceTo(ctx, dA, [...batch, m, ap[ap.length - 1]], ap, a);
    }
    if (ctx.needs[1]) {
      const aT = sa.length === 1 ? ctx.b.unsqueeze(a, [1]) : swapLast(ctx, a, sa.length); // A'ᵀ
      const dB = ctx.b.op('MatMul', [aT, g]);
      out[1] = reduceTo(ctx, dB, [...batch, bp[bp.length - 2], n], bp, b);
    }
    return out;
  },
};

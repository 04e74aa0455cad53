/**
 * Transpose: y = transpose(x, perm), so dx = transpose(dy, perm⁻¹) with perm⁻¹[perm[i]] = i. Without a perm attribute
 * the forward reverses the axes, and so does the backward (the reversal is its own inverse).
 */
import type { VjpRule } from './types.js';

export const transpose: VjpRule = {
  opType: 'Transpose',
  backward: (ctx) => {
    const perm = ctx.node.ints('perm');
    if (!perm) return [ctx.b.op('Transpose', [ctx.gy[0]!])];
    const inv: number[] = Array<number>(perm.length);
    perm.forEach((p, i) => (inv[p] = i));
    return [inv.every((p, i) => p === i) ? ctx.gy[0]! : ctx.b.op('Transpose', [ctx.gy[0]!], { perm: inv })];
  },
};

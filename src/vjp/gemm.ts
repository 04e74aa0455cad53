/**
 * Gemm: Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' = transB ? Bᵀ : B.
 * dA' = α·dY·B'ᵀ, dB' = α·A'ᵀ·dY, dC = unbroadcast(β·dY). Built from MatMul/Transpose (Gemm's C is mandatory before
 * opset 11, and MatMul keeps the rule opset-independent).
 */
import { unbroadcast } from './common.js';
import type { VjpContext, VjpRule } from './types.js';

function t(ctx: VjpContext, x: string): string {
  return ctx.b.op('Transpose', [x], { perm: [1, 0] });
}

function scale(ctx: VjpContext, x: string, s: number, like: string): string {
  return s === 1 ? x : ctx.b.op('Mul', [x, ctx.scalarLike(s, like)]);
}

export const gemm: VjpRule = {
  opType: 'Gemm',
  backward: (ctx) => {
    const [a, b, c] = ctx.node.inputs;
    const transA = ctx.node.int('transA', 0) === 1;
    const transB = ctx.node.int('transB', 0) === 1;
    const alpha = ctx.node.float('alpha', 1);
    const beta = ctx.node.float('beta', 1);
    const g = ctx.gy[0]!;
    const out: (string | null)[] = [null, null, null];
    if (ctx.needs[0]) {
      const bT = transB ? b : t(ctx, b); // B'ᵀ
      const dAp = ctx.b.op('MatMul', [g, bT]);
      out[0] = scale(ctx, transA ? t(ctx, dAp) : dAp, alpha, a);
    }
    if (ctx.needs[1]) {
      const aT = transA ? a : t(ctx, a); // A'ᵀ
      const dBp = ctx.b.op('MatMul', [aT, g]);
      out[1] = scale(ctx, transB ? t(ctx, dBp) : dBp, alpha, b);
    }
    if (c && ctx.needs[2]) out[2] = unbroadcast(ctx, scale(ctx, g, beta, c), c, ctx.node.outputs[0]);
    return out;
  },
};

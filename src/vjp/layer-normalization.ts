/**
 * LayerNormalization (ai.onnx opset 17): over the axes A = [axis, …, rank−1] (n elements),
 *   μ = mean_A(x), d = x − μ, r = (mean_A(d²) + ε)^(−1/2), x̂ = d·r, y = x̂·scale + B.
 * With g = dy·scale (broadcast), the usual layer-norm backward (Ba et al., arXiv:1607.06450; the same algebra as
 * batch-norm's training-mode backward, Ioffe & Szegedy arXiv:1502.03167 §3) is
 *   dx = r·(g − mean_A(g) − x̂·mean_A(g·x̂)),   dscale = Σ dy·x̂,   dB = Σ dy   (sums over the leading axes).
 * The optional outputs Mean (μ) and InvStdDev (r) get their own terms when something consumes them:
 *   dx += dμ/n  and  dx += dr·(−r³·d/n)   (since Σ d = 0, ∂var/∂x = 2d/n).
 * μ and r are recomputed here (PyTorch exports use only Y). ReduceMean takes its axes as an attribute before opset 18
 * and as an input from 18. stash_type only sets the forward's internal precision and is ignored.
 */
import { normAxis, unbroadcast } from './common.js';
import type { VjpContext, VjpRule } from './types.js';

function reduceMean(ctx: VjpContext, x: string, axes: number[]): string {
  if (ctx.opset >= 18) return ctx.b.op('ReduceMean', [x, ctx.b.int64s(axes)], { keepdims: 1 });
  return ctx.b.op('ReduceMean', [x], { axes, keepdims: 1 });
}

export const layerNormalization: VjpRule = {
  opType: 'LayerNormalization',
  backward: (ctx) => {
    const [x, scale, bias] = ctx.node.inputs;
    const y = ctx.node.outputs[0];
    const xs = ctx.shape(x);
    const rank = xs.length;
    const first = normAxis(ctx.node.int('axis', -1), rank);
    const axes = Array.from({ length: rank - first }, (_, i) => first + i);
    const eps = ctx.node.float('epsilon', 1e-5);
    const b = ctx.b;
    const [gy, gMean, gInvStd] = [ctx.gy[0], ctx.gy[1] ?? null, ctx.gy[2] ?? null];

    const mu = reduceMean(ctx, x, axes);
    const d = b.op('Sub', [x, mu]);
    const variance = reduceMean(ctx, b.op('Mul', [d, d]), axes);
    const r = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, ctx.scalarLike(eps, x)])])]);
    const xhat = b.op('Mul', [d, r]);

    const parts: string[] = [];
    if (gy) {
      const g = b.op('Mul', [gy, scale]);
      const m1 = reduceMean(ctx, g, axes);
      const m2 = reduceMean(ctx, b.op('Mul', [g, xhat]), axes);
      parts.push(b.op('Mul', [r, b.op('Sub', [b.op('Sub', [g, m1]), b.op('Mul', [xhat, m2])])]));
    }
    if (gMean || gInvStd) {
      // 1/n: static unless the batch axis is normalised too, then from the run-time sizes.
      const invN =
        first > 0
          ? ctx.scalarLike(1 / axes.reduce((n, a) => n * xs[a], 1), x)
          : b.op('Div', [b.cast(b.op('Size', [mu]), ctx.elemType(x)), b.cast(b.op('Size', [x]), ctx.elemType(x))]);
      if (gMean) parts.push(b.op('Expand', [b.op('Mul', [gMean, invN]), ctx.shapeOf(x)]));
      if (gInvStd) {
        const r3 = b.op('Mul', [b.op('Mul', [r, r]), r]);
        parts.push(b.op('Mul', [b.op('Mul', [gInvStd, b.op('Neg', [r3])]), b.op('Mul', [d, invN])]));
      }
    }
    const dx = parts.length ? b.sum(parts) : null;
    return [
      ctx.needs[0] ? dx : null,
      ctx.needs[1] && gy ? unbroadcast(ctx, b.op('Mul', [gy, xhat]), scale, y) : null,
      ctx.needs[2] && bias && gy ? unbroadcast(ctx, gy, bias, y) : null,
    ];
  },
};

/**
 * BatchNormalization at inference: y = scale·(x − mean)/√(var + ε) + B, so dx = dy·scale/√(var + ε), a per-channel
 * factor (per-activation [C, D1, …] with opset 7's spatial = 0) broadcast over axis 1 onwards. The factor is folded
 * into a constant when scale and var are constants, else built from graph ops. Parameters get no gradient.
 */
import type { RuleContext, VjpRule } from './types.js';

function trainingReason({ node }: RuleContext): string | undefined {
  if (node.int('training_mode', 0) !== 0) return 'training_mode=1 (normalises with batch statistics)';
  if (node.outputs.slice(1).some((o) => o)) return 'training-mode outputs (running mean/var) are used';
  return undefined;
}

export const batchNormalization: VjpRule = {
  opType: 'BatchNormalization',
  check: trainingReason,
  backward: (ctx) => {
    const [x, scale, , , variance] = ctx.node.inputs;
    const eps = ctx.node.float('epsilon', 1e-5);
    const rank = ctx.shape(x).length;
    const pdims = ctx.shape(scale);
    // [C] → [C, 1, …] so it lines up with axis 1 of x; [C, D1, …] (spatial = 0) already does.
    const dims = [...pdims, ...Array<number>(Math.max(0, rank - 1 - pdims.length)).fill(1)];
    const s = ctx.constant(scale);
    const v = ctx.constant(variance);
    let factor: string;
    if (s && v && s.values.length === v.values.length) {
      const vals = Array.from(s.values, (sc, i) => sc / Math.sqrt(v.values[i] + eps));
      factor = ctx.constantLike(vals, dims, x);
    } else {
      // From opset 15 scale (T1) and var (T2) may have other float types than x (T).
      const type = ctx.elemType(x);
      const asX = (t: string): string => (ctx.elemType(t) === type ? t : ctx.b.cast(t, type));
      const std = ctx.b.op('Sqrt', [ctx.b.op('Add', [asX(variance), ctx.scalarLike(eps, x)])]);
      factor = ctx.b.op('Div', [asX(scale), std]);
      if (dims.length !== pdims.length) factor = ctx.b.op('Reshape', [factor, ctx.b.int64s(dims)]);
    }
    return [ctx.b.op('Mul', [ctx.gy[0]!, factor]), null, null, null, null];
  },
};

/**
 * GlobalAveragePool: y[n,c] = mean over spatial positions of x[n,c], so dx = dy / (H·W), broadcast over H×W.
 * One broadcasting Mul by a [1, 1, H, W] constant of 1/(H·W) scales and broadcasts at once (the same products as the
 * scalar Mul then Expand, so the same values): onnxruntime's Expand wrote MobileNetV2's [8, 1280, 7, 7] gradient in
 * 0.76 ms, the broadcasting Mul in ~0.1 ms (node profile, 2 threads). Before opset 7 Mul does not broadcast.
 */
import { broadcastTo } from './common.js';
import type { VjpRule } from './types.js';

export const globalAveragePool: VjpRule = {
  opType: 'GlobalAveragePool',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const spatial = ctx.shape(x).slice(2);
    const count = spatial.reduce((a, d) => a * d, 1);
    if (ctx.opset >= 7) {
      const scale = ctx.constantLike(new Array<number>(count).fill(1 / count), [1, 1, ...spatial], x);
      return [ctx.b.op('Mul', [ctx.gy[0]!, scale])];
    }
    const scaled = ctx.b.op('Mul', [ctx.gy[0]!, ctx.scalarLike(1 / count, x)]);
    return [broadcastTo(ctx, scaled, x)];
  },
};

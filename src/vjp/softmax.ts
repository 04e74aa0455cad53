/**
 * Softmax: y = softmax(x), dx = y ⊙ (dy − Σ(dy ⊙ y)) with the sum over the softmax axes: the given axis from opset 13,
 * all axes from `axis` on before (those opsets flatten the input to 2-D at `axis`).
 */
import { normAxis } from './common.js';
import type { VjpRule } from './types.js';

export const softmax: VjpRule = {
  opType: 'Softmax',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const y = ctx.node.outputs[0];
    const rank = ctx.shape(x).length;
    const axis = normAxis(ctx.node.int('axis', ctx.graph.opset >= 13 ? -1 : 1), rank);
    const axes = ctx.graph.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
    const gy = ctx.gy[0]!;
    const dot = ctx.b.reduceSum(ctx.b.op('Mul', [gy, y]), axes, true);
    return [ctx.b.op('Mul', [y, ctx.b.op('Sub', [gy, dot])])];
  },
};
